"""`flask --app server webhooks add|list|remove|deliver`."""

from __future__ import annotations

import time

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy.exc import SQLAlchemyError

from ..db import get_engine
from ..sites import registry
from . import delivery, endpoints

cli = AppGroup("webhooks", help="Signed webhooks: endpoints per site, and their delivery.")


def _key() -> bytes:
    return current_app.extensions["consent_keys"]["webhook"]


def changed() -> None:
    """This process's writer sees an added or removed endpoint at once (others within
    outbox.CACHE_SECONDS)."""
    current_app.extensions["consent_webhook_sites"].forget()


@cli.command("add")
@click.argument("url")
@click.option("--site", required=True, help="The site whose consent events it receives.")
def add(url: str, site: str) -> None:
    """Register an endpoint; its secret is printed once, never again."""
    if registry().get(site) is None:
        known = ", ".join(s.id for s in registry().all()) or "none (run `python build.py`)"
        raise click.BadParameter(f"no built site {site!r}; built sites: {known}",
                                 param_hint="--site")
    try:
        endpoint, secret = endpoints.add(get_engine(), _key(), site, url,
                                         current_app.config["CONSENT_WEBHOOK_LOCAL"])
    except endpoints.Refused as exc:
        raise click.BadParameter(f"{url!r}: {exc}", param_hint="URL") from None
    changed()
    click.echo(f"endpoint {endpoint.id} for site {site}: {endpoint.url}")
    click.echo(f"secret (shown once, give it to the receiver): {secret}")


@cli.command("list")
@click.option("--site", help="Only this site's endpoints.")
def list_endpoints(site: str | None) -> None:
    """Every endpoint with its pending and failed messages."""
    for found in endpoints.of_site(get_engine(), site):
        click.echo(f"{found.id}\t{found.site}\t{found.url}\tpending {found.pending}\t"
                   f"failed {found.failed}")


@cli.command("remove")
@click.argument("endpoint_id", type=int)
def remove(endpoint_id: int) -> None:
    """Delete an endpoint with its queued messages and their attempts."""
    if not endpoints.remove(get_engine(), None, endpoint_id):
        raise click.ClickException(f"no endpoint {endpoint_id}")
    changed()
    click.echo(f"removed endpoint {endpoint_id}")


@cli.command("deliver")
@click.option("--once", is_flag=True, help="One round, then exit (cron); default: run on.")
@click.option("--batch", default=20, show_default=True, type=click.IntRange(1, 1000),
              help="Messages claimed per round.")
@click.option("--idle", default=1.0, show_default=True, type=click.FloatRange(0.01, 60),
              help="Seconds to sleep when nothing is due.")
def deliver(once: bool, batch: int, idle: float) -> None:
    """Send the queued messages. Run on as a service (several may run, on PostgreSQL);
    a deliverer killed mid-round leaves its messages to the next after their lease."""
    engine, policy = get_engine(), delivery.Policy.of(current_app.config)
    while True:
        try:
            counts = delivery.deliver_once(engine, _key(), policy, batch)
        except SQLAlchemyError as exc:
            # The database is down: wait and try again, the queue is in it.
            click.echo(f"database error: {exc.__class__.__name__}; retrying", err=True)
            counts = {}
        if counts:
            click.echo(", ".join(f"{n} {state}" for state, n in sorted(counts.items())))
        if once:
            return
        if not counts:
            time.sleep(idle)


def init_app(app) -> None:
    app.cli.add_command(cli)
