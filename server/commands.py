"""`flask --app server consents purge|export`: retention (policy section 5) and exports."""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta

import click
from flask import current_app
from flask.cli import AppGroup

from . import ledger, signing, store
from .account_links import links
from .db import get_engine
from .formats import categories_of, csv_lines, jsonl_lines
from .sites import registry

cli = AppGroup("consents", help="Retention and export of the consent records.")


def cutoff(now: datetime, period: tuple[int, str]) -> datetime:
    """`now` minus the period; years on the calendar (29 February falls back to the 28th)."""
    count, unit = period
    if unit == "d":
        return now - timedelta(days=count)
    try:
        return now.replace(year=now.year - count)
    except ValueError:
        return now.replace(year=now.year - count, day=28)


def moment(text: str) -> datetime:
    """A date (midnight UTC) or an ISO date and time; naive times are UTC."""
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise click.BadParameter(f"{text!r} is not a date (YYYY-MM-DD) or an ISO date and "
                                 "time") from None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _period(period: tuple[int, str]) -> str:
    count, unit = period
    return f"{count} {'year' if unit == 'y' else 'day'}{'s' if count != 1 else ''}"


@cli.command("purge")
@click.option("--batch-size", default=5000, show_default=True, type=click.IntRange(1, 100000),
              help="Rows deleted per transaction; small batches let the server keep writing.")
@click.option("--now", "now_text", metavar="TIME", help="Purge as of this time (default: now).")
@click.option("--dry-run", is_flag=True, help="Count what would be deleted; delete nothing.")
def purge(batch_size: int, now_text: str | None, dry_run: bool) -> None:
    """Delete the events older than each site's retention period, in batches."""
    now = moment(now_text) if now_text else datetime.now(UTC)
    engine = get_engine()
    sites = registry().all()
    # Each known site with its own period, then every other site with the default one.
    passes = [(s.id, [], s.retention) for s in sites]
    passes.append((None, [s.id for s in sites], current_app.config["CONSENT_RETENTION"]))
    total = 0
    if not dry_run:
        total += _drop_whole_months(engine, min(cutoff(now, p) for _, _, p in passes), now)
    for site, others, period in passes:
        limit = cutoff(now, period)
        expected = store.count_expired(engine, site, others, limit)
        label = f"site {site}" if site else "other sites"
        if dry_run or not expected:
            click.echo(f"{label}: {expected} events older than {store.iso(limit)} "
                       f"({_period(period)}){' would be deleted' if dry_run else ''}")
            if not dry_run:
                _forget_links(engine, label, site, others, limit)
            continue
        done = 0
        with click.progressbar(length=expected, label=f"{label}: purging", file=sys.stderr,
                               show_pos=True) as bar:
            for deleted in store.purge_batches(engine, site, others, limit, batch_size):
                bar.update(deleted)
                done += deleted
        click.echo(f"{label}: deleted {done} events older than {store.iso(limit)} "
                   f"({_period(period)})")
        total += done
        _forget_links(engine, label, site, others, limit)
    if not dry_run:
        click.echo(f"purged {total} events in total")


@cli.command("export")
@click.option("--from", "start", required=True, metavar="DATE",
              help="First day (or time) included, UTC.")
@click.option("--to", "end", metavar="DATE", help="First day (or time) excluded (default: now).")
@click.option("--site", help="Only this site's events.")
@click.option("--format", "fmt", type=click.Choice(["csv", "jsonl"]), default="csv",
              show_default=True)
@click.option("--output", "-o", type=click.File("w", encoding="utf-8", lazy=True), default="-",
              help="File to write (default: standard output).")
def export(start: str, end: str | None, site: str | None, fmt: str, output) -> None:
    """Write the events of a date range as CSV or JSON Lines, streaming row by row."""
    first, last = moment(start), moment(end) if end else datetime.now(UTC)
    if last <= first:
        raise click.BadParameter("--to must come after --from", param_hint="--to")
    rows = store.stream(get_engine(), first, last, site)
    if fmt == "csv":
        known = [registry().get(site)] if site else registry().all()
        lines = csv_lines(rows, categories_of(s for s in known if s is not None))
    else:
        lines = jsonl_lines(rows)
    count = 0
    for line in lines:
        output.write(line)
        count += 1
    output.flush()
    if fmt == "csv":
        count -= 1
    click.echo(f"exported {count} events", err=True)


def _forget_links(engine, label: str, site: str | None, others: list[str], limit) -> None:
    """Account links of consent ids whose events are all gone go with them (retention)."""
    forgotten = links.forget_expired(engine, site, others, limit)
    if forgotten:
        click.echo(f"{label}: forgot {forgotten} account links of purged consents")


def _log_sites(site: str | None) -> list[str]:
    if site:
        return [site]
    return store.site_ids(get_engine())


@cli.command("log")
@click.option("--site", help="Only this site's log (default: every site with events).")
@click.option("--now", "now_text", metavar="TIME", help="Log as of this time (default: now).")
def log(site: str | None, now_text: str | None) -> None:
    """Append the settled events to each site's Merkle log and sign its new tree head.

    Run it every few minutes (cron, a systemd timer): consents are logged within that time
    plus one minute. Safe to run on several machines at once.
    """
    keys = current_app.extensions
    for name in _log_sites(site):
        added, size = ledger.append(get_engine(), keys["consent_signing"], name,
                                    keys["consent_keys"]["erased"],
                                    moment(now_text) if now_text else None)
        click.echo(f"site {name}: {added} events appended, tree size {size}"
                   f"{', head signed' if added else ''}")


@cli.command("verify")
@click.option("--site", required=True, help="The site whose log is checked.")
@click.option("--jwks", "jwks_file", type=click.File("r", encoding="utf-8"),
              help="Check the signatures with this JWKS (e.g. one fetched from "
                   "/.well-known/jwks.json) instead of the server's own keys.")
@click.option("--signatures/--no-signatures", default=True, show_default=True,
              help="Also check every event's own receipt signature.")
@click.option("--head", "head_files", multiple=True, type=click.File("r", encoding="ascii"),
              help="A signed tree head (JWS) kept by the auditor: the log must still "
                   "recompute to it. Repeatable.")
def verify(site: str, jwks_file, signatures: bool, head_files) -> None:
    """Recompute the site's log from the stored events, check every signed head; exit 1 and
    name the first event that differs."""
    import json

    keyring = (signing.from_jwks(json.load(jwks_file)) if jwks_file
               else current_app.extensions["consent_signing"])
    known = registry().get(site)
    period = known.retention if known else current_app.config["CONSENT_RETENTION"]
    report = ledger.verify(get_engine(), keyring, site,
                           current_app.extensions["consent_keys"]["erased"],
                           cutoff(datetime.now(UTC), period), signatures,
                           [f.read() for f in head_files])
    if not (report.leaves or report.heads or report.pending):
        raise click.ClickException(f"site {site} has no events and no log: nothing to verify "
                                   "(is the site id right?)")
    click.echo(f"site {site}: {report.leaves} events in the log, {report.heads} signed heads, "
               f"{report.signatures} receipt signatures checked; {report.purged} purged "
               f"(older than {_period(period)}), {report.erased} erased at the visitor's "
               f"request, {report.pending} not logged yet")
    if report.ok:
        click.echo(f"site {site}: the log verifies")
        return
    for problem in report.problems[:20]:
        click.echo(f"FAILED: {problem}", err=True)
    if len(report.problems) > 20:
        click.echo(f"... and {len(report.problems) - 20} more problems", err=True)
    sys.exit(1)


@cli.command("rotate-key")
def rotate_key() -> None:
    """Make a new signing key; the old one is retired, its public key stays in the JWKS.

    Restart the workers afterwards: each signs with the key it loaded at start.
    """
    folder = signing.folder_of(current_app.config)
    kid = signing.rotate(folder)
    click.echo(f"new signing key {kid} in {folder}; restart the server to sign with it")


# PostgreSQL: months of partitions kept ready ahead of now (the migration creates as many).
MONTHS_AHEAD = 12


def _drop_whole_months(engine, oldest_kept: datetime, now: datetime) -> int:
    """PostgreSQL: drop each month wholly older than every site's retention (a partition
    drop, not row deletes), and create the months ahead. SQLite: nothing to do."""
    with engine.begin() as connection:
        made = store.add_months(connection, now, MONTHS_AHEAD)
    if made:
        click.echo(f"created {made} monthly partitions ahead")
    dropped = 0
    for name, start in store.whole_months_before(engine, oldest_kept):
        held = store.drop_month(engine, name)
        click.echo(f"dropped the month {start:%Y-%m} ({held} events, older than every site's "
                   "retention)")
        dropped += held
    return dropped


def init_app(app) -> None:
    from . import nginx
    from .proof import cli as proof

    app.cli.add_command(cli)
    proof.init_app(app, cli)
    nginx.init_app(app)
