"""Planned deliveries: APScheduler fires each at its time through the delivery ledger."""

__all__: list[str] = []
