"""`newsletter check`: the preflight an editor runs before sending, and `send` runs too.

Like a recipe: validate the issue as `validate` does (its problems are errors here), render
it once, then look at each edition's message as a subscriber gets it: the parts the law and
the providers require, images, links, the subject; its spam score where SpamAssassin is
installed; with `links`, whether every link answers.
"""

from __future__ import annotations

from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import urlsplit

from newsletter.config import Config
from newsletter.core import display_path
from newsletter.issues import Issue, find_issue, issue_file
from newsletter.mail import DkimKeyError, preview_message, signer_for
from newsletter.project import validate_project
from newsletter.render import PERSONAL_LINKS, RenderedIssue, Renderer, issue_warnings

from .content import edition_findings
from .findings import ERROR, WARNING, CheckReport, Finding, Locator
from .links import TIMEOUT, check_links
from .scan import scan_html
from .scores import ScoreCache, cache_folder, score_key, scorer_fingerprint
from .spam import ERROR_SCORE, WARNING_SCORE, SpamScore, spam_score, spamassassin

SPAM_WORKERS = 2  # each run is mostly Perl starting up, on one core


def check_issue(
    config: Config,
    name: str | None,
    environ: Mapping[str, str],
    *,
    links: bool = False,
    spam: bool = True,
    link_timeout: float = TIMEOUT,
) -> CheckReport:
    """Everything `check` finds about the issue `name` (a path or slug; default: the newest
    ready one)."""
    path = issue_file(config, name) if name else find_issue(config, None).source
    issues, problems, warnings = validate_project(config, [Path(path)], weigh=False)
    report = CheckReport(issues[0].slug if issues else Path(path).stem)
    report.findings += [Finding(p.path, p.line, ERROR, "", p.message) for p in problems]
    report.findings += [_validate_warning(text, report.issue) for text in warnings]
    if problems or not issues:
        return report
    issue = issues[0]
    at = Locator(Path(path), display_path(Path(path)), issue.slug)
    report.draft = not issue.is_ready
    if report.draft:
        message = "is a draft: `send` refuses it until its file says 'status: ready'"
        report.findings.append(at.at(("status",), WARNING, "", message))
    report.findings += signing_findings(config, at)
    # Once: validate's size warnings come from it, and `send` sends it.
    report.rendered = rendered = Renderer(config).render(issue)
    shown = display_path(Path(path))
    report.findings += [
        Finding(shown, None, WARNING, "", text) for text in issue_warnings(rendered)
    ]
    kept_scores = ScoreCache(cache_folder(environ)) if spam else None
    report.findings += rendered_findings(config, issue, rendered, at, report, kept_scores)
    if links:
        report.findings += link_findings(config, rendered, at, report, link_timeout)
    return report


def signing_findings(config: Config, at: Locator) -> list[Finding]:
    """Mail that leaves this machine unsigned fails the providers' bulk-sender rules; a key
    that cannot sign stops `send`; a weak link-signing key is worth knowing of."""
    dkim = config.settings.dkim
    try:
        signer = signer_for(config)
    except DkimKeyError as exc:
        return [at.issue(ERROR, "", f"NEWSLETTER_DKIM_PRIVATE_KEY cannot sign: {exc}")]
    if config.settings.delivery.backend != "smtp":
        return []
    weak = config.secret_key_weakness()
    found = [at.issue(WARNING, "", weak)] if weak else []
    if signer is not None:
        return found
    if dkim.domain and dkim.selector:
        why = "NEWSLETTER_DKIM_PRIVATE_KEY is not set"
    else:
        why = "[dkim] domain and selector are not set (`newsletter dkim keygen` makes a key)"
    message = (
        f"messages will not be DKIM-signed, which Gmail and Yahoo require of bulk senders: {why}"
    )
    return [*found, at.issue(WARNING, "", message)]


def rendered_findings(
    config: Config,
    issue: Issue,
    rendered: RenderedIssue,
    at: Locator,
    report: CheckReport,
    kept_scores: ScoreCache | None,
) -> list[Finding]:
    """Each edition's message as a subscriber gets it: its parts, and its spam score unless
    `kept_scores` is None."""
    messages = {
        language: preview_message(edition, config)
        for language, edition in rendered.editions.items()
    }
    found = [
        finding
        for language, edition in rendered.editions.items()
        for finding in edition_findings(config, issue, edition, messages[language], at)
    ]
    program = spamassassin() if kept_scores is not None else None
    if program is None:
        return found
    scores = spam_scores(messages, program, kept_scores)
    for language, score in scores.items():
        if isinstance(score, str):
            found.append(at.issue(WARNING, language, f"no spam score: {score}"))
            continue
        report.spam[language] = score.as_json()
        level = ERROR if score.score >= ERROR_SCORE else WARNING
        if score.score > WARNING_SCORE:
            found.append(at.issue(level, language, f"SpamAssassin scores it {score.describe()}"))
    return found


def spam_scores(
    messages: dict[str, EmailMessage], program: str, cache: ScoreCache
) -> dict[str, SpamScore | str]:
    """Each edition's score (or why there is none): kept from an earlier run on the same
    message, else from SpamAssassin, the editions at once."""
    scorer = scorer_fingerprint(program)
    keys = {
        language: score_key(message, scorer) if scorer else None
        for language, message in messages.items()
    }
    scores: dict[str, SpamScore | str | None] = {
        language: cache.get(key) if key else None for language, key in keys.items()
    }
    unscored = [language for language, score in scores.items() if score is None]
    with ThreadPoolExecutor(max_workers=SPAM_WORKERS) as pool:
        runs = {language: pool.submit(_score, messages[language], program) for language in unscored}
    for language, run in runs.items():
        scores[language] = score = run.result()
        if isinstance(score, SpamScore) and keys[language]:
            cache.put(keys[language], score)
    return scores


def _score(message: EmailMessage, program: str) -> SpamScore | str:
    try:
        return spam_score(message.as_bytes(), program)
    except RuntimeError as exc:
        return str(exc)


def link_findings(
    config: Config, rendered: RenderedIssue, at: Locator, report: CheckReport, timeout: float
) -> list[Finding]:
    """Every web link and image of every edition, asked once each."""
    where: dict[str, str] = {}  # url -> the first edition that has it
    for language, edition in rendered.editions.items():
        html = scan_html(edition.email_html)
        urls = [*html.links, *(image.get("src") or "" for image in html.images)]
        for url in urls:
            personal = any(token in url for token in PERSONAL_LINKS)  # made per subscriber
            if urlsplit(url).scheme in ("http", "https") and not personal:
                where.setdefault(url, language)
    results = check_links(list(where), timeout)
    report.links_checked = len(results)
    base_url = str(config.settings.newsletter.base_url)
    found = []
    for result in results:
        if not result.problem:
            continue
        message = f"the link {result.url} {result.problem}"
        if result.url.startswith(base_url):
            message += (
                f": the archive is not published at {base_url} yet (`newsletter archive`, "
                "then publish the site before sending)"
            )
        found.append(at.where_written(result.url, ERROR, where[result.url], message))
    return found


def _validate_warning(text: str, slug: str) -> Finding:
    """A warning of `validate` ("issues/x.yaml: ..."), kept at the file it names."""
    path, sep, message = text.partition(": ")
    if sep and " " not in path and path.endswith((".yaml", ".yml", ".toml")):
        return Finding(path, None, WARNING, "", message)
    return Finding(slug, None, WARNING, "", text)
