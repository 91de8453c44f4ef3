"""The transport and the options the project's settings ask for."""

from __future__ import annotations

import datetime as dt
import os

from newsletter.config import Config

from .policy import RetryPolicy
from .transports import OutboxTransport, SmtpServer, SmtpTransport, Transport
from .worker import Options


def transport_for(config: Config) -> Transport:
    delivery = config.settings.delivery
    if delivery.backend == "outbox":
        return OutboxTransport(config.outbox_dir)
    smtp = config.settings.smtp
    server = SmtpServer(
        smtp.host,
        smtp.port,
        smtp.security,
        smtp.username,
        config.smtp_password,
        smtp.timeout,
        str(config.project_dir / smtp.ca_file) if smtp.ca_file else None,  # as the outbox
    )
    return SmtpTransport(server)


def options_for(
    config: Config,
    connections: int | None = None,
    rate: int | None = None,
    processes: int | None = None,
) -> Options:
    delivery = config.settings.delivery
    rate_per_minute = delivery.rate_per_minute if rate is None else rate
    processes = processes or delivery.processes or os.cpu_count() or 1  # 0: one per core
    return Options(
        connections=connections or delivery.connections,
        # A rate limit is kept by one process; such a send is not short of CPU.
        processes=1 if rate_per_minute else processes,
        rate_per_minute=rate_per_minute,
        messages_per_connection=delivery.messages_per_connection,
        retry=RetryPolicy(
            delivery.attempts, delivery.retry_after, dt.timedelta(hours=delivery.retry_for_hours)
        ),
    )
