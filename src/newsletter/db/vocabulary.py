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

PURCHASE, INQUIRY = "purchase", "inquiry"
# Why implied consent was implied (CASL s. 10(10)); it sets how long the consent lasts.
IMPLIED_REASONS = (
    PURCHASE,  # a purchase, a contract or another business relationship: lapses after 2 years
    INQUIRY,  # an inquiry or an application: lapses after 6 months
)

# What a history row records; the row holds the state *after* the change.
CHANGES = (
    "added",  # the subscriber was created, with this status and consent
    "status",  # the status changed (unsubscribe, bounce, complaint)
    "consent",  # the consent changed (renewed, or implied replaced by express)
    "resubscribed",  # a new express consent re-activated someone who had left
    "preferences",  # they changed their name or edition language (`detail` says how)
)

PENDING, CLAIMED, SENDING, SENT = "pending", "claimed", "sending", "sent"
DEFERRED, FAILED, UNCERTAIN = "deferred", "failed", "uncertain"
SKIPPED, CANCELLED = "skipped", "cancelled"
# Where one recipient's message of a send is. pending -> claimed -> sending -> sent, deferred
# (then claimed again) or failed; the others say why a message was not, or may not have been,
# sent. Only `sending` is uncertain after a crash: the messages really in flight.
DELIVERY_STATES = (
    PENDING,  # to be sent (also a claimed one whose worker stopped before handing it over)
    CLAIMED,  # taken by a worker, not handed to the server yet
    SENDING,  # being handed to the server now
    SENT,  # the server accepted it (a 2xx reply after the message's data)
    DEFERRED,  # refused for now (4xx, or the connection failed before the data was sent)
    FAILED,  # refused for good (5xx), or deferred too many times
    UNCERTAIN,  # its worker stopped while handing it over: maybe sent; resent only on request
    SKIPPED,  # not sent: unsubscribed, bounced or forgotten after the send started
    CANCELLED,  # not sent: the send was cancelled
)
# The states a message may still leave by itself (a send with none of them is finished).
OPEN_STATES = (PENDING, CLAIMED, SENDING, DEFERRED)

SCHEDULED, RUNNING, DONE, MISSED = "scheduled", "running", "done", "missed"
# Where a planned delivery (`newsletter schedule add`) is. scheduled -> running -> done, or
# failed, missed or cancelled; only one plan of an issue is scheduled or running at a time.
PLAN_STATES = (
    SCHEDULED,  # waiting for its time
    RUNNING,  # being sent (after a crash or a stop, the next active scheduler continues it)
    DONE,  # sent: every edition's send has ended (some recipients may have failed)
    MISSED,  # no scheduler ran within the grace period after its time: not sent
    FAILED,  # not sent or not finished: the issue no longer validated, or the server failed
    CANCELLED,  # cancelled before its time (`newsletter schedule cancel`)
)
# The states in which a plan still holds its issue: another cannot be made for it.
OPEN_PLAN_STATES = (SCHEDULED, RUNNING)

HARD, SOFT, COMPLAINT, AUTO_REPLY, UNKNOWN = "hard", "soft", "complaint", "auto-reply", "unknown"
# What one report read by `bounces process` says about one recipient (or about nobody).
BOUNCE_KINDS = (
    HARD,  # delivery failed for good (a 5.x.x status); the policy decides when it bounces them
    SOFT,  # delivery failed for now (4.x.x, or delayed); bounces only when it keeps happening
    COMPLAINT,  # the recipient marked a message as spam (an ARF report): complained at once
    AUTO_REPLY,  # an out-of-office or other automatic answer: changes nothing
    UNKNOWN,  # a message that is none of these: changes nothing, reported for a person to read
)
