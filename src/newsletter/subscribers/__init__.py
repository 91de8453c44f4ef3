"""Subscribers: the store and its rows, CASL consent, queries and exports, lists read from
CSV or YAML files and imported whole or not at all, subscriptions from the web form (double
opt-in), and what subscribers change from their own links."""

from .bounces import BounceEvent, StatusChange, Tally, bounce_counts, record_report
from .consent import Consent, expiry, format_moment, parse_moment
from .import_check import Defaults, check_list
from .importer import (
    Importer,
    ImportProblems,
    ImportReport,
    check_import,
    import_list,
    write_import,
)
from .listfile import open_list, replacing, replacing_csv, write_csv
from .personal import find_by_id, set_preferences, unsubscribe_by_id
from .queries import (
    counts,
    deliverable,
    expired,
    expiring,
    export_csv,
    history,
    list_subscribers,
)
from .rows import Change, Subscriber, deliverable_query, insert_subscribers, new_subscriber_values
from .signup import WEB_FORM, Request, ask, confirm, pending
from .store import Store, open_store

__all__ = [
    "WEB_FORM",
    "BounceEvent",
    "Change",
    "Consent",
    "Defaults",
    "ImportProblems",
    "ImportReport",
    "Importer",
    "Request",
    "StatusChange",
    "Store",
    "Subscriber",
    "Tally",
    "ask",
    "bounce_counts",
    "check_import",
    "check_list",
    "confirm",
    "counts",
    "deliverable",
    "deliverable_query",
    "expired",
    "expiring",
    "expiry",
    "export_csv",
    "find_by_id",
    "format_moment",
    "history",
    "import_list",
    "insert_subscribers",
    "list_subscribers",
    "new_subscriber_values",
    "open_list",
    "open_store",
    "parse_moment",
    "pending",
    "record_report",
    "replacing",
    "replacing_csv",
    "set_preferences",
    "unsubscribe_by_id",
    "write_csv",
    "write_import",
]
