"""The releases the server keeps: each build's release.json (what a visitor could be shown) and
its screenshots, registered from the dist folder at start, by `flask --app server releases
register` at deploy time, and when an event names the release its site's bundle carries.

The server reads files the build wrote and never imports the build: the release's id is
checked again here (release_ids.py, shared with the build) before anything is stored.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine

from consent_ids import matches_whole
from release_ids import (
    DEVICES,
    LAYERS,
    RELEASE_FILE,
    RELEASE_ID,
    SCREENSHOT_NAME,
    SCREENSHOTS,
    release_id,
)

from ..payload import PayloadError
from .tables import releases, screenshots

_PNG = b"\x89PNG\r\n\x1a\n"


class ReleaseError(Exception):
    """A release file the server refuses, and why."""


@dataclass(frozen=True)
class Release:
    id: str
    site: str
    revision: int
    registered_at: datetime
    document: dict  # release.json: its content, and the files it was served as
    text: str  # release.json as the build wrote it, byte for byte

    @property
    def content(self) -> dict:
        return self.document["content"]


def parse(text: str, where: str = RELEASE_FILE) -> dict:
    """A release.json whose id is its content's hash; ReleaseError otherwise."""
    try:
        document = json.loads(text)
        content, claimed = document["content"], document["release"]
        site, revision = content["manifest"]["site"], content["manifest"]["revision"]
    except (ValueError, TypeError, KeyError) as exc:
        raise ReleaseError(f"{where}: not a release file ({exc.__class__.__name__}: {exc})"
                           ) from None
    if not matches_whole(RELEASE_ID, claimed) or release_id(content) != claimed:
        raise ReleaseError(f"{where}: its id {str(claimed)[:64]!r} is not the SHA-256 of its "
                           "content; the file was changed after the build")
    if not isinstance(site, str) or type(revision) is not int:
        raise ReleaseError(f"{where}: manifest.site or manifest.revision is malformed")
    return document


def _insert_new(engine: Engine, table: sa.Table):
    """INSERT that leaves a row already there alone: workers starting together race here."""
    dialect = postgresql if engine.dialect.name == "postgresql" else sqlite
    return dialect.insert(table).on_conflict_do_nothing()


def register(engine: Engine, text: str, shots: dict[tuple[str, str, str], bytes] | None = None,
             where: str = RELEASE_FILE) -> tuple[str, bool, int]:
    """Store a release (once) and those of its screenshots not stored yet: (its id, whether it
    was new, how many screenshots were added). ReleaseError for a file that is not one."""
    document = parse(text, where)
    rid, manifest = document["release"], document["content"]["manifest"]
    now = datetime.now(UTC)
    for (language, layer, device), png in (shots or {}).items():
        if layer not in LAYERS or device not in DEVICES or not png.startswith(_PNG):
            raise ReleaseError(f"{where}: screenshot {language}-{layer}-{device} is not a PNG "
                               "of a known layer and device")
    with engine.begin() as connection:
        new = connection.execute(_insert_new(engine, releases).values(
            id=rid, site=manifest["site"], revision=manifest["revision"], registered_at=now,
            document=text)).rowcount == 1
        stored = {tuple(r) for r in connection.execute(
            sa.select(screenshots.c.language, screenshots.c.layer, screenshots.c.device)
            .where(screenshots.c.release_id == rid))}
        added = [{"release_id": rid, "language": language, "layer": layer, "device": device,
                  "png": png, "sha256": hashlib.sha256(png).hexdigest(), "taken_at": now}
                 for (language, layer, device), png in sorted((shots or {}).items())
                 if (language, layer, device) not in stored]
        for row in added:
            connection.execute(_insert_new(engine, screenshots).values(**row))
    return rid, new, len(added)


def folder_shots(site_folder: Path, rid: str) -> dict[tuple[str, str, str], bytes]:
    """The screenshots build.py release filed beside a release, by (language, layer, device)."""
    found = {}
    for path in sorted((site_folder / SCREENSHOTS / rid).glob("*.png")):
        if match := SCREENSHOT_NAME.fullmatch(path.name):
            found[(match["language"], match["layer"], match["device"])] = path.read_bytes()
    return found


def register_site(engine: Engine, site_folder: Path) -> tuple[str, bool, int]:
    """Register dist/<site>/release.json and its screenshots."""
    path = site_folder / RELEASE_FILE
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ReleaseError(f"{path}: cannot be read ({exc.__class__.__name__})") from None
    rid = parse(text, str(path))["release"]
    return register(engine, text, folder_shots(site_folder, rid), str(path))


def register_dist(engine: Engine, dist: Path) -> list[tuple[str, str, bool, int]]:
    """Every built site's release: (site, id, new, screenshots added) for each."""
    done = []
    for path in sorted(dist.glob(f"*/{RELEASE_FILE}")):
        rid, new, added = register_site(engine, path.parent)
        done.append((path.parent.name, rid, new, added))
    return done


def register_at_start(app) -> None:
    """The releases in CONSENT_DIST_DIR, at start. A database not reachable or not migrated yet
    is not a reason to stop: a release is also registered when an event first names it."""
    try:
        register_dist(app.extensions["consent_engine"], Path(app.config["CONSENT_DIST_DIR"]))
    except (sa.exc.SQLAlchemyError, ReleaseError) as exc:
        app.logger.warning("releases not registered at start (%s: %s); run `flask --app "
                           "server releases register` once the database is ready",
                           exc.__class__.__name__, str(exc).splitlines()[0][:200])


def check_event(engine: Engine, site, rid: str | None, revision: int) -> None:
    """PayloadError unless the event names a release of its site and revision that the server
    keeps (or none: widgets built before releases). Known releases are remembered per process:
    one query per release and process, none on the hot path after it."""
    if rid is None:
        return
    known: dict[str, tuple[str, int]] = current_app.extensions.setdefault("consent_releases", {})
    found = known.get(rid)
    if found is None:
        with engine.connect() as connection:
            row = connection.execute(sa.select(releases.c.site, releases.c.revision)
                                     .where(releases.c.id == rid)).first()
        if row is None and site.manifest.get("release") == rid:
            # The site's current build, not registered yet (a database migrated after start).
            try:
                register_site(engine, Path(current_app.config["CONSENT_DIST_DIR"]) / site.id)
                row = (site.id, site.manifest["revision"])
            except ReleaseError as exc:
                current_app.logger.error("site %s: its release cannot be registered: %s",
                                         site.id, exc)
        if row is None:
            raise PayloadError("unknown release: the server keeps no release of this id",
                               "release")
        found = known[rid] = (row[0], row[1])
    if found[0] != site.id:
        raise PayloadError(f"release of another site ({found[0]})", "release")
    if found[1] != revision:
        raise PayloadError(f"the release named is of revision {found[1]}", "revision")


def load(engine: Engine, rid: str) -> Release | None:
    with engine.connect() as connection:
        row = connection.execute(sa.select(releases).where(releases.c.id == rid)).first()
    if row is None:
        return None
    return Release(id=row.id, site=row.site, revision=row.revision,
                   registered_at=row.registered_at, document=json.loads(row.document),
                   text=row.document)


def shots_of(engine: Engine, rid: str) -> list[dict]:
    """A release's screenshots: language, layer, device, png, sha256, taken_at."""
    with engine.connect() as connection:
        return [dict(r) for r in connection.execute(
            sa.select(screenshots).where(screenshots.c.release_id == rid)
            .order_by(screenshots.c.language, screenshots.c.layer,
                      screenshots.c.device)).mappings()]


def of_site(engine: Engine, site: str) -> list[dict]:
    """A site's releases, newest first: id, revision, registered_at."""
    with engine.connect() as connection:
        return [dict(r) for r in connection.execute(
            sa.select(releases.c.id, releases.c.revision, releases.c.registered_at)
            .where(releases.c.site == site)
            .order_by(releases.c.registered_at.desc(), releases.c.id)).mappings()]
