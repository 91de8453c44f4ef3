"""`check --links`: every link of an issue asked whether it answers, concurrently.

HEAD first (no body to download); GET where a server refuses HEAD (405, 501, and the 403 or
400 some sites give a method they do not like); redirects followed. The standard library's
urllib does this; nothing here is worth a dependency.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

TIMEOUT = 10.0  # seconds a link may take to answer
WORKERS = 8
HEAD_REFUSED = (400, 403, 405, 501)
USER_AGENT = "newsletter-link-check/1"  # some sites refuse urllib's own


@dataclass(frozen=True)
class LinkResult:
    url: str
    status: int | None  # the final HTTP status; None when there was no answer
    problem: str  # "" when the link answers with 2xx


def check_links(urls: list[str], timeout: float = TIMEOUT) -> list[LinkResult]:
    """Each URL's answer, in the order given."""
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        return list(pool.map(lambda url: check_link(url, timeout), urls))


def check_link(url: str, timeout: float = TIMEOUT) -> LinkResult:
    status, problem = _ask(url, "HEAD", timeout)
    if status in HEAD_REFUSED:
        status, problem = _ask(url, "GET", timeout)
    return LinkResult(url, status, problem)


def _ask(url: str, method: str, timeout: float) -> tuple[int | None, str]:
    request = urllib.request.Request(url, method=method, headers={"User-Agent": USER_AGENT})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, ""
    except urllib.error.HTTPError as exc:
        return exc.code, f"answers {exc.code} {exc.reason}"
    except urllib.error.URLError as exc:
        reason = exc.reason
        if isinstance(reason, TimeoutError) or "timed out" in str(reason):
            return None, f"did not answer within {timeout:g} s"
        return None, f"does not answer: {reason}"
    except TimeoutError:
        return None, f"did not answer within {timeout:g} s"
    except (OSError, ValueError) as exc:
        return None, f"does not answer: {exc}"
