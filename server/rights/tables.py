"""The visitors' rights requests and their trail: what each request asked, when it is due,
and every step taken on it. The trail is append-only in the database itself (migration 0006)."""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

# The six rights of KPpay's policy (section 7), in the order the form offers them.
KINDS = ("access", "rectification", "objection", "erasure", "restriction", "portability")
# A request's steps: filed by the visitor, then the owner's notes, records erased, its answer.
STEPS = ("received", "note", "erased", "done", "refused")
# The steps that answer a request: after one of them it is no longer open.
CLOSING = ("done", "refused")

requests = sa.Table(
    "rights_requests",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    # Random, shown to the visitor when filed: what they quote when writing again.
    sa.Column("reference", sa.String(16), nullable=False, unique=True),
    sa.Column("site", sa.String(64), nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    # The visitor's consent id, when they have it (their banner's cookie, or typed).
    sa.Column("consent_id", sa.String(32), nullable=True),
    sa.Column("email", sa.String(254), nullable=False),
    sa.Column("message", sa.Text, nullable=False),
    sa.Column("language", sa.String(16), nullable=False),
    sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
    # received_at plus the site's rights_response_days, fixed when filed.
    sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint(f"kind IN {KINDS!r}", name="ck_rights_requests_kind"),
    # The owner's inbox: one site's requests by due date.
    sa.Index("ix_rights_requests_site_due", "site", "due_at"),
)

# Every step on a request, never changed nor deleted: the proof of how it was answered.
trail = sa.Table(
    "rights_trail",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("request_id", sa.Integer, sa.ForeignKey("rights_requests.id"), nullable=False),
    sa.Column("step", sa.String(16), nullable=False),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    # The owner's e-mail address as it was (accounts may be removed later); none for the
    # visitor's own step.
    sa.Column("actor", sa.String(254), nullable=True),
    # A note, a refusal's reason, how many records were erased.
    sa.Column("text", sa.Text, nullable=True),
    sa.CheckConstraint(f"step IN {STEPS!r}", name="ck_rights_trail_step"),
    sa.Index("ix_rights_trail_request", "request_id", "id"),
)
# One answer per request, in the database itself: two owners answering at the same moment
# cannot both close it.
_ANSWER = trail.c.step.in_(CLOSING)
sa.Index("ux_rights_trail_answer", trail.c.request_id, unique=True, sqlite_where=_ANSWER,
         postgresql_where=_ANSWER)
