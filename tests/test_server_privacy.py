"""The full client IP is written nowhere: not in the database, not in the access log."""

from __future__ import annotations

import http.client
import json
import logging

import pytest
import sqlalchemy as sa

from server.pseudonym import network, pseudonymise

from .conftest import LiveServer
from .server_helpers import event

VISITORS = ["203.0.113.77", "203.0.113.5", "198.51.100.23", "2001:db8:abcd:12::1",
            "2001:db8:abcd:ffff::2", "2001:db8:abce::1"]


def test_ipv4_keeps_a_24_and_ipv6_a_48_before_the_keyed_hash():
    key = b"k" * 32
    assert network("203.0.113.77") == network("203.0.113.5") == bytes([203, 0, 113])
    assert network("::ffff:203.0.113.9") == network("203.0.113.1")
    assert network("2001:db8:abcd:12::1") == network("2001:db8:abcd:ffff::2")
    assert network("2001:db8:abcd:12::1") != network("2001:db8:abce::1")
    assert network("not an address") == b"invalid"
    same = pseudonymise("203.0.113.77", key)
    assert same == pseudonymise("203.0.113.200", key)
    assert same != pseudonymise("203.0.114.77", key)
    assert same != pseudonymise("203.0.113.77", b"other key")
    assert len(same) == 32 and "203" not in same


@pytest.fixture
def proxied(make_app):
    """The app behind one trusted proxy, served over HTTP by werkzeug like `flask run`."""
    server = LiveServer(make_app(CONSENT_PROXIES=1))
    yield server
    server.stop()


def test_no_full_ip_in_the_database_or_the_access_log(proxied, caplog):
    caplog.set_level(logging.INFO, logger="werkzeug")
    host = proxied.url.removeprefix("http://")
    consent_ids = []
    for visitor in VISITORS:
        body = event()
        consent_ids.append(body["consent_id"])
        connection = http.client.HTTPConnection(host, timeout=10)
        connection.request("POST", "/api/v1/consents", body=json.dumps(body), headers={
            "Content-Type": "text/plain;charset=UTF-8", "X-Forwarded-For": visitor})
        response = connection.getresponse()
        assert response.status == 201
        assert response.getheader("Set-Cookie") is None
        response.read()
        connection.close()
    access = [r.getMessage() for r in caplog.records if r.name == "werkzeug"]
    assert len([line for line in access if "POST /api/v1/consents" in line]) == len(VISITORS)
    log_text = "\n".join(access)
    for address in VISITORS + ["127.0.0.1"]:
        assert address not in log_text

    app = proxied.server.app
    from server.tables import events

    with app.extensions["consent_engine"].connect() as connection:
        stored = connection.execute(sa.select(events).where(
            events.c.consent_id.in_(consent_ids))).mappings().all()
    dumped = json.dumps([dict(r) for r in stored], default=str)
    for address in VISITORS + ["127.0.0.1", "203.0.113", "2001:db8"]:
        assert address not in dumped
    by_visitor = {r["consent_id"]: r["ip_pseudonym"] for r in stored}
    pseudonyms = [by_visitor[c] for c in consent_ids]
    # Same /24 or /48: one pseudonym; the real network was seen (not the proxy's 127.0.0.1).
    assert pseudonyms[0] == pseudonyms[1] != pseudonyms[2]
    assert pseudonyms[3] == pseudonyms[4] != pseudonyms[5]
    key = app.extensions["consent_keys"]["ip"]
    assert pseudonyms[0] == pseudonymise("203.0.113.1", key)
    assert pseudonymise("127.0.0.1", key) not in pseudonyms
