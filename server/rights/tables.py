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

# Why an e-mail about a request is sent: the visitor's reference, the owner told of a new
# request, the owner reminded of one due within days (rights/outbox.py).
PURPOSES = ("reference", "new", "due")

# The e-mail about rights requests, written in the transaction of what it announces and sent
# by `flask --app server rights send-mail`: a relay that is down delays it, loses none. Rows
# stay once sent: they show who was told what, and when.
outbox = sa.Table(
    "rights_mail_outbox",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("request_id", sa.Integer, sa.ForeignKey("rights_requests.id"), nullable=False),
    sa.Column("purpose", sa.String(16), nullable=False),
    sa.Column("recipient", sa.String(254), nullable=False),
    # The message as it was written (in the request's language): what was sent is what is kept.
    sa.Column("subject", sa.String(255), nullable=False),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
    # A sender's claim: until then no other sender takes the row (a crashed sender's claim
    # runs out, and the row is taken again).
    sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    # The last failure's kind and SMTP code, never the server's text (it may quote addresses).
    sa.Column("last_error", sa.String(255), nullable=True),
    sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint(f"purpose IN {PURPOSES!r}", name="ck_rights_mail_outbox_purpose"),
    # Each message once per request and recipient: a reminder recorded is never sent twice,
    # even by two senders at the same moment.
    sa.UniqueConstraint("request_id", "purpose", "recipient", name="uq_rights_mail_outbox_once"),
)
_PENDING = outbox.c.sent_at.is_(None)
sa.Index("ix_rights_mail_outbox_pending", outbox.c.next_attempt_at, sqlite_where=_PENDING,
         postgresql_where=_PENDING)
