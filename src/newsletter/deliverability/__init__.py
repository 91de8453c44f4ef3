"""Deliverability: the preflight check, and bounces and complaints read back into the store."""

__all__: list[str] = []
