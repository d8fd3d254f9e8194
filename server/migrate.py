"""Alembic migrations run from the app: `flask --app server db upgrade`, and at start for SQLite."""

from __future__ import annotations

import fcntl
import os
import re
from contextlib import contextmanager
from pathlib import Path

import click
from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy.engine import Engine

MIGRATIONS = Path(__file__).resolve().parent / "migrations"

# PostgreSQL's monthly partitions of consent_events (migration 0004) and their indexes: made by
# the database, not part of the model, so that autogenerate never proposes to drop them.
_PARTITION = re.compile(r"^consent_events_[0-9]{4}_[0-9]{2}(_.*)?$")


def include_name(name: str | None, _type: str, _parent_names: dict) -> bool:
    return name is None or not _PARTITION.match(name)


def models() -> list:
    """Every table the migrations make, as the code declares them: the events'
    (server/tables.py), the console's (server/console/tables.py), the rights requests' and
    their e-mail (server/rights/tables.py), the API keys and account links
    (server/account_links/tables.py), the webhooks' (server/webhooks/tables.py) and the
    releases' (server/proof/tables.py). Alembic's environment and the model-vs-migrations
    checks read this one list."""
    from .account_links.tables import metadata as account_links
    from .console.tables import metadata as console
    from .proof.tables import metadata as proof
    from .rights.tables import metadata as rights
    from .tables import metadata as events
    from .webhooks.tables import metadata as webhooks

    return [events, console, rights, account_links, webhooks, proof]


cli = AppGroup("db", help="Create or update the database schema (Alembic migrations).")


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url",
                           engine.url.render_as_string(hide_password=False).replace("%", "%%"))
    config.attributes["engine"] = engine
    return config


@contextmanager
def _one_at_a_time(lock_path: Path):
    """Several workers of the app server start at once; only one may migrate the SQLite
    file."""
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def upgrade(engine: Engine, revision: str = "head", instance_path: str | None = None) -> None:
    lock = Path(instance_path or os.getcwd()) / "migrate.lock"
    with _one_at_a_time(lock):
        command.upgrade(alembic_config(engine), revision)


def auto_upgrade(app: Flask) -> None:
    """Apply pending migrations at start (the demo's SQLite needs no separate step)."""
    if app.config["CONSENT_AUTO_MIGRATE"]:
        upgrade(app.extensions["consent_engine"], "head", app.instance_path)


@cli.command("upgrade")
@click.argument("revision", default="head")
@click.option("--sql", is_flag=True, help="Print the SQL instead of running it (for a DBA).")
def upgrade_command(revision: str, sql: bool) -> None:
    """Apply migrations up to REVISION (default: the latest)."""
    engine = current_app.extensions["consent_engine"]
    if sql:
        command.upgrade(alembic_config(engine), revision, sql=True)
        return
    upgrade(engine, revision, current_app.instance_path)
    click.echo(f"database at {engine.url.render_as_string(hide_password=True)} is up to date")


@cli.command("downgrade")
@click.argument("revision")
def downgrade_command(revision: str) -> None:
    """Revert migrations down to REVISION (`base` drops everything: records are lost)."""
    engine = current_app.extensions["consent_engine"]
    with _one_at_a_time(Path(current_app.instance_path) / "migrate.lock"):
        command.downgrade(alembic_config(engine), revision)


@cli.command("current")
def current_command() -> None:
    """Show the database's migration revision."""
    engine = current_app.extensions["consent_engine"]
    with engine.connect() as connection:
        revision = MigrationContext.configure(connection).get_current_revision()
    head = ScriptDirectory.from_config(alembic_config(engine)).get_current_head()
    state = "(head)" if revision == head else f"(head is {head}: run `db upgrade`)"
    click.echo(f"{revision or 'empty'} {state}")


def init_app(app: Flask) -> None:
    app.cli.add_command(cli)
