"""The rights e-mail, on SQLite and PostgreSQL, through a real SMTP server (aiosmtpd on
127.0.0.1): written to the outbox with the request it announces, sent by `flask --app server
rights send-mail` with the right reference in the request's language, kept when the relay is
down and delivered once when it is back, and one reminder per request due within 7 days."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from .smtp_kit import SmtpServer, free_port

PASSWORD = "correct horse battery staple"
OWNERS = ("dpo@kppay.tg", "legal@kppay.tg")
SENDER = "rights@kppay.tg"


@pytest.fixture
def make(make_app):
    """An app whose e-mail goes to `port`, with two owners of KPpay, and empty rights tables."""
    from server.console import accounts
    from server.console.tables import metadata as console
    from server.rights.tables import metadata as rights

    def made(port: int, **overrides):
        app = make_app(CONSENT_SMTP_URL=f"smtp://127.0.0.1:{port}", CONSENT_MAIL_FROM=SENDER,
                       **overrides)
        engine = app.extensions["consent_engine"]
        with engine.begin() as connection:
            connection.execute(sa.text("DELETE FROM rights_mail_outbox"))
            # The trail is append-only; the requests go with a fresh database per module, so
            # only what a test reads is cleaned: its outbox and the owners.
            for table in reversed(console.sorted_tables):
                connection.execute(table.delete())
        assert rights is not None
        for email in OWNERS:
            accounts.add(engine, email, PASSWORD, ["kppay"])
        return app

    return made


def token(client, path: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text).group(1)


def file(app, lang="en", **fields) -> str:
    visitor = app.test_client()
    headers = {"Accept-Language": lang}
    data = {"kind": "erasure", "email": "ama@example.tg", "message": "Bonjour", **fields}
    sent = visitor.post("/rights/kppay", data=data, headers=headers)
    assert sent.status_code == 303, sent.text
    page = visitor.get(sent.headers["Location"], headers=headers)
    return re.search(r'id="reference">([^<]+)<', page.text).group(1)


def send(app, now: datetime | None = None) -> str:
    args = ["rights", "send-mail"] + (["--now", now.isoformat()] if now else [])
    result = app.test_cli_runner().invoke(args=args)
    assert result.exit_code == 0, result.output
    return result.output


def outbox_rows(app, reference: str) -> list[dict]:
    from server.rights.tables import outbox, requests

    with app.extensions["consent_engine"].connect() as connection:
        return [dict(r) for r in connection.execute(
            sa.select(outbox).join(requests, requests.c.id == outbox.c.request_id)
            .where(requests.c.reference == reference).order_by(outbox.c.id)).mappings()]


def test_the_visitor_gets_the_reference_and_each_owner_is_told(make):
    with SmtpServer() as smtp:
        app = make(smtp.port)
        reference = file(app)
        # Written with the request, before any sending.
        assert [(r["purpose"], r["recipient"], r["sent_at"]) for r in outbox_rows(app, reference)] \
            == [("reference", "ama@example.tg", None), ("new", OWNERS[0], None),
                ("new", OWNERS[1], None)]
        assert "3 e-mail sent" in send(app)
    by_recipient = {m["To"]: m for m in smtp.received}
    assert sorted(by_recipient) == sorted(["ama@example.tg", *OWNERS])
    visitor = by_recipient["ama@example.tg"]
    assert visitor["From"] == SENDER and reference in visitor["Subject"]
    body = visitor.get_content()
    assert f"Your request's reference: {reference}" in body
    assert "Erasure of my data" in body
    owner = by_recipient[OWNERS[0]]
    assert reference in owner["Subject"] and "Erasure of my data" in owner["Subject"]
    # The owner's copy names no visitor: their address and message stay in the console.
    assert "ama@example.tg" not in owner.as_string() and "Bonjour" not in owner.get_content()
    assert all(r["sent_at"] is not None and r["attempts"] == 1
               for r in outbox_rows(app, reference))


def test_the_mail_is_in_the_language_the_request_was_filed_in(make):
    with SmtpServer() as smtp:
        app = make(smtp.port)
        reference = file(app, lang="fr", kind="access")
        send(app)
    assert len(smtp.received) == 3
    for received in smtp.received:
        assert reference in received["Subject"]
    visitor = next(m for m in smtp.received if m["To"] == "ama@example.tg")
    body = visitor.get_content()
    assert f"Référence de votre demande : {reference}" in body and "Accès à mes données" in body
    assert "Bonjour," in body


def test_a_relay_that_is_down_delays_the_mail_then_delivers_it_once(make):
    port = free_port()
    app = make(port)
    reference = file(app)
    first = send(app)  # nothing listens on the port
    assert "0 e-mail sent, 1 to retry later" in first
    rows = outbox_rows(app, reference)
    assert all(r["sent_at"] is None for r in rows)
    tried = next(r for r in rows if r["attempts"] == 1)
    assert tried["last_error"] == "ConnectionRefusedError" and tried["claimed_until"] is None
    with SmtpServer(port) as smtp:
        # The run stopped at the first failure: the two others go now, the first one once
        # its retry delay has passed.
        assert "2 e-mail sent, 0 to retry later" in send(app)
        assert "0 e-mail sent" in send(app)
        later = datetime.now(UTC) + timedelta(minutes=2)
        assert "1 e-mail sent" in send(app, later)
        assert "0 e-mail sent" in send(app, later + timedelta(hours=1))
    assert sorted(m["To"] for m in smtp.received) == sorted(["ama@example.tg", *OWNERS])
    assert len({m["Message-ID"] for m in smtp.received}) == 3
    assert all(r["sent_at"] is not None for r in outbox_rows(app, reference))


def test_a_recipient_refused_for_good_is_given_up_and_the_rest_goes(make):
    class Refusing:
        async def handle_RCPT(self, server, session, envelope, address, options):
            if address == "ama@example.tg":
                return "550 5.1.1 no such user here"
            envelope.rcpt_tos.append(address)
            return "250 OK"

    with SmtpServer() as smtp:
        smtp.inbox.handle_RCPT = Refusing().handle_RCPT
        app = make(smtp.port)
        reference = file(app)
        assert "2 e-mail sent, 0 to retry later, 1 given up" in send(app)
        assert "0 e-mail sent, 0 to retry later, 0 given up" in send(
            app, datetime.now(UTC) + timedelta(days=1))
    visitor = outbox_rows(app, reference)[0]
    assert visitor["sent_at"] is None and visitor["last_error"] == "SMTPRecipientsRefused 550"
    assert sorted(m["To"] for m in smtp.received) == sorted(OWNERS)


def test_owners_are_reminded_once_of_a_request_due_within_seven_days(make):
    with SmtpServer() as smtp:
        app = make(smtp.port)
        reference = file(app)
        send(app)
        smtp.received.clear()
        # 45 days to answer: 37 days on, 8 are left, no reminder; 39 days on, 6 are left.
        # (Earlier tests' requests share this database: only this one's e-mail is counted.)
        send(app, datetime.now(UTC) + timedelta(days=37))
        assert not [m for m in smtp.received if reference in m["Subject"]]
        later = datetime.now(UTC) + timedelta(days=39)
        send(app, later)
        send(app, later + timedelta(days=1))
    reminders = [m for m in smtp.received if reference in m["Subject"]]
    assert sorted(m["To"] for m in reminders) == sorted(OWNERS)
    assert all("is due by" in m["Subject"] for m in reminders)
    assert [r["purpose"] for r in outbox_rows(app, reference)].count("due") == 2


def test_an_answered_request_gets_no_reminder(make):
    with SmtpServer() as smtp:
        app = make(smtp.port)
        reference = file(app)
        owner = app.test_client()
        owner.post("/admin/login", data={"email": OWNERS[0], "password": PASSWORD,
                                         "csrf_token": token(owner, "/admin/login")})
        page = f"/admin/kppay/rights/{reference}"
        answered = owner.post(f"{page}/answer", data={"outcome": "done",
                                                      "csrf_token": token(owner, page)})
        assert answered.status_code == 303
        send(app, datetime.now(UTC) + timedelta(days=44))
    assert "due" not in [r["purpose"] for r in outbox_rows(app, reference)]
    assert not any(reference in m["Subject"] and "is due by" in m["Subject"]
                   for m in smtp.received)


def test_without_a_relay_the_mail_waits_and_the_command_says_why(make_app):
    app = make_app()
    result = app.test_cli_runner().invoke(args=["rights", "send-mail"])
    assert result.exit_code != 0 and "CONSENT_SMTP_URL is not set" in result.output


@pytest.mark.parametrize(("settings", "message"), [
    ({"CONSENT_SMTP_URL": "http://mail.example"}, "CONSENT_SMTP_URL: expected smtp://"),
    ({"CONSENT_SMTP_URL": "smtp://u:secret@mail.example"}, "CONSENT_MAIL_FROM: required"),
    ({"CONSENT_SMTP_URL": "smtp://mail.example", "CONSENT_MAIL_FROM": "nobody"},
     "CONSENT_MAIL_FROM='nobody': expected an e-mail address"),
])
def test_a_wrong_mail_setting_stops_the_start_with_one_line(make_app, settings, message):
    from server.config import ConfigError

    with pytest.raises(ConfigError) as raised:
        make_app(**settings)
    assert str(raised.value).startswith(message)
    assert "secret" not in str(raised.value)


def test_two_senders_at_once_send_each_message_once(make):
    """Two `send-mail` runs at the same moment (a cron overlap, two machines): each claims
    rows the other does not take (PostgreSQL: SKIP LOCKED; SQLite: one writer)."""
    import threading

    from server.rights import sender

    with SmtpServer() as smtp:
        app = make(smtp.port)
        references = [file(app) for _ in range(6)]
        engine = app.extensions["consent_engine"]
        outcomes, start = [], threading.Barrier(2)

        def run() -> None:
            start.wait()
            outcomes.append(sender.send_due(engine, smtp.url, SENDER))

        threads = [threading.Thread(target=run) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    assert sum(o.sent for o in outcomes) == 18 and not any(o.failed for o in outcomes)
    ids = [m["Message-ID"] for m in smtp.received]
    assert len(ids) == 18 and len(set(ids)) == 18
    assert all(sum(r in m["Subject"] for m in smtp.received) == 3 for r in references)


def test_the_health_page_says_when_mail_waits_too_long(make):
    from server.rights.tables import outbox

    app = make(free_port())
    owner = app.test_client()
    owner.post("/admin/login", data={"email": OWNERS[0], "password": PASSWORD,
                                     "csrf_token": token(owner, "/admin/login")})

    def status() -> str:
        page = owner.get("/admin/kppay/health", headers={"Accept-Language": "en"}).text
        return re.sub(r"<[^>]+>|\s+", " ", re.search(r'id="mail-status">(.*?)</dd>', page,
                                                     re.S).group(1)).strip()

    assert status() == "✓ nothing waiting"
    file(app)
    send(app)  # the relay is down
    assert status() == "3 e-mail being sent"
    with app.extensions["consent_engine"].begin() as connection:
        connection.execute(outbox.update().values(
            created_at=datetime.now(UTC) - timedelta(minutes=20)))
    assert status().startswith("✗ 3 e-mail waiting since") and "rights send-mail" in status()
