"""The project as a whole: `init` makes a new one, `validate` checks all of it (settings,
issues, templates) without writing anything."""

from .init import STARTER, create_project
from .validate import validate_project

__all__ = ["STARTER", "create_project", "validate_project"]
