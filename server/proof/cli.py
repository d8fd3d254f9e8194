"""`flask --app server releases register|list` and `flask --app server consents proof ID`."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext

from consent_ids import HEX32, matches_whole

from ..console.i18n import LANGUAGES
from ..db import get_engine
from . import releases
from .document import proof

cli = AppGroup("releases", help="The releases (what visitors were shown) the server keeps.")


@cli.command("register")
@click.option("--dist", "dist", type=click.Path(file_okay=False, exists=True, path_type=Path),
              help="The built sites' folder (default: CONSENT_DIST_DIR).")
def register(dist: Path | None) -> None:
    """Keep every built site's release and its screenshots (run it at each deploy; the server
    also does at start). A release already kept gets the screenshots it lacks."""
    folder = dist or Path(current_app.config["CONSENT_DIST_DIR"])
    try:
        done = releases.register_dist(get_engine(), folder)
    except releases.ReleaseError as exc:
        raise click.ClickException(str(exc)) from None
    if not done:
        raise click.ClickException(f"{folder}: no <site>/{releases.RELEASE_FILE}; build the "
                                   "sites first (python build.py)")
    for site, rid, new, added in done:
        state = "registered" if new else "already kept"
        click.echo(f"{site}: release {rid} {state}, {added} screenshot(s) added")


@cli.command("list")
@click.option("--site", required=True, help="The site's id.")
def listing(site: str) -> None:
    """A site's releases, newest first."""
    for found in releases.of_site(get_engine(), site):
        click.echo(f"{found['registered_at']:%Y-%m-%d %H:%M:%S}  revision {found['revision']}  "
                   f"{found['id']}")


@click.command("proof")
@click.argument("consent_id")
@click.option("--site", help="Only this site's events (default: every site's).")
@click.option("--lang", type=click.Choice(LANGUAGES), default=LANGUAGES[0], show_default=True,
              help="The language of the document's own labels; the visitor's texts stay in "
                   "the language they were shown in.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the document there (default: standard output).")
@with_appcontext
def proof_command(consent_id: str, site: str | None, lang: str, output: Path | None) -> None:
    """The proof document of one consent id: one self-contained, printable HTML file."""
    consent_id = consent_id.strip().lower()
    if not matches_whole(HEX32, consent_id):
        raise click.BadParameter("a consent id is 32 hexadecimal digits", param_hint="CONSENT_ID")
    html, count = proof(consent_id, site, lang)
    if not count:
        raise click.ClickException(f"no event recorded under {consent_id}"
                                   + (f" for site {site}" if site else ""))
    if output is None:
        sys.stdout.buffer.write(html)
        return
    output.write_bytes(html)
    click.echo(f"{output}: proof of {consent_id}, {count} event(s), {len(html):,} bytes",
               err=True)


def init_app(app, consents: AppGroup) -> None:
    app.cli.add_command(cli)
    consents.add_command(proof_command)
