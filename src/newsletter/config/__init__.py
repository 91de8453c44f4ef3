"""The project's settings: the schema, loading with NEWSLETTER_* overrides (and the warning
for a variable that sets nothing), database URLs, and `urls`, where every public URL and
route is made."""

from . import urls
from .cron import weekdays_by_name
from .database_url import hide_password
from .loading import CONFIG_FILE, find_project, load_config, toml_syntax_problem
from .project import Config
from .settings import SECRET_VARIABLES, Masthead, SenderSettings, Settings
from .variables import ENV_PREFIX, unknown_variables

__all__ = [
    "CONFIG_FILE",
    "ENV_PREFIX",
    "SECRET_VARIABLES",
    "Config",
    "Masthead",
    "SenderSettings",
    "Settings",
    "find_project",
    "hide_password",
    "load_config",
    "toml_syntax_problem",
    "unknown_variables",
    "urls",
    "weekdays_by_name",
]
