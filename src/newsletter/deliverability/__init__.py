"""Deliverability: the preflight check, and bounces and complaints read back into the store."""

from .bounces import BounceRun, policy, process_bounces
from .check import check_issue
from .findings import ERROR, WARNING, CheckReport, Finding
from .reports import Report, read_report

__all__ = [
    "ERROR",
    "WARNING",
    "BounceRun",
    "CheckReport",
    "Finding",
    "Report",
    "check_issue",
    "policy",
    "process_bounces",
    "read_report",
]
