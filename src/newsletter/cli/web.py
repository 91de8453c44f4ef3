"""`newsletter serve`: the subscriber pages (and the archive) on a real web server."""

from __future__ import annotations

import logging

import click

from .base import Project, open_store_announced, pass_project


@click.command()
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="The address to listen on (behind a reverse proxy: 127.0.0.1).",
)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535),
              help="The port to listen on.")  # fmt: skip
@pass_project
def serve(project: Project, host: str, port: int) -> None:
    """Serve the subscriber pages (subscribe, confirm, unsubscribe, preferences) and the
    archive, for a reverse proxy to publish at base_url."""
    from newsletter.web import check_can_serve, describe, listen, make_server

    config = project.config
    for warning in check_can_serve(config):
        click.secho(f"warning: {warning}", fg="yellow", err=True)
    store = open_store_announced(project)
    sock = listen(host, port)
    try:
        server = make_server(config, store, sock)
        _log_to_stderr()
        click.echo(describe(config, sock), err=True)
        server.run(sockets=[sock])
    except KeyboardInterrupt:  # uvicorn has stopped cleanly, then passes Ctrl-C on
        pass
    finally:
        sock.close()
        store.close()


def _log_to_stderr() -> None:
    """What the pages do (a subscription confirmed, an unsubscribe) and uvicorn's own lines,
    one line each on stderr, for journald or a terminal."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    for name in ("newsletter.web", "uvicorn.error"):
        logger = logging.getLogger(name)
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False
