"""Planned deliveries: APScheduler fires each at its time through the delivery ledger; a
lease in the database keeps one `newsletter scheduler` of several active; and the editors'
quarterly reminder."""

from .jobs import next_reminder, reminder_trigger
from .lease import Holder, active_scheduler
from .plans import (
    Plan,
    add_plan,
    cancel_plan,
    check_plan,
    list_plans,
    local_time,
    why_hidden,
)
from .reminder import send_reminder
from .service import Scheduler
from .when import BadWhen, parse_when

__all__ = [
    "BadWhen",
    "Holder",
    "Plan",
    "Scheduler",
    "active_scheduler",
    "add_plan",
    "cancel_plan",
    "check_plan",
    "list_plans",
    "local_time",
    "next_reminder",
    "parse_when",
    "reminder_trigger",
    "send_reminder",
    "why_hidden",
]
