"""The `newsletter` command (click): one module per command group, each calling one function
per verb in the package that does the work. Nothing imports cli."""

from .main import cli, main

__all__ = ["cli", "main"]
