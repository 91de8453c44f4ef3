"""The archive of a small committed project, compared byte for byte with tests/archive/golden/site/.

Any change to the site's output shows up here and, once accepted, as a readable diff of the
golden files in review. After an intended change, regenerate them with:

    NEWSLETTER_UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/archive/test_archive_golden.py
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from newsletter.archive import build_archive
from newsletter.config import load_config

GOLDEN = Path(__file__).parent / "golden"


def files_under(folder: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(folder)): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def test_archive_matches_the_golden_site(tmp_path):
    project = tmp_path / "project"
    shutil.copytree(GOLDEN / "project", project)
    build_archive(load_config(project, {}), tmp_path / "site")
    built = files_under(tmp_path / "site")
    if os.environ.get("NEWSLETTER_UPDATE_GOLDEN"):
        shutil.rmtree(GOLDEN / "site", ignore_errors=True)
        shutil.copytree(tmp_path / "site", GOLDEN / "site")
    golden = files_under(GOLDEN / "site")
    assert sorted(built) == sorted(golden)
    for name, content in built.items():
        assert content == golden[name], f"{name} differs from tests/archive/golden/site/{name}"
