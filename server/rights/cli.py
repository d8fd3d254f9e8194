"""`flask --app server rights send-mail`: the rights e-mail leaves the outbox.

Run by cron or a systemd timer (every minute), or kept running with `--every`. A command
rather than a thread in the server: the app server's workers come and go (restarts) and
each would run its own thread; one job apart has its own timeouts, its own log, and stops cleanly.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

import click
from flask import current_app
from flask.cli import AppGroup

from ..commands import moment
from ..db import get_engine
from . import outbox, sender

cli = AppGroup("rights", help="Visitors' rights requests: their e-mail.")


@cli.command("send-mail")
@click.option("--now", "now_text", metavar="TIME", hidden=True,
              help="Act as of this time (tests of reminders and retries).")
@click.option("--every", type=click.IntRange(5, 3600), metavar="SECONDS",
              help="Keep running, sending every SECONDS (for a systemd service).")
def send_mail(now_text: str | None, every: int | None) -> None:
    """Record the reminders of requests due within 7 days, then send the e-mail due."""
    url, sender_address = (current_app.config["CONSENT_SMTP_URL"],
                           current_app.config["CONSENT_MAIL_FROM"])
    if not url:
        raise click.ClickException("CONSENT_SMTP_URL is not set: the e-mail waits in the "
                                   "outbox (set it, and CONSENT_MAIL_FROM, then run this again)")

    def clock() -> datetime:
        return moment(now_text) if now_text else datetime.now(UTC)

    engine = get_engine()
    while True:
        queued = outbox.queue_reminders(engine, clock())
        done = sender.send_due(engine, url, sender_address, clock)
        click.echo(f"{queued} reminders recorded; {done.sent} e-mail sent, {done.failed} to "
                   f"retry later, {done.given_up} given up")
        if every is None:
            return
        time.sleep(every)


def init_app(app) -> None:
    app.cli.add_command(cli)
