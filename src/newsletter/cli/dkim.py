"""`newsletter dkim keygen`: a DKIM key pair, and the DNS record to publish."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import click

from newsletter.core import NewsletterError

from .base import FullHelpGroup, Project, pass_project, project_option


@click.group(cls=FullHelpGroup)
@project_option
def dkim() -> None:
    """DKIM signing: every message is signed when [dkim] domain and selector are set and
    NEWSLETTER_DKIM_PRIVATE_KEY holds the private key."""


@dkim.command()
@click.option(
    "--algorithm",
    type=click.Choice(["ed25519", "rsa"]),
    default="rsa",
    show_default=True,
    help="rsa (2048 bits): every receiver verifies it; ed25519: smaller and faster to sign, "
    "but not verified everywhere yet (publish both under two selectors to have both).",
)
@click.option("--selector", help="The key's name (default: [dkim] selector, or nlYYYYMM).")
@click.option("--domain", help="The signing domain (default: [dkim] domain, or the sender's).")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write the private key (default: dkim-SELECTOR.pem here); never in git.",
)
@pass_project
def keygen(
    project: Project, algorithm: str, selector: str | None, domain: str | None, out: Path | None
) -> None:
    """Write a new private key (PEM, readable by you only) and print the DNS TXT record to
    publish and the settings that use it."""
    from newsletter.mail import generate_key, sender_domain

    config = project.config
    settings = config.settings.dkim
    selector = selector or settings.selector or f"nl{dt.date.today():%Y%m}"
    domain = domain or settings.domain or sender_domain(config)
    out = out or Path(f"dkim-{selector}.pem")
    if out.exists():
        raise NewsletterError(f"{out} exists: choose another --out, or another --selector")
    key = generate_key(algorithm)
    descriptor = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="ascii") as file:
        file.write(key.private_pem)
    click.echo(f"wrote the private key to {out} (keep it secret and out of git)")
    click.echo("\nPublish this DNS record:\n")
    click.echo(key.dns_record(selector, domain))
    click.echo(
        f'\nThen set in newsletter.toml:\n\n[dkim]\ndomain = "{domain}"\nselector = "{selector}"\n'
        f"\nand in the environment of `newsletter send`:\n\n"
        f'NEWSLETTER_DKIM_PRIVATE_KEY="$(cat {out})"'
    )
