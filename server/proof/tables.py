"""The releases the server was given, and their screenshots. A release is never changed, and
the database refuses to delete one (or its screenshots) while an event names it (migration
0010): an event's proof is what the visitor was shown."""

from __future__ import annotations

import sqlalchemy as sa

from release_ids import DEVICES, LAYERS

metadata = sa.MetaData()


releases = sa.Table(
    "releases",
    metadata,
    # The SHA-256 of the release's content (release_ids.py): anyone can recompute it.
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("site", sa.String(64), nullable=False),
    sa.Column("revision", sa.Integer, nullable=False),
    sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
    # dist/<site>/release.json as the build wrote it (its content, and the files it was
    # served as): kept as text, byte for byte, so that its hash can be checked again.
    sa.Column("document", sa.Text, nullable=False),
    sa.Index("ix_releases_site", "site", "registered_at"),
)

# In the database rather than in files: one backup holds the whole proof, and every worker of
# every machine reads the same (the app keeps no state of its own). A release's 8 PNGs weigh
# about 0.5 MB, once per build.
screenshots = sa.Table(
    "release_screenshots",
    metadata,
    sa.Column("release_id", sa.String(64), sa.ForeignKey("releases.id"), primary_key=True),
    sa.Column("language", sa.String(16), primary_key=True),
    sa.Column("layer", sa.String(16), primary_key=True),
    sa.Column("device", sa.String(16), primary_key=True),
    sa.Column("png", sa.LargeBinary, nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("taken_at", sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint(f"layer IN {LAYERS!r}", name="ck_release_screenshots_layer"),
    sa.CheckConstraint(f"device IN {DEVICES!r}", name="ck_release_screenshots_device"),
)
