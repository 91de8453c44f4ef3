"""The subscriber web pages: one-click unsubscribe, subscribe with double opt-in,
preferences, and the archive, served by `newsletter serve`."""

__all__: list[str] = []
