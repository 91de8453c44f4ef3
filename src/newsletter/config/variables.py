"""The NEWSLETTER_* environment variables newsletter reads: one per setting, the secrets, and
the tests' own. Any other is most likely a misspelt one, whose value is then silently not in
force: every command that loads the settings warns of it."""

from __future__ import annotations

from collections.abc import Mapping

from newsletter.core import closest

from .project import ENV_PREFIX
from .settings import SECRET_VARIABLES, Settings

# Variables that configure the tests or the tooling, not a project: a name, or a prefix.
OTHER_VARIABLES = (
    "NEWSLETTER_TEST_",  # the test suite's and benchmarks' services (NEWSLETTER_TEST_POSTGRES)
    "NEWSLETTER_UPDATE_GOLDEN",  # rewrites the archive's golden copy (tests/archive)
)
# As close as a typo: GRACE_MINUTE for GRACE_MINUTES, SMTP_PORTT for SMTP_PORT.
CLOSE_ENOUGH = 0.8


def setting_variable(section: str, key: str) -> str:
    """The variable that overrides `[section] key`: NEWSLETTER_SMTP_PORT for [smtp] port."""
    return f"{ENV_PREFIX}{section}_{key}".upper()


def setting_variables() -> list[str]:
    return [
        setting_variable(section, key)
        for section, field in Settings.model_fields.items()
        for key in field.annotation.model_fields
    ]


def unknown_variables(environ: Mapping[str, str]) -> list[str]:
    """A warning for each NEWSLETTER_* variable that sets nothing, naming the variable it is
    most likely a misspelling of."""
    known = [*setting_variables(), *SECRET_VARIABLES]
    warnings = []
    for name in sorted(environ):
        if not name.startswith(ENV_PREFIX) or name in known or name.startswith(OTHER_VARIABLES):
            continue
        close = closest(name, known, cutoff=CLOSE_ENOUGH)
        guess = f"is it {close}?" if close else "nothing reads it"
        warnings.append(f"{name} is not a setting: {guess}")
    return warnings
