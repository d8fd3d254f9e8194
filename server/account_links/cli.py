"""`flask --app server api-keys create|list|revoke`: the sites' keys of the account-link API."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from ..console.cli import _sites
from ..db import get_engine
from . import keys

# Who made or revoked a key, when it was not an owner in the console.
COMMAND_LINE = "command line"

cli = AppGroup("api-keys", help="The sites' keys of the account-link API (Espace Client).")


@cli.command("create")
@click.option("--site", required=True, help="The site whose back end will use the key.")
@click.option("--label", required=True, help="What uses the key, e.g. 'Espace Client'.")
def create(site: str, label: str) -> None:
    """Make a key; it is printed once and never again (only its hash is kept)."""
    (site,) = _sites((site,))
    try:
        made, secret = keys.create(get_engine(), site, label, COMMAND_LINE,
                                   current_app.extensions["consent_keys"]["api-key"])
    except keys.KeyInputError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"key {made.prefix}… for site {site} ({made.label}); shown this once:", err=True)
    click.echo(secret)


@cli.command("list")
@click.option("--site", required=True)
def list_keys(site: str) -> None:
    """The site's keys: prefix, label, made, revoked."""
    for key in keys.of_site(get_engine(), site):
        revoked = (f"revoked {key.revoked_at:%Y-%m-%d %H:%M} by {key.revoked_by}"
                   if key.revoked_at else "live")
        click.echo(f"{key.prefix}\t{key.label}\tmade {key.created_at:%Y-%m-%d %H:%M} by "
                   f"{key.created_by}\t{revoked}")


@cli.command("revoke")
@click.option("--site", required=True)
@click.argument("prefix")
def revoke(site: str, prefix: str) -> None:
    """Revoke the key that starts with PREFIX (as `list` shows it); it stops working at once."""
    found = keys.revoke(get_engine(), site, prefix.rstrip("…"), COMMAND_LINE)
    if found is None:
        raise click.ClickException(f"no live key {prefix} for site {site}")
    click.echo(f"revoked {found.prefix}… ({found.label})")


def init_app(app) -> None:
    app.cli.add_command(cli)
