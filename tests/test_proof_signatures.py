"""Receipts anyone can verify (JWS, EdDSA, the published JWKS) and a Merkle log that shows
tampering (issue 13), on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from .conftest import postgres_schema
from .server_helpers import event, post, rows, write_rows

ROOT = Path(__file__).resolve().parent.parent


def readme_check() -> str:
    """The README's offline check, exactly as a regulator would paste it."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    found = re.search(r"<!-- receipt-check:[^>]*-->\n```sh\n(.*?)```", text, re.S)
    assert found, "README.md lost its receipt-check block"
    return found[1]


def check_offline(folder: Path, receipt: dict, jwks: dict) -> subprocess.CompletedProcess:
    """Run the README's command in a fresh process, in a folder holding only the two files,
    with a Python that has joserfc (this venv's; the command imports nothing of ours)."""
    (folder / "receipt.json").write_text(json.dumps(receipt), encoding="utf-8")
    (folder / "jwks.json").write_text(json.dumps(jwks), encoding="utf-8")
    env = {"PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin", "HOME": str(folder)}
    return subprocess.run(["bash", "-c", readme_check()], cwd=folder, env=env,
                          capture_output=True, text=True, timeout=60)


@pytest.fixture
def fresh(db_kind, dist_dir, tmp_path):
    """An app on a database of its own (these tests tamper with it)."""
    from server import create_app

    made = []

    def make(url: str):
        def app(**overrides):
            config = {"TESTING": True, "CONSENT_DIST_DIR": str(dist_dir),
                      "CONSENT_INSTANCE_PATH": str(tmp_path), "DATABASE_URL": url,
                      "CONSENT_AUTO_MIGRATE": True, **overrides}
            made.append(create_app(config))
            return made[-1]
        return app

    if db_kind == "sqlite":
        yield make(f"sqlite:///{tmp_path}/consents.sqlite3")
    else:
        with postgres_schema() as url:
            yield make(url)
    for app in made:
        app.extensions["consent_engine"].dispose()


def cli(app, *args):
    return app.test_cli_runner().invoke(args=["consents", *args])


def log_now(app):
    """The log job, run as if a few minutes later (the settle time of fresh consents)."""
    later = (datetime.now(UTC) + timedelta(minutes=5)).isoformat()
    result = cli(app, "log", "--now", later)
    assert result.exit_code == 0, result.output
    return result


def tamper(app, statement: str, **values) -> None:
    """What a database owner can do: drop the append-only guard, then write."""
    engine = app.extensions["consent_engine"]
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.exec_driver_sql("ALTER TABLE consent_events "
                                       "DISABLE TRIGGER consent_events_append_only")
        else:
            connection.exec_driver_sql("DROP TRIGGER consent_events_append_only")
        connection.execute(sa.text(statement), values)


def test_a_receipt_verifies_offline_with_only_the_published_jwks(fresh, tmp_path):
    app = fresh()
    client = app.test_client()
    answer = post(client, event(action="custom", choices={
        "essential": True, "performance": False, "functionality": True, "targeting": False,
        "social": False}))
    assert answer.status_code == 201
    receipt = answer.get_json()
    jwks = client.get("/.well-known/jwks.json")
    assert jwks.headers["Access-Control-Allow-Origin"] == "*"
    keys = jwks.get_json()["keys"]
    assert [(k["kty"], k["crv"], k["alg"]) for k in keys] == [("OKP", "Ed25519", "EdDSA")]
    assert all("d" not in k for k in keys)  # never the private part
    header = json.loads(_unb64(receipt["signature"].split(".")[0]))
    assert header == {"alg": "EdDSA", "kid": keys[0]["kid"]}

    checked = check_offline(tmp_path, receipt, jwks.get_json())
    assert checked.returncode == 0, checked.stderr
    from server.contract import statement
    stored = rows(app, event_id=receipt["event_id"])[0]
    assert json.loads(checked.stdout) == json.loads(json.dumps(statement(stored)))
    assert json.loads(checked.stdout)["choices"]["performance"] is False


def test_a_receipt_is_signed_with_the_bytes_openssl_makes(fresh):
    """Receipts are signed by libsodium (the POST's hot path): Ed25519 is deterministic, so
    the signature must be the one OpenSSL (through cryptography) makes with the same key."""
    app = fresh()
    client = app.test_client()
    keyring = app.extensions["consent_signing"]
    for body in (event(), event(action="refuse_all", choices=dict.fromkeys(
            ("essential", "performance", "functionality", "targeting", "social"), False)
            | {"essential": True}, page_url="https://www.kppay.tg/é/ü?q=1#x")):
        head, payload, signature = post(client, body).get_json()["signature"].split(".")
        made = keyring.active.sign(f"{head}.{payload}".encode("ascii"))
        assert _unb64(signature) == made


def _unb64(text: str) -> bytes:
    from server.signing import unb64url
    return unb64url(text)


@pytest.mark.parametrize("where", ["payload", "signature", "field"])
def test_a_changed_byte_in_the_receipt_fails(fresh, tmp_path, where):
    app = fresh()
    client = app.test_client()
    receipt = post(client, event()).get_json()
    head, body, signature = receipt["signature"].split(".")
    if where == "payload":
        # One byte of the signed event: "accept_all" becomes "accept_alm".
        text = _unb64(body).replace(b"accept_all", b"accept_alm")
        from server.signing import b64url
        receipt["signature"] = f"{head}.{b64url(text)}.{signature}"
    elif where == "signature":
        flipped = bytearray(_unb64(signature))
        flipped[10] ^= 1
        from server.signing import b64url
        receipt["signature"] = f"{head}.{body}.{b64url(bytes(flipped))}"
    else:
        # One byte of the receipt's own fields, the signature left as it is.
        receipt["event_id"] = receipt["event_id"][:-1] + ("0" if receipt["event_id"][-1] != "0"
                                                          else "1")
    checked = check_offline(tmp_path, receipt, client.get("/.well-known/jwks.json").get_json())
    assert checked.returncode != 0
    assert ("BadSignatureError" in checked.stderr if where != "field"
            else "event_id differs" in checked.stderr)


def test_after_a_key_rotation_old_and_new_receipts_verify(fresh, tmp_path):
    app = fresh()
    old = post(app.test_client(), event()).get_json()
    result = cli(app, "rotate-key")
    assert result.exit_code == 0 and "new signing key" in result.output
    restarted = fresh()  # the workers restart to sign with the new key
    client = restarted.test_client()
    new = post(client, event()).get_json()
    jwks = client.get("/.well-known/jwks.json").get_json()
    kids = [k["kid"] for k in jwks["keys"]]
    assert len(kids) == 2 and kids[0] == json.loads(_unb64(new["signature"].split(".")[0]))["kid"]
    assert old["signature"].split(".")[0] != new["signature"].split(".")[0]
    for receipt, folder in ((old, "old"), (new, "new")):
        (tmp_path / folder).mkdir()
        checked = check_offline(tmp_path / folder, receipt, jwks)
        assert checked.returncode == 0, checked.stderr
    # The retired private key is gone: only the new one can sign.
    folder = tmp_path / "signing-keys"
    assert [p.name for p in folder.glob("*.pem")] == ["active.pem"]
    assert os.stat(folder / "active.pem").st_mode & 0o777 == 0o600
    # And the server's own check of both, with the published keys only.
    (tmp_path / "jwks.json").write_text(json.dumps(jwks))
    log_now(restarted)
    result = cli(restarted, "verify", "--site", "kppay", "--jwks", str(tmp_path / "jwks.json"))
    assert result.exit_code == 0, result.output + result.stderr
    assert "2 receipt signatures checked" in result.output


def test_an_untouched_log_verifies_and_an_edited_event_is_named(fresh):
    app = fresh()
    client = app.test_client()
    ids = [post(client, event()).get_json()["event_id"] for _ in range(5)]
    assert "5 events appended" in log_now(app).output
    result = cli(app, "verify", "--site", "kppay")
    assert result.exit_code == 0, result.output + result.stderr
    assert "5 events in the log, 1 signed heads" in result.output
    assert "the log verifies" in result.output

    tamper(app, "UPDATE consent_events SET choices = :choices WHERE event_id = :id",
           choices=json.dumps({"essential": True, "performance": True, "functionality": True,
                               "targeting": True, "social": False}), id=ids[2])
    result = cli(app, "verify", "--site", "kppay")
    assert result.exit_code == 1
    first = result.stderr.splitlines()[0]
    assert f"event {ids[2]}" in first and "differs" in first
    # Without the receipts' own signatures, the Merkle log alone names it too.
    result = cli(app, "verify", "--site", "kppay", "--no-signatures")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == (
        f"FAILED: event {ids[2]} (log position 2) differs from the event that was logged")


def test_a_deleted_event_is_named(fresh):
    app = fresh()
    client = app.test_client()
    ids = [post(client, event()).get_json()["event_id"] for _ in range(4)]
    log_now(app)
    with app.extensions["consent_engine"].begin() as connection:
        connection.execute(sa.text("DELETE FROM consent_events WHERE event_id = :id"),
                           {"id": ids[1]})
    result = cli(app, "verify", "--site", "kppay")
    assert result.exit_code == 1
    assert re.match(rf"FAILED: event {ids[1]} \(log position 1, server time [^)]+\) is missing: "
                    "deleted, not purged nor erased", result.stderr), result.stderr


def test_an_event_slipped_in_after_logging_is_named(fresh):
    app = fresh()
    client = app.test_client()
    for _ in range(2):
        post(client, event())
    log_now(app)
    forged = rows(app)[0] | {"event_id": "f" * 32, "consent_id": "e" * 32}
    forged.pop("id")
    forged["server_time"] -= timedelta(minutes=10)
    write_rows(app.extensions["consent_engine"], [forged])
    result = cli(app, "verify", "--site", "kppay")
    assert result.exit_code == 1
    # Its copied signature signs another event; and the log never had it.
    assert f"event {'f' * 32} differs from what its receipt signed" in result.stderr
    assert f"event {'f' * 32} (server time" in result.stderr
    assert "is not in the log" in result.stderr


def test_erased_and_purged_events_stay_provable(fresh):
    app = fresh(CONSENT_RETENTION="1y")
    client = app.test_client()
    engine = app.extensions["consent_engine"]
    # An event of two years ago, as the POST would have stored it then.
    from server import ledger
    old = rows(app, event_id=post(client, event()).get_json()["event_id"])[0]
    old = {k: v for k, v in old.items() if k != "id"} | {
        "event_id": "a" * 32, "consent_id": "b" * 32,
        "server_time": datetime.now(UTC) - timedelta(days=730)}
    old["signature"] = app.extensions["consent_signing"].sign(ledger.payload(old))
    write_rows(engine, [old])
    with engine.begin() as connection:
        connection.execute(sa.text("INSERT INTO consent_event_ids (event_id) VALUES (:id)"),
                           {"id": old["event_id"]})
    gone = event()
    post(client, gone)
    post(client, event())
    log_now(app)
    assert client.delete(f"/api/v1/consents/{gone['consent_id']}").status_code == 200
    purged = cli(app, "purge")
    # SQLite deletes the row; PostgreSQL drops its whole month.
    assert purged.exit_code == 0 and "purged 1 events in total" in purged.output
    result = cli(app, "verify", "--site", "kppay")
    assert result.exit_code == 0, result.output + result.stderr
    assert "4 events in the log" in result.output
    assert "1 purged (older than 1 year), 1 erased at the visitor's request" in result.output


def test_the_log_tables_are_append_only(fresh):
    app = fresh()
    post(app.test_client(), event())
    log_now(app)
    engine = app.extensions["consent_engine"]
    for statement in ("UPDATE consent_log_leaves SET leaf_hash = 'x'",
                      "DELETE FROM consent_log_leaves", "UPDATE consent_log_heads SET head = 'x'",
                      "DELETE FROM consent_log_heads"):
        with pytest.raises(sa.exc.DBAPIError, match="append-only"), engine.begin() as c:
            c.execute(sa.text(statement))


def test_a_rewritten_log_fails_against_a_head_the_auditor_kept(fresh, tmp_path):
    """The database owner rewrites an event and its leaf and signs nothing new (the old head
    goes with the rewrite): the head an auditor kept still catches it."""
    app = fresh()
    client = app.test_client()
    ids = [post(client, event()).get_json()["event_id"] for _ in range(3)]
    log_now(app)
    from server import ledger

    keys = app.extensions["consent_keys"]
    receipt = ledger.receipt_of(rows(app, event_id=ids[0])[0], app.extensions["consent_signing"],
                                app.extensions["consent_engine"], keys["erased"])
    assert receipt["verified"] and receipt["inclusion"]["tree_size"] == 3
    kept = tmp_path / "head.jws"
    kept.write_text(receipt["inclusion"]["signed_head"])
    engine = app.extensions["consent_engine"]
    edited = rows(app, event_id=ids[1])[0]
    edited["choices"] = {**edited["choices"], "targeting": False}
    with engine.begin() as connection:
        for table in ("consent_log_leaves", "consent_log_heads"):
            if engine.dialect.name == "postgresql":
                connection.exec_driver_sql(f"ALTER TABLE {table} DISABLE TRIGGER USER")
            else:
                connection.exec_driver_sql(f"DROP TRIGGER {table}_no_update")
                connection.exec_driver_sql(f"DROP TRIGGER {table}_no_delete")
        connection.exec_driver_sql("DELETE FROM consent_log_heads")
        connection.exec_driver_sql("DELETE FROM consent_log_leaves")
    tamper(app, "UPDATE consent_events SET choices = :choices WHERE event_id = :id",
           choices=json.dumps(edited["choices"]), id=ids[1])
    log_now(app)  # the rewritten log, with a fresh head of its own
    result = cli(app, "verify", "--site", "kppay", "--no-signatures")
    assert result.exit_code == 0, result.stderr  # consistent with itself...
    result = cli(app, "verify", "--site", "kppay", "--no-signatures", "--head", str(kept))
    assert result.exit_code == 1  # ...but not with what was signed before
    assert "for 3 events does not match the log's leaves" in result.stderr


def test_an_inclusion_proof_leads_to_the_signed_head(fresh):
    from server import ledger, merkle
    from server.signing import from_jwks

    app = fresh()
    client = app.test_client()
    ids = [post(client, event()).get_json()["event_id"] for _ in range(7)]
    log_now(app)
    published = from_jwks(client.get("/.well-known/jwks.json").get_json())
    for event_id in ids:
        row = rows(app, event_id=event_id)[0]
        proof = ledger.receipt_of(row, published, app.extensions["consent_engine"],
                                  app.extensions["consent_keys"]["erased"])["inclusion"]
        _, body = published.verify(proof["signed_head"])
        head = json.loads(body)
        leaf = merkle.leaf_hash(ledger.payload(row))
        assert leaf.hex() == proof["leaf_hash"]
        root = merkle.root_from_proof(proof["log_index"], proof["tree_size"], leaf,
                                      [bytes.fromhex(h) for h in proof["audit_path"]])
        assert root.hex() == head["root_hash"] and head["tree_size"] == 7
    # A receipt whose event was edited no longer verifies.
    row = rows(app, event_id=ids[0])[0] | {"gpc": True}
    answer = ledger.receipt_of(row, published)
    assert not answer["verified"]
    assert answer["problem"] == "the record differs from what its receipt signed"


def test_the_log_job_appends_only_what_is_new_and_settled(fresh):
    app = fresh()
    client = app.test_client()
    post(client, event())
    # Younger than the settle time: left to the next run.
    result = cli(app, "log")
    assert "0 events appended, tree size 0" in result.output
    log_now(app)
    post(client, event())
    assert "1 events appended, tree size 2, head signed" in log_now(app).output
    assert "0 events appended, tree size 2" in log_now(app).output


def test_null_fields_are_left_out_of_what_is_signed(fresh):
    """A field added later (nullable) must not change what older events were signed as; and
    an unsigned event of before the signatures is logged and verified all the same."""
    from server import ledger

    app = fresh()
    stored = rows(app, event_id=post(app.test_client(), event()).get_json()["event_id"])[0]
    older = {k: v for k, v in stored.items() if k != "id"} | {
        "event_id": "c" * 32, "client_time": None, "signature": None,
        "server_time": stored["server_time"] - timedelta(minutes=1)}
    write_rows(app.extensions["consent_engine"], [older])
    assert b"client_time" not in ledger.payload(older)
    assert ledger.payload(older | {"release": None}) == ledger.payload(older)
    answer = ledger.receipt_of(rows(app, event_id="c" * 32)[0],
                               app.extensions["consent_signing"])
    assert (answer["verified"], answer["problem"]) == (
        False, "recorded before receipts were signed")
    log_now(app)
    result = cli(app, "verify", "--site", "kppay")
    assert result.exit_code == 0, result.output
    assert "2 events in the log" in result.output and "1 receipt signatures" in result.output


def test_a_site_without_events_is_not_said_to_verify(fresh):
    app = fresh()
    post(app.test_client(), event())
    result = cli(app, "verify", "--site", "kppay-typo")
    assert result.exit_code == 1
    assert "site kppay-typo has no events and no log" in result.output


def test_an_event_that_committed_late_is_logged_after_newer_ones_and_verifies(fresh):
    """A batch may commit after a later one (its server time was set before): the next run
    looks back one settle time and appends it, out of time order, and verify agrees."""
    from server import ledger

    app = fresh()
    client = app.test_client()
    for _ in range(3):
        post(client, event())
    log_now(app)
    newest = rows(app)[-1]
    late = {k: v for k, v in newest.items() if k != "id"} | {
        "event_id": "d" * 32, "consent_id": "e" * 32,
        "server_time": newest["server_time"] - ledger.SETTLE / 2}
    late["signature"] = app.extensions["consent_signing"].sign(ledger.payload(late))
    write_rows(app.extensions["consent_engine"], [late])
    assert "1 events appended, tree size 4" in log_now(app).output
    result = cli(app, "verify", "--site", "kppay")
    assert result.exit_code == 0, result.output
    assert "4 events in the log, 2 signed heads" in result.output


def test_the_readme_check_reads_a_record_of_a_rights_answer_and_a_signed_head(fresh, tmp_path):
    app = fresh()
    client = app.test_client()
    body = event()
    post(client, body)
    jwks = client.get("/.well-known/jwks.json").get_json()
    (record,) = client.get(f"/api/v1/consents/{body['consent_id']}").get_json()["events"]
    (tmp_path / "record").mkdir()
    checked = check_offline(tmp_path / "record", record, jwks)
    assert checked.returncode == 0, checked.stderr
    log_now(app)
    with app.extensions["consent_engine"].connect() as connection:
        head = connection.execute(sa.text("SELECT head FROM consent_log_heads")).scalar_one()
    (tmp_path / "head").mkdir()
    checked = check_offline(tmp_path / "head", {"signature": head}, jwks)
    assert checked.returncode == 0, checked.stderr
    assert json.loads(checked.stdout)["tree_size"] == 1
