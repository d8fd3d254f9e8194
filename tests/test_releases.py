"""Releases and the proof document, on SQLite and PostgreSQL: each event names the release its
visitor was shown, the server keeps every release (texts and screenshots) an event names, and
the proof document of a consent id shows the texts in the visitor's language."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import shutil
import struct
import uuid
import zlib
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from .server_helpers import event, post, rows
from .test_console import EMAIL, PASSWORD, login

FRENCH_BODY = "Nous utilisons des cookies pour mémoriser vos préférences"
ENGLISH_BODY = "We use cookies to remember your preferences"


def release_of(dist) -> str:
    return json.loads((dist / "kppay" / "manifest.json").read_text())["release"]


def png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A real PNG of one colour (what the screenshots of build.py release are: PNG files)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data)))

    raw = b"".join(b"\0" + bytes(rgb) * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2,
                                                              0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def proof_of(app, consent_id: str, *args: str) -> tuple[int, str]:
    result = app.test_cli_runner().invoke(args=["consents", "proof", consent_id, *args])
    return result.exit_code, result.output


# --- The release id in every event --------------------------------------------------------

def test_an_event_records_the_release_id_the_widget_sent(make_app, dist_dir):
    from server.contract import receipt

    app = make_app()
    rid = release_of(dist_dir)
    body = event(release=rid)
    answer = post(app.test_client(), body)
    assert answer.status_code == 201, answer.json
    [row] = rows(app, event_id=body["event_id"])
    assert row["release"] == rid
    # The receipt covers the release: the same row naming no release would not match it.
    key = app.extensions["consent_keys"]["receipt"]
    assert receipt(row, key) == row["receipt"] != receipt({**row, "release": None}, key)
    shown = app.test_client().get(f"/api/v1/consents/{body['consent_id']}").json["events"]
    assert shown[0]["release"] == rid
    # The same event sent again naming no release is not the same event.
    again = post(app.test_client(), {k: v for k, v in body.items() if k != "release"})
    assert again.status_code == 409 and again.json["field"] == "event_id"


def test_an_event_without_a_release_stays_valid_and_keeps_its_receipt(make_app):
    """Widgets built before releases (a cached bundle, a queued event) send none."""
    from server.contract import receipt
    from server.proof.attest import receipt_matches

    app = make_app()
    body = event()
    assert "release" not in body
    assert post(app.test_client(), body).status_code == 201
    [row] = rows(app, event_id=body["event_id"])
    key = app.extensions["consent_keys"]["receipt"]
    with app.app_context():  # its signature is checked with the server's keys
        assert row["release"] is None and receipt_matches(row, key)
    # A row stored before the column existed hashes as it did then.
    before = {name: value for name, value in row.items() if name != "release"}
    assert receipt(before, key) == row["receipt"]


@pytest.mark.parametrize(("release", "message"), [
    ("0" * 64, "unknown release: the server keeps no release of this id"),
    ("A" * 64, "invalid value"),
    ("abc", "invalid value"),
    (None, "invalid value"),
    (64, "invalid value"),
])
def test_a_release_the_server_does_not_keep_is_refused(make_app, release, message):
    app = make_app()
    body = event(release=release)
    answer = post(app.test_client(), body)
    assert answer.status_code == 400
    assert answer.json["field"] == "release" and answer.json["error"].startswith(message)
    assert rows(app, event_id=body["event_id"]) == []


def test_a_release_of_another_site_or_revision_is_refused(make_app, dist_dir, tmp_path):
    copy = tmp_path / "dist"
    shutil.copytree(dist_dir / "kppay", copy / "kppay")
    shutil.copytree(dist_dir / "kppay", copy / "boutique")
    manifest = json.loads((copy / "boutique" / "manifest.json").read_text())
    manifest.update(site="boutique", name="Boutique", revision=2)
    (copy / "boutique" / "manifest.json").write_text(json.dumps(manifest))
    app = make_app(CONSENT_DIST_DIR=str(copy))
    rid = release_of(dist_dir)
    other = post(app.test_client(), event(site="boutique", release=rid))
    assert other.status_code == 400
    assert other.json == {"error": "release of another site (kppay)", "field": "release"}
    assert post(app.test_client(), event(site="boutique", release=None)).status_code == 400
    # KPpay's release shows revision 1: an event of revision 2 cannot have been shown it.
    later = post(app.test_client(), event(site="boutique", revision=2))
    assert later.status_code == 201


# --- Releases kept, with their texts and screenshots --------------------------------------

def test_the_built_release_is_kept_at_start_with_every_text_in_each_language(make_app,
                                                                                dist_dir):
    from release_ids import release_id
    from server.proof import releases

    app = make_app()
    rid = release_of(dist_dir)
    kept = releases.load(app.extensions["consent_engine"], rid)
    written = (dist_dir / "kppay" / "release.json").read_text(encoding="utf-8")
    assert kept.text == written  # byte for byte, so that its id can be recomputed
    assert release_id(kept.content) == rid == kept.id
    assert kept.site == "kppay" and kept.revision == 1
    content = kept.content
    assert content["policy"] == {"url": "/politique-cookies", "revision": 1}
    assert set(content["texts"]) == {"fr", "en"}
    for lang, body in (("fr", FRENCH_BODY), ("en", ENGLISH_BODY)):
        layer = [t["text"] for t in content["texts"][lang]["interface"] if "layer" in t["in"]]
        assert any(text.startswith(body) for text in layer)
        categories = content["texts"][lang]["categories"]
        assert [c["id"] for c in categories] == content["manifest"]["categories"]
        assert all(item["purpose"] and item["duration"] for c in categories
                   for item in c["items"])
    assert content["texts"]["fr"]["categories"][1]["title"] != \
        content["texts"]["en"]["categories"][1]["title"]


def test_screenshots_filed_with_a_release_are_kept_and_shown_for_its_events(make_app,
                                                                              dist_dir,
                                                                              tmp_path):
    from server.proof import releases

    copy = tmp_path / "dist"
    shutil.copytree(dist_dir / "kppay", copy / "kppay")
    rid = release_of(dist_dir)
    shots = {"fr-first-desktop.png": png(40, 20, (200, 10, 10)),
             "en-preferences-phone.png": png(10, 30, (10, 10, 200))}
    folder = copy / "kppay" / "screenshots" / rid
    folder.mkdir(parents=True)
    for name, data in shots.items():
        (folder / name).write_bytes(data)
    app = make_app(CONSENT_DIST_DIR=str(copy))  # registers them at start
    engine = app.extensions["consent_engine"]
    kept = {(s["language"], s["layer"], s["device"]): s for s in releases.shots_of(engine, rid)}
    assert kept[("fr", "first", "desktop")]["png"] == shots["fr-first-desktop.png"]
    assert kept[("en", "preferences", "phone")]["sha256"] == hashlib.sha256(
        shots["en-preferences-phone.png"]).hexdigest()
    again = app.test_cli_runner().invoke(args=["releases", "register", "--dist", str(copy)])
    assert again.exit_code == 0
    assert again.output == f"kppay: release {rid} already kept, 0 screenshot(s) added\n"
    body = event(release=rid, language="fr")
    assert post(app.test_client(), body).status_code == 201
    code, html = proof_of(app, body["consent_id"])
    assert code == 0
    assert base64.b64encode(shots["fr-first-desktop.png"]).decode() in html
    # The visitor read French: the English screenshot is not theirs.
    assert base64.b64encode(shots["en-preferences-phone.png"]).decode() not in html


def test_the_database_keeps_every_release_an_event_names(make_app, dist_dir):
    from server.proof.tables import releases as table

    app = make_app()
    engine = app.extensions["consent_engine"]
    rid = release_of(dist_dir)
    assert post(app.test_client(), event(release=rid)).status_code == 201
    with pytest.raises(sa.exc.DatabaseError, match="an event names this release"):
        with engine.begin() as connection:
            connection.execute(table.delete().where(table.c.id == rid))
    with pytest.raises(sa.exc.DatabaseError, match="releases are never changed"):
        with engine.begin() as connection:
            connection.execute(table.update().where(table.c.id == rid).values(revision=9))
    # One no event names may go (an operator's clean-up).
    with engine.begin() as connection:
        connection.execute(table.insert().values(id="f" * 64, site="kppay", revision=1,
                                                 registered_at=datetime.now(UTC),
                                                 document="{}"))
        assert connection.execute(table.delete().where(table.c.id == "f" * 64)).rowcount == 1


def test_a_release_file_changed_after_the_build_is_refused(make_app, dist_dir, tmp_path):
    copy = tmp_path / "dist"
    shutil.copytree(dist_dir / "kppay", copy / "kppay")
    path = copy / "kppay" / "release.json"
    path.write_text(path.read_text(encoding="utf-8").replace(
        "Remembers your cookie choices.", "Remembers nothing."), encoding="utf-8")
    app = make_app()
    result = app.test_cli_runner().invoke(args=["releases", "register", "--dist", str(copy)])
    assert result.exit_code == 1
    assert "is not the SHA-256 of its content; the file was changed after the build" in \
        result.output
    listed = app.test_cli_runner().invoke(args=["releases", "list", "--site", "kppay"])
    assert listed.output.count("\n") == 1 and release_of(dist_dir) in listed.output


# --- The proof document -------------------------------------------------------------------

def test_the_proof_document_shows_the_texts_in_the_visitors_language(make_app, dist_dir):
    app = make_app()
    rid = release_of(dist_dir)
    consent_id = uuid.uuid4().hex
    first = event(consent_id=consent_id, release=rid, language="en")
    assert post(app.test_client(), first).status_code == 201
    code, html = proof_of(app, consent_id, "--lang", "en")
    assert code == 0, html
    assert ENGLISH_BODY in html and FRENCH_BODY not in html
    assert "Analyses customers&#39; visits to our site" in html  # a cookie's purpose
    [row] = rows(app, event_id=first["event_id"])
    assert row["receipt"] in html and "✓ The receipt matches the record" in html
    assert rid in html
    # The evidence attached is what its printed SHA-256 says, and holds the event as stored.
    evidence = base64.b64decode(re.search(
        r'href="data:application/json;base64,([^"]+)">evidence file', html).group(1))
    assert hashlib.sha256(evidence).hexdigest() in html
    assert json.loads(evidence)["events"][0]["receipt"] == row["receipt"]
    # The release file attached recomputes to its id.
    attached = base64.b64decode(re.search(
        r'href="data:application/json;base64,([^"]+)">release file', html).group(1))
    assert attached == (dist_dir / "kppay" / "release.json").read_bytes()
    # Later the visitor changed their mind on a French page: both events, each in its language.
    second = event(consent_id=consent_id, release=rid, language="fr", action="refuse_all",
                   choices={"essential": True, "performance": False, "functionality": False,
                            "targeting": False, "social": False})
    assert post(app.test_client(), second).status_code == 201
    code, html = proof_of(app, consent_id, "--lang", "fr")
    assert code == 0
    assert html.index(ENGLISH_BODY) < html.index(FRENCH_BODY)
    assert "Preuve du consentement" in html  # the document's own labels in French
    missing = proof_of(app, uuid.uuid4().hex)
    assert missing[0] == 1 and "no event recorded under" in missing[1]


def test_the_console_gives_the_proof_document_of_its_own_sites_only(make_app, dist_dir):
    from server.console import accounts

    app = make_app()
    accounts.add(app.extensions["consent_engine"], EMAIL, PASSWORD, ["kppay"])
    rid = release_of(dist_dir)
    body = event(release=rid, language="en")
    assert post(app.test_client(), body).status_code == 201
    client = app.test_client()
    login(client)
    page = client.get(f"/admin/kppay/records?consent_id={body['consent_id']}")
    link = f"/admin/kppay/records/{body['consent_id']}/proof"
    assert link in page.text and rid[:12] in page.text
    answer = client.get(link)
    assert answer.status_code == 200
    assert answer.headers["Content-Disposition"] == (
        f'attachment; filename="proof-kppay-{body["consent_id"]}.html"')
    assert ENGLISH_BODY in answer.text and FRENCH_BODY not in answer.text
    assert client.get(f"/admin/kppay/records/{uuid.uuid4().hex}/proof").status_code == 404
    assert client.get("/admin/kppay/records/not-an-id/proof").status_code == 404
    assert client.get(f"/admin/boutique/records/{body['consent_id']}/proof").status_code == 404
    assert app.test_client().get(link).status_code == 302  # to the login page
