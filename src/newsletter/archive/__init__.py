"""The archive: the static site of past issues, their Atom feeds and the sitemap, written
into its folder through a staging folder."""

from .folder import MANIFEST, write_site
from .site import SiteReport, build_archive, relative

__all__ = ["MANIFEST", "SiteReport", "build_archive", "relative", "write_site"]
