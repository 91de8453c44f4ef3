"""newsletter: compose, render, archive and mail a newsletter kept in a git repository."""


def __getattr__(name: str) -> str:
    # The installed version, read from the package's metadata when asked for (`--version`):
    # reading it costs every command some 30 ms at start-up.
    if name == "__version__":
        from importlib.metadata import version

        return version("newsletter")
    raise AttributeError(f"module 'newsletter' has no attribute {name!r}")
