"""An issue as subscribers will see it, before it is sent: `build` writes its editions as
files (HTML, text, the message as .eml), `preview` serves them live and reloads on changes.

It sits above mail because both show the finished message, not only the rendered edition.
"""

from .build import OUTPUTS, build_issue, size_lines
from .server import make_server, preview_path

__all__ = ["OUTPUTS", "build_issue", "make_server", "preview_path", "size_lines"]
