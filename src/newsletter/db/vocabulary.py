"""The words the tables store, each list defined once with what each word means."""

from __future__ import annotations

ACTIVE, UNSUBSCRIBED, BOUNCED, COMPLAINED = "active", "unsubscribed", "bounced", "complained"
# A subscriber's status; only `active` ones are mailed. Bounces and complaints will set theirs.
STATUSES = (
    ACTIVE,  # mailed, as long as their consent is valid
    UNSUBSCRIBED,  # asked to stop; only a new express consent brings them back
    BOUNCED,  # the address does not work (set by bounce processing)
    COMPLAINED,  # marked a message as spam; treated like an unsubscribe
)

EXPRESS, IMPLIED = "express", "implied"
# How consent was obtained (CASL). Implied consent lapses; express consent does not.
CONSENTS = (
    EXPRESS,  # the person said yes (form, sign-up sheet, reply); valid until they withdraw
    IMPLIED,  # business relationship, business card...; lapses two years after consented_at
)

# What a history row records; the row holds the state *after* the change.
CHANGES = (
    "added",  # the subscriber was created, with this status and consent
    "status",  # the status changed (unsubscribe, bounce, complaint)
    "consent",  # the consent changed (renewed, or implied replaced by express)
    "resubscribed",  # a new express consent re-activated someone who had left
)
