"""Signed webhooks from the outbox, on both databases, against a real receiver on 127.0.0.1."""

from __future__ import annotations

import re
import threading
import time
import uuid
from collections import defaultdict
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from standardwebhooks import Webhook

from server.webhooks import delivery, endpoints, signing, vault
from server.webhooks.tables import attempts, messages
from server.webhooks.tables import endpoints as endpoint_table

from .server_helpers import event, post
from .webhook_receiver import Receiver

FAST = {"CONSENT_WEBHOOK_LOCAL": True, "CONSENT_WEBHOOK_BACKOFF": 0.05,
        "CONSENT_WEBHOOK_BACKOFF_MAX": 0.2, "CONSENT_WEBHOOK_TIMEOUT": 2,
        "CONSENT_WEBHOOK_SETTLE": 0}


@pytest.fixture
def make(make_app):
    """Apps on the module's database; every webhook row is gone after each test."""
    made = []

    def build(**overrides):
        made.append(make_app(**{**FAST, **overrides}))
        return made[-1]

    yield build
    if made:
        with made[0].extensions["consent_engine"].begin() as connection:
            for table in (attempts, messages, endpoint_table):
                connection.execute(table.delete())


@pytest.fixture
def receiver():
    found = Receiver()
    yield found
    if found.server is not None:
        found.server.shutdown()
        found.server.server_close()


def register(app, receiver: Receiver, site: str = "kppay") -> int:
    """Through the CLI, as an operator would; the receiver gets the secret printed once."""
    result = app.test_cli_runner().invoke(args=["webhooks", "add", "--site", site,
                                                receiver.url])
    assert result.exit_code == 0, result.output
    receiver.secret = re.search(r"(whsec_\S+)", result.output).group(1)
    return int(re.search(r"endpoint (\d+)", result.output).group(1))


def deliver_until(app, done, seconds: float = 20.0) -> None:
    engine = app.extensions["consent_engine"]
    policy = delivery.Policy.of(app.config)
    key = app.extensions["consent_keys"]["webhook"]
    deadline = time.monotonic() + seconds
    while not done():
        assert time.monotonic() < deadline, "not delivered in time"
        if not delivery.deliver_once(engine, key, policy):
            time.sleep(0.02)


def queued(app) -> list[dict]:
    with app.extensions["consent_engine"].connect() as connection:
        return [dict(r) for r in connection.execute(
            sa.select(messages).order_by(messages.c.id)).mappings()]


def tried(app) -> list[dict]:
    with app.extensions["consent_engine"].connect() as connection:
        return [dict(r) for r in connection.execute(
            sa.select(attempts).order_by(attempts.c.id)).mappings()]


def test_the_signature_is_the_specs_example():
    """The Standard Webhooks specification's own example, through our signing."""
    headers = signing.headers("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
                              "msg_p5jXN8AQM9LWM0D4loKWxJek",
                              datetime.fromtimestamp(1614265330, UTC), '{"test": 2432232314}', 1)
    assert headers["webhook-signature"] == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
    assert headers["webhook-timestamp"] == "1614265330"


def test_receiver_down_then_up_every_event_arrives_signed_once_in_order(make, receiver):
    app = make()
    register(app, receiver)
    receiver.down()
    client = app.test_client()
    visitors = [event()["consent_id"] for _ in range(3)]
    sent: dict[str, list[str]] = defaultdict(list)
    for step in range(4):
        for consent_id in visitors:
            action = "withdraw" if step == 3 else "accept_all"
            body = event(consent_id=consent_id, action=action, **(
                {"choices": {"essential": True, "performance": False, "functionality": False,
                             "targeting": False, "social": False}} if action == "withdraw"
                else {}))
            assert post(client, body).status_code == 201
            sent[consent_id].append(body["event_id"])
    assert len(queued(app)) == 12

    # Down: each consent id's first message is tried and waits; the others wait behind it.
    deliver_until(app, lambda: len(tried(app)) >= 6)
    assert receiver.received == []
    refused = tried(app)
    assert {a["status_code"] for a in refused} == {None}
    assert all("ConnectionRefusedError" in a["detail"] for a in refused)
    first_ids = {sent[c][0] for c in visitors}
    tried_ids = {m["event_id"] for m in queued(app) if m["attempts"]}
    assert tried_ids == first_ids

    receiver.up()
    deliver_until(app, lambda: all(m["state"] == "delivered" for m in queued(app)))
    assert all(r.verified for r in receiver.received)
    got = defaultdict(list)
    marks = defaultdict(list)
    for received in receiver.received:
        got[received.payload["data"]["consent_id"]].append(received.payload["data"]["event_id"])
        marks[received.webhook_id].append(received.attempt)
    # Each event once, in order per consent id; a copy of a webhook-id only as a marked retry.
    assert {c: list(dict.fromkeys(ids)) for c, ids in got.items()} == sent
    assert all(len(set(numbers)) == len(numbers) for numbers in marks.values())
    assert set(marks) == {f"msg_{i}" for ids in sent.values() for i in ids}
    withdrawals = [r.payload for r in receiver.received if r.payload["data"]["action"] ==
                   "withdraw"]
    assert {p["type"] for p in withdrawals} == {"consent.withdrawn"}
    assert "ip_pseudonym" not in withdrawals[0]["data"]
    assert "user_agent" not in withdrawals[0]["data"]
    assert sum(a["delivered"] for a in tried(app)) == 12


def test_a_replayed_event_queues_nothing_more(make, receiver):
    app = make()
    register(app, receiver)
    client = app.test_client()
    body = event()
    assert post(client, body).status_code == 201
    assert post(client, body).status_code in (200, 201)
    assert [m["event_id"] for m in queued(app)] == [body["event_id"]]


def test_a_site_without_endpoint_queues_nothing(make):
    app = make()
    client = app.test_client()
    for _ in range(3):
        assert post(client, event()).status_code == 201
    assert queued(app) == []


def test_each_endpoint_gets_each_event(make, receiver):
    app = make()
    other = Receiver()
    try:
        register(app, receiver)
        register(app, other)
        body = event()
        assert post(app.test_client(), body).status_code == 201
        deliver_until(app, lambda: len(receiver.received) == 1 and len(other.received) == 1)
        assert receiver.received[0].verified and other.received[0].verified
        assert receiver.received[0].webhook_id == other.received[0].webhook_id
    finally:
        other.down()


def test_a_message_given_up_after_the_deadline_lets_the_next_one_go(make, receiver):
    app = make(CONSENT_WEBHOOK_GIVE_UP=1)
    register(app, receiver)
    receiver.status = 500
    client = app.test_client()
    first, second = event(), event()
    second["consent_id"] = first["consent_id"]
    assert post(client, first).status_code == 201
    assert post(client, second).status_code == 201
    deliver_until(app, lambda: queued(app)[0]["state"] == "failed")
    assert queued(app)[1]["attempts"] == 0
    assert {r.payload["data"]["event_id"] for r in receiver.received} == {first["event_id"]}
    receiver.status = 204
    deliver_until(app, lambda: queued(app)[1]["state"] == "delivered")
    failed = [a for a in tried(app) if a["message_id"] == queued(app)[0]["id"]]
    assert len(failed) >= 2 and {a["status_code"] for a in failed} == {500}
    assert [a["number"] for a in failed] == list(range(1, len(failed) + 1))


def test_two_deliverers_never_send_a_message_twice(make, receiver):
    app = make()
    register(app, receiver)
    client = app.test_client()
    visitors = [event()["consent_id"] for _ in range(10)]
    for _ in range(3):
        for consent_id in visitors:
            assert post(client, event(consent_id=consent_id)).status_code == 201

    def run():
        deliver_until(app, lambda: all(m["state"] == "delivered" for m in queued(app)))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    ids = [r.webhook_id for r in receiver.received]
    assert len(ids) == len(set(ids)) == 30
    assert {r.attempt for r in receiver.received} == {1}


def test_the_secret_is_kept_sealed_and_opens_only_with_the_servers_key(make, receiver):
    app = make()
    register(app, receiver)
    with app.extensions["consent_engine"].connect() as connection:
        row = connection.execute(sa.select(endpoint_table)).mappings().one()
    raw = receiver.secret.removeprefix("whsec_")
    assert raw not in row["secret_sealed"] and receiver.secret not in row["secret_sealed"]
    key = app.extensions["consent_keys"]["webhook"]
    assert vault.unseal(row["secret_sealed"], key, row["site"], row["url"]) == receiver.secret
    with pytest.raises(vault.Unreadable):
        vault.unseal(row["secret_sealed"], bytes(32), row["site"], row["url"])
    with pytest.raises(vault.Unreadable):  # moved to another endpoint's row
        vault.unseal(row["secret_sealed"], key, row["site"], "https://elsewhere.example/")
    # The library reads the secret as the partner gets it.
    Webhook(receiver.secret)


def test_a_changed_server_secret_is_an_attempt_that_says_so(make, receiver):
    app = make(CONSENT_SECRET="11" * 32)
    register(app, receiver)
    assert post(app.test_client(), event()).status_code == 201
    other = make(CONSENT_SECRET="22" * 32)
    deliver_until(other, lambda: len(tried(other)) == 1)
    assert "CONSENT_SECRET changed" in tried(other)[0]["detail"]
    assert receiver.received == []


@pytest.mark.parametrize(("url", "local", "problem"), [
    ("http://hooks.example.com/in", True, "https"),
    ("http://127.0.0.1:8000/in", False, "https"),
    ("ftp://hooks.example.com/in", True, "url"),
    ("https://user:pw@hooks.example.com/in", False, "url"),
    ("https:///in", False, "url"),
    ("https://hooks.example.com:99999/in", False, "url"),
    ("https://hooks.example.com/in#x", False, "url"),
    ("https://hooks.example.com/a b", False, "url"),
])
def test_endpoint_urls_must_be_https(url, local, problem):
    with pytest.raises(endpoints.Refused) as refused:
        endpoints.check_url(url, local)
    assert refused.value.problem == problem


def test_https_and_local_http_in_development_are_accepted():
    assert endpoints.check_url(" https://hooks.example.com/in?x=1 ", False) == (
        "https://hooks.example.com/in?x=1")
    assert endpoints.check_url("http://localhost:9000/in", True) == "http://localhost:9000/in"


def test_the_cli_lists_and_removes_endpoints(make, receiver):
    app = make()
    runner = app.test_cli_runner()
    refused = runner.invoke(args=["webhooks", "add", "--site", "kppay", "http://x.example/"])
    assert refused.exit_code == 2 and "https" in refused.output
    unknown = runner.invoke(args=["webhooks", "add", "--site", "nosuch", receiver.url])
    assert unknown.exit_code == 2 and "no built site 'nosuch'" in unknown.output
    endpoint_id = register(app, receiver)
    assert post(app.test_client(), event()).status_code == 201
    listed = runner.invoke(args=["webhooks", "list"]).output
    assert f"{endpoint_id}\tkppay\t{receiver.url}\tpending 1\tfailed 0" in listed
    assert receiver.secret not in listed
    assert runner.invoke(args=["webhooks", "remove", str(endpoint_id)]).exit_code == 0
    assert queued(app) == []
    assert runner.invoke(args=["webhooks", "remove", str(endpoint_id)]).exit_code == 1
    # This process's writer knows at once: nothing more is queued.
    assert post(app.test_client(), event()).status_code == 201
    assert queued(app) == []


def test_deliver_once_from_the_cli(make, receiver):
    app = make()
    register(app, receiver)
    assert post(app.test_client(), event()).status_code == 201
    result = app.test_cli_runner().invoke(args=["webhooks", "deliver", "--once"])
    assert result.exit_code == 0, result.output
    assert "1 delivered" in result.output
    assert len(receiver.received) == 1 and receiver.received[0].verified


def test_the_readmes_recipe_verifies_a_message_of_ours():
    """The partner's code as the README shows it, run against our signing."""
    from server.contract import iso
    from server.webhooks import outbox

    from .conftest import ROOT

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    recipe = readme.split("**The partner's recipe**", 1)[1]
    code = re.search(r"```python\n(.*?)```", recipe, re.S).group(1)
    secret = vault.new_secret()
    done, stopped = set(), []
    scope = {"__name__": __name__, "already_done": lambda i: i in done or done.add(i),
             "stop_using": stopped.append}
    exec(code.replace('"whsec_..."', repr(secret)), scope)  # noqa: S102 - the README's own code
    row = {**event(action="withdraw"), "server_time": datetime.now(UTC), "client_time": None,
           "receipt": "0" * 64}
    body = outbox.payload(row)
    headers = signing.headers(secret, outbox.message_id(row["event_id"]), datetime.now(UTC),
                              body, 1)
    client = scope["app"].test_client()
    assert client.post("/hooks/consents", data=body, headers=headers).status_code == 204
    assert stopped == [row["consent_id"]]
    assert client.post("/hooks/consents", data=body, headers=headers).status_code == 204
    assert stopped == [row["consent_id"]]  # the retry is recognised
    forged = {**headers, "webhook-signature": signing.headers(
        vault.new_secret(), headers["webhook-id"], datetime.now(UTC), body, 1)[
            "webhook-signature"]}
    assert client.post("/hooks/consents", data=body, headers=forged).status_code == 401
    assert iso(row["server_time"]) in body


def test_an_erased_consent_takes_its_queued_messages_with_it(make, receiver):
    app = make()
    register(app, receiver)
    client = app.test_client()
    kept, erased = event(), event()
    for body in (kept, erased):
        assert post(client, body).status_code == 201
    deliver_until(app, lambda: len(receiver.received) == 2)
    assert post(client, event(consent_id=erased["consent_id"])).status_code == 201
    assert client.delete(f"/api/v1/consents/{erased['consent_id']}").status_code == 200
    assert [m["event_id"] for m in queued(app)] == [kept["event_id"]]
    assert {a["message_id"] for a in tried(app)} == {queued(app)[0]["id"]}


@pytest.mark.parametrize("days", [2, 70])
def test_purged_events_take_their_messages_with_them(make, receiver, days, db_kind):
    """Purged row by row (2 days on), or, on PostgreSQL, with their whole month's partition
    (70 days on)."""
    app = make(CONSENT_RETENTION="1d")
    register(app, receiver)
    assert post(app.test_client(), event()).status_code == 201
    runner = app.test_cli_runner()
    now = datetime.now(UTC).isoformat()
    assert runner.invoke(args=["consents", "purge", "--now", now]).exit_code == 0
    assert len(queued(app)) == 1
    deliver_until(app, lambda: len(tried(app)) == 1)
    future = (datetime.now(UTC) + timedelta(days=days)).isoformat()
    result = runner.invoke(args=["consents", "purge", "--now", future])
    assert result.exit_code == 0, result.output
    assert ("dropped the month" in result.output) == (db_kind == "postgresql" and days == 70)
    assert queued(app) == [] and tried(app) == []


def test_a_message_waits_for_an_earlier_one_of_its_consent_still_being_committed(
        dist_dir, tmp_path, receiver):
    """Two workers write two events of one visitor at once: the one with the lower id may
    commit last. Its later sibling is not sent while it is invisible (PostgreSQL: SQLite's one
    writer commits in id order)."""
    from server import create_app

    from .conftest import postgres_schema

    with postgres_schema() as url:
        app = create_app({"TESTING": True, "CONSENT_DIST_DIR": str(dist_dir),
                          "CONSENT_INSTANCE_PATH": str(tmp_path), "DATABASE_URL": url,
                          "CONSENT_AUTO_MIGRATE": True, **FAST, "CONSENT_WEBHOOK_SETTLE": 1.0})
        engine, key = app.extensions["consent_engine"], app.extensions["consent_keys"]["webhook"]
        endpoint = register(app, receiver)
        created, consent_id = datetime.now(UTC), uuid.uuid4().hex

        def message(event_id: str) -> dict:
            return {"endpoint_id": endpoint, "consent_id": consent_id, "event_id": event_id,
                    "payload": "{}", "created_at": created, "next_at": created}

        first = engine.connect()
        try:
            still_open = first.begin()
            first.execute(messages.insert(), message("a" * 32))  # the lower id, not committed
            with engine.begin() as connection:
                connection.execute(messages.insert(), message("b" * 32))
            # Without the wait, "b" would go now, before "a".
            assert delivery.claim(engine, key, created + timedelta(seconds=0.5), 10, 5,
                                  settle=1.0) == []
            still_open.commit()
            claimed = delivery.claim(engine, key, created + timedelta(seconds=1.5), 10, 5,
                                     settle=1.0)
            assert [c.event_id for c in claimed] == ["a" * 32]  # "b" waits for it
        finally:
            first.close()  # an open transaction would hold the schema's drop forever
            engine.dispose()
