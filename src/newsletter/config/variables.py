"""The NEWSLETTER_* environment variables newsletter reads: one per setting, the secrets, and
the tests' own. Any other is most likely a misspelt one, whose value is then silently not in
force: every command that loads the settings warns of it."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping

from newsletter.core import closest

from .settings import SECRET_VARIABLES, Settings

ENV_PREFIX = "NEWSLETTER_"

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


def _settings() -> list[tuple[str, str]]:
    """Every setting, as (section, key)."""
    return [
        (section, key)
        for section, field in Settings.model_fields.items()
        for key in field.annotation.model_fields
    ]


def known_variables() -> list[str]:
    return [*(setting_variable(*setting) for setting in _settings()), *SECRET_VARIABLES]


def likely_meant(name: str) -> str | None:
    """The variable `name` most likely stands for: the same key in another section (BASE_URL
    for NEWSLETTER_NEWSLETTER_BASE_URL), else a close name (SMTP_PORTT), else a close key
    (SCHEDULE_GRACE_MINUTE, GRACE_MINUTE); None when nothing is close. Names are compared
    without the prefix they all share, which made WEB_PORT look like SMTP_PORT and BASE_URL
    like DATABASE_URL."""
    tail = name.removeprefix(ENV_PREFIX)
    tails = {variable.removeprefix(ENV_PREFIX): variable for variable in known_variables()}
    keys = _by_key()
    if tail in keys:
        return keys[tail]
    close = closest(tail, list(tails), cutoff=CLOSE_ENOUGH)
    if close:
        return tails[close]
    close = closest(tail, list(keys), cutoff=CLOSE_ENOUGH)
    return keys[close] if close else None


def _by_key() -> dict[str, str]:
    """Each setting's key (and each secret's name) to its variable, where only one setting
    has that key: NAME is both [newsletter] name and [sender] name."""
    pairs = [(key.upper(), setting_variable(section, key)) for section, key in _settings()]
    pairs += [(variable.removeprefix(ENV_PREFIX), variable) for variable in SECRET_VARIABLES]
    counts = Counter(key for key, _ in pairs)
    return {key: variable for key, variable in pairs if counts[key] == 1}


def unknown_variables(environ: Mapping[str, str]) -> list[str]:
    """A warning for each NEWSLETTER_* variable that sets nothing, naming the variable it is
    most likely a misspelling of."""
    known = known_variables()
    warnings = []
    for name in sorted(environ):
        if not name.startswith(ENV_PREFIX) or name in known or name.startswith(OTHER_VARIABLES):
            continue
        close = likely_meant(name)
        guess = f"is it {close}?" if close else "nothing reads it"
        warnings.append(f"{name} is not a setting: {guess}")
    return warnings
