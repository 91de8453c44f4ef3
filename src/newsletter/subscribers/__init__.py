"""Subscribers: the store and its rows, CASL consent, queries and exports, and lists read
from CSV or YAML files and imported whole or not at all."""

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
from .store import Store, open_store

__all__ = [
    "BounceEvent",
    "Change",
    "Consent",
    "Defaults",
    "ImportProblems",
    "ImportReport",
    "Importer",
    "StatusChange",
    "Store",
    "Subscriber",
    "Tally",
    "bounce_counts",
    "check_import",
    "check_list",
    "counts",
    "deliverable",
    "deliverable_query",
    "expired",
    "expiring",
    "expiry",
    "export_csv",
    "format_moment",
    "history",
    "import_list",
    "insert_subscribers",
    "list_subscribers",
    "new_subscriber_values",
    "open_list",
    "open_store",
    "parse_moment",
    "record_report",
    "replacing",
    "replacing_csv",
    "write_csv",
    "write_import",
]
