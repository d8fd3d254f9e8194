"""Event ids in a small unpartitioned table whose primary key makes an event id unique in the
whole database again: a replay of any age is found by the database itself, in the statement
that stores the batch (server/store.py), with no lock of ours and no time window.

The table holds every stored event's id; it is filled from the existing rows, and `consents
purge` and erasure delete from it with the events.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("consent_event_ids", sa.Column("event_id", sa.String(32), primary_key=True))
    # One row per id, even where the replay window of 0004 let an old id in twice.
    op.execute("INSERT INTO consent_event_ids (event_id) "
               "SELECT DISTINCT event_id FROM consent_events")


def downgrade() -> None:
    op.drop_table("consent_event_ids")
