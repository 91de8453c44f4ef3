"""Deliverability: the preflight check, and bounces and complaints read back into the store."""

from .check import check_issue
from .findings import ERROR, WARNING, CheckReport, Finding

__all__ = ["ERROR", "WARNING", "CheckReport", "Finding", "check_issue"]
