"""The package layout holds: imports flow one way (the import-linter contracts in
pyproject.toml), modules stay small, and an installed wheel carries its package data."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SOURCE = REPO / "src" / "newsletter"
MAX_MODULE_LINES = 400


def test_import_contracts_are_kept():
    result = subprocess.run(
        [sys.executable, "-c", "from importlinter.cli import lint_imports_command as c; c()"],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_a_wrong_way_import_breaks_the_contract(tmp_path):
    """The contract is live: a module of core importing render is reported."""
    tree = tmp_path / "src"
    shutil.copytree(SOURCE, tree / "newsletter", ignore=shutil.ignore_patterns("__pycache__"))
    (tree / "newsletter" / "core" / "wrong_way.py").write_text("import newsletter.render\n")
    result = subprocess.run(
        [sys.executable, "-c", "from importlinter.cli import lint_imports_command as c; c()"],
        cwd=REPO,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(tree)},
    )
    assert result.returncode == 1
    assert "newsletter.core.wrong_way -> newsletter.render" in result.stdout


def test_every_package_lists_its_face():
    for package in sorted(p for p in SOURCE.iterdir() if (p / "__init__.py").is_file()):
        face = (package / "__init__.py").read_text()
        assert "__all__" in face or package.name == "migrations", f"{package.name} has no __all__"


def test_no_module_is_over_400_lines():
    long = {
        str(path.relative_to(SOURCE)): lines
        for path in SOURCE.rglob("*.py")
        if (lines := len(path.read_text().splitlines())) > MAX_MODULE_LINES
    }
    assert long == {}


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """A fresh virtual environment with the project installed from its wheel (not editable);
    the libraries it needs are taken from the test environment rather than downloaded."""
    folder = tmp_path_factory.mktemp("install")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", folder / "dist", REPO],
        check=True,
        capture_output=True,
    )
    wheel = next((folder / "dist").glob("newsletter-*.whl"))
    venv = folder / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", venv], check=True)
    python = venv / "bin" / "python"
    site = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    # The libraries, from here; a .pth line adds a folder without running its own .pth
    # files, so this environment's editable install of newsletter stays out.
    Path(site, "libraries.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", python, "install", "-q", "--no-deps", wheel],
        check=True,
        capture_output=True,
    )
    return venv


def test_a_wheel_install_finds_the_theme_the_starter_and_the_migrations(installed, tmp_path):
    newsletter = installed / "bin" / "newsletter"
    where = subprocess.run(
        [installed / "bin" / "python", "-c", "import newsletter; print(newsletter.__file__)"],
        env=_clean_env(),
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert str(installed) in where, "the test ran the checkout, not the installed wheel"

    def run(*args: str) -> str:
        result = subprocess.run(
            [newsletter, *args], cwd=tmp_path, capture_output=True, text=True, env=_clean_env()
        )
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout + result.stderr

    run("init", "news")
    issue = next((tmp_path / "news" / "issues").glob("*.yaml"))
    issue.write_text(issue.read_text().replace("status: draft", "status: ready"))
    assert "email.html" in run("-p", "news", "build", "--out", "out")
    assert "1 issue" in run("-p", "news", "archive")
    imported = run("-p", "news", "subscribers", "import", "news/subscribers/sample.csv")
    assert "created the database" in imported


def _clean_env() -> dict[str, str]:
    # Neither the project's settings nor a PYTHONPATH pointing at a checkout leak in.
    return {
        k: v for k, v in os.environ.items() if not k.startswith("NEWSLETTER_") and k != "PYTHONPATH"
    }
