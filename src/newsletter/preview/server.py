"""`newsletter preview`: a local server showing an issue as subscribers will see it.

The page shows each edition at phone and desktop widths side by side, and the text part; it
reloads by itself when the issue file, its images or a template changes (the page polls
`/version`, a fingerprint of those files' modification times). Errors in the issue or a
template are shown in the page, and it reloads once they are fixed.
"""

from __future__ import annotations

import errno
import html
import json
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from newsletter.config import Config, urls
from newsletter.core import NewsletterError, ProblemsError, display_path
from newsletter.issues import issue_file, issue_paths, load_issue
from newsletter.mail import preview_recipient
from newsletter.render import RenderedIssue, Renderer, default_templates, personalise

PHONE, DESKTOP = 375, 660
CONTENT_TYPES = {".html": "text/html", ".txt": "text/plain", ".png": "image/png",
                 ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif",
                 ".webp": "image/webp", ".svg": "image/svg+xml"}  # fmt: skip


def preview_path(config: Config, name: str | None) -> Path:
    """The issue file to preview: a path, a slug, or the newest issue (drafts included)."""
    if name is None:
        paths = issue_paths(config)
        if not paths:
            raise NewsletterError(
                f"no issue in {display_path(config.issues_dir)}/; write one with `newsletter new`"
            )
        return paths[-1]
    # An issue with mistakes is previewed all the same: the page shows them until fixed.
    return issue_file(config, name)


class Preview:
    """Renders the issue again whenever one of its files or a template has changed."""

    def __init__(self, config: Config, path: Path):
        self.config, self.path = config, path
        self._lock = threading.Lock()
        self.shown_version: str | None = None
        self.rendered: RenderedIssue | None = None
        self.problems: list[str] = []

    def watched(self) -> list[Path]:
        files = [self.path, *self.path.parent.glob("images/*")]
        for folder in (self.config.templates_dir, default_templates()):
            files += [p for p in folder.rglob("*") if p.is_file()]
        return files

    def version(self) -> str:
        stamps = []
        for path in self.watched():
            try:
                stamps.append(f"{path}:{path.stat().st_mtime_ns}")
            except OSError:
                continue
        return str(hash(tuple(stamps)))

    def current(self) -> Preview:
        with self._lock:
            version = self.version()
            if version != self.shown_version:
                self.shown_version = version
                self._render()
        return self

    def _render(self) -> None:
        self.rendered, self.problems = None, []
        try:
            issue, problems = load_issue(self.path, self.config)
            if issue is None:
                raise ProblemsError(problems)
            self.rendered = Renderer(self.config).render(issue)
        except ProblemsError as exc:
            self.problems = [str(p) for p in exc.problems]
        except NewsletterError as exc:
            self.problems = [str(exc)]

    def document(self, language: str, name: str) -> str | None:
        """email.html (personalised for the preview subscriber), web.html or email.txt."""
        if self.rendered is None or language not in self.rendered.editions:
            return None
        edition = self.rendered.editions[language]
        values = preview_recipient(self.config).values()
        if name == "email.txt":
            return personalise(edition.text, values, html_text=False)
        if name == "web.html":
            return edition.web_html
        if name != "email.html":
            return None
        page = personalise(edition.email_html, values)
        for file in self.rendered.images:  # the archive's URL -> this server's copy
            page = page.replace(urls.image_url(self.config, self.rendered.issue.slug, file),
                                f"images/{file}")  # fmt: skip
        return page

    def image(self, file: str) -> Path | None:
        return self.rendered.images.get(file) if self.rendered else None

    def page(self, language: str) -> str:
        """The preview page of one edition (`language` "": the first)."""
        languages = self.config.languages
        language = language or languages[0]
        tabs = " ".join(
            f'<a href="/?lang={code}"{" class=on" if code == language else ""}>{code}</a>'
            for code in languages
        )
        shown = html.escape(display_path(self.path))
        if self.problems:
            body = '<pre class="problems">' + html.escape("\n".join(self.problems)) + "</pre>"
        elif language not in languages:
            body = (
                f"<p class=\"problems\">There is no '{html.escape(language)}' edition: the"
                f" languages in newsletter.toml are {', '.join(languages)}.</p>"
            )
        else:
            edition = self.rendered.editions[language]
            text = html.escape(self.document(language, "email.txt") or "")
            body = (
                f'<p class="subject"><b>{html.escape(edition.subject)}</b> &middot; '
                f"{html.escape(edition.preheader)}</p>"
                f'<div class="panes">'
                f"<figure><figcaption>{PHONE} px</figcaption>"
                f'<iframe src="/{language}/email.html" width="{PHONE}"></iframe></figure>'
                f"<figure><figcaption>{DESKTOP} px</figcaption>"
                f'<iframe src="/{language}/email.html" width="{DESKTOP}"></iframe></figure>'
                f"<figure><figcaption>text</figcaption><pre>{text}</pre></figure></div>"
            )
        return PAGE.format(
            title=shown, tabs=tabs, body=body, version=json.dumps(self.shown_version)
        )


PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Preview: {title}</title>
<style>
body {{ margin: 0; font: 14px/1.4 system-ui, sans-serif; background: #e9ecf1; color: #1d2430; }}
header {{ padding: 10px 16px; background: #13294b; color: #fff; }}
header a {{ color: #fff; margin-left: 8px; }} header a.on {{ font-weight: bold; }}
main {{ padding: 12px 16px; }} .subject {{ margin: 0 0 10px; }}
/* A pane that does not fit beside the others goes under them: never a sideways scroll. */
.panes {{ display: flex; flex-wrap: wrap; gap: 16px; align-items: flex-start; }}
figure {{ margin: 0; max-width: 100%; }} figcaption {{ color: #5f6672; margin-bottom: 4px; }}
iframe {{ height: calc(100vh - 120px); border: 1px solid #c8ced8; background: #fff; }}
pre {{ box-sizing: border-box; margin: 0; padding: 12px; width: calc(76ch + 26px);
  max-width: 100%; height: calc(100vh - 144px); overflow: auto;
  background: #fff; border: 1px solid #c8ced8; white-space: pre; font-size: 12px; }}
.problems {{ color: #a51c30; }}
pre.problems {{ width: auto; height: auto; white-space: pre-wrap; }}
</style></head>
<body><header>Preview of {title} &middot; edition:{tabs}</header><main>{body}</main>
<script>
const shown = {version};
setInterval(async () => {{
  try {{
    const now = (await (await fetch("/version")).json()).version;
    if (now !== shown) location.reload();
  }} catch (e) {{}}
}}, 1000);
</script></body></html>
"""


class _Handler(BaseHTTPRequestHandler):
    preview: Preview

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        preview = self.preview.current()
        parts = [p for p in url.path.split("/") if p]
        if not parts:
            language = parse_qs(url.query).get("lang", [""])[0]
            return self._send(preview.page(language), ".html")
        if parts == ["version"]:
            return self._send(json.dumps({"version": preview.shown_version}), ".json")
        if len(parts) == 2 and (document := preview.document(*parts)) is not None:
            return self._send(document, Path(parts[1]).suffix)
        if len(parts) == 3 and parts[1] == "images" and (image := preview.image(parts[2])):
            return self._send(image.read_bytes(), image.suffix.lower())
        self.send_error(HTTPStatus.NOT_FOUND)

    def _send(self, content: str | bytes, suffix: str) -> None:
        data = content.encode("utf-8") if isinstance(content, str) else content
        kind = CONTENT_TYPES.get(suffix, "application/json")
        self.send_response(HTTPStatus.OK)
        charset = "; charset=utf-8" if isinstance(content, str) else ""
        self.send_header("Content-Type", kind + charset)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args) -> None:  # keep the terminal for errors
        pass


def make_server(config: Config, path: Path, port: int = 8000) -> ThreadingHTTPServer:
    """A preview server on 127.0.0.1 (port 0: any free port); call serve_forever()."""
    handler = type("PreviewHandler", (_Handler,), {"preview": Preview(config, path)})
    try:
        return ThreadingHTTPServer(("127.0.0.1", port), handler)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise NewsletterError(f"port {port} is in use; pass --port N") from None
        raise NewsletterError(f"cannot listen on 127.0.0.1:{port}: {exc.strerror}") from None
