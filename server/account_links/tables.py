"""The sites' API keys and the links they make between consent ids and customer accounts."""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

api_keys = sa.Table(
    "api_keys",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("site", sa.String(64), nullable=False),
    # The key's first characters, shown to tell keys apart; the key itself is never stored.
    sa.Column("prefix", sa.String(16), nullable=False),
    # Keyed hash of the whole key (pseudonym.keyed_hash): a stolen database opens nothing.
    sa.Column("key_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("label", sa.String(100), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    # Who made it and who revoked it: an owner's address, or "command line".
    sa.Column("created_by", sa.String(254), nullable=False),
    sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("revoked_by", sa.String(254), nullable=True),
    sa.Index("ix_api_keys_site", "site", "id"),
)

account_links = sa.Table(
    "account_links",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("site", sa.String(64), nullable=False),
    # Keyed hash of the site and the site's own account identifier: never the identifier.
    sa.Column("account_hash", sa.String(64), nullable=False),
    sa.Column("consent_id", sa.String(32), nullable=False),
    sa.Column("linked_at", sa.DateTime(timezone=True), nullable=False),
    # The key that made the link (kept when the key is revoked: the link stays true).
    sa.Column("key_id", sa.Integer, sa.ForeignKey("api_keys.id"), nullable=False),
    sa.UniqueConstraint("site", "account_hash", "consent_id", name="uq_account_links_once"),
    # A consent's account (a rights request names a consent id).
    sa.Index("ix_account_links_consent", "consent_id"),
)
