"""`flask --app server owners add|remove|passwd|sites|list` and `consents rollup`."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext

from ..db import get_engine, make_engine
from ..sites import registry
from . import accounts, refusals, rollup

# Seconds the roll-up job's statements may take (a request's are bounded by CONSENT_DB_TIMEOUT).
JOB_TIMEOUT = 300

owners = AppGroup("owners", help="The console's accounts: who may see which sites.")


def _sites(sites: tuple[str, ...]) -> list[str]:
    known = {s.id for s in registry().all()}
    unknown = [s for s in sites if s not in known]
    if unknown:
        raise click.BadParameter(
            f"no built site {', '.join(map(repr, unknown))}; built sites: "
            f"{', '.join(sorted(known)) or 'none (run `python build.py`)'}", param_hint="--site")
    return list(sites)


def _password() -> str:
    # Asked twice and never echoed: it must not land in the shell's history or on screen.
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)


@owners.command("add")
@click.argument("email")
@click.option("--site", "sites", multiple=True, required=True,
              help="A site this owner may see (repeat for several).")
def add(email: str, sites: tuple[str, ...]) -> None:
    """Create an owner's account; the password is asked twice."""
    chosen = _sites(sites)
    try:
        accounts.normal_email(email)
        owner = accounts.add(get_engine(), email, _password(), chosen)
    except accounts.AccountError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"owner {owner.email} may see {', '.join(owner.sites)}")


@owners.command("remove")
@click.argument("email")
def remove(email: str) -> None:
    """Delete an owner's account (their sessions end at once)."""
    _for_owner(email, accounts.remove)
    click.echo(f"removed {email}")


@owners.command("passwd")
@click.argument("email")
def passwd(email: str) -> None:
    """Set a new password (the owner's open sessions end)."""
    _for_owner(email, accounts.set_password, _password())
    click.echo(f"new password set for {email}")


@owners.command("sites")
@click.argument("email")
@click.option("--site", "sites", multiple=True, required=True,
              help="A site this owner may see (repeat for several); replaces the list.")
def set_sites(email: str, sites: tuple[str, ...]) -> None:
    """Replace the sites an owner may see."""
    _for_owner(email, accounts.set_sites, _sites(sites))
    click.echo(f"owner {email} may see {', '.join(sites)}")


def _for_owner(email: str, change, *args) -> None:
    """Apply one of accounts' changes to an existing owner; a clear error otherwise."""
    try:
        found = change(get_engine(), email, *args)
    except accounts.AccountError as exc:
        raise click.ClickException(str(exc)) from None
    if not found:
        raise click.ClickException(f"no owner {email}")


@owners.command("list")
def list_owners() -> None:
    """Every owner and their sites."""
    for owner in accounts.everyone(get_engine()):
        click.echo(f"{owner.email}\t{', '.join(owner.sites)}")


@click.command("rollup")
@with_appcontext
def rollup_command() -> None:
    """Count new events into the console's daily roll-ups (cron: every minute)."""
    # Its own engine: a day's chunk of a busy site may take longer than the few seconds a
    # request may wait (CONSENT_DB_TIMEOUT), and a first run rolls up the whole history.
    engine = make_engine(current_app.config["DATABASE_URL"], timeout=JOB_TIMEOUT)
    try:
        counted = rollup.advance(engine)
        forgotten = refusals.forget_old(engine)
        with engine.connect() as connection:
            until = rollup.mark(connection)
    finally:
        engine.dispose()
    click.echo(f"rolled up {counted} events; roll-ups complete up to "
               f"{until.isoformat() if until else 'nothing yet'}"
               + (f"; {forgotten} old refused-origin counts deleted" if forgotten else ""))


def init_app(app) -> None:
    from ..commands import cli as consents

    app.cli.add_command(owners)
    consents.add_command(rollup_command)
