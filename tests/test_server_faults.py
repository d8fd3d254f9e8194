"""The production set-up and PostgreSQL under faults (issue 18's findings 3, 4, 5 and 8): a
frozen database answered with a 503 in seconds, bodies bounded in size and time, and no client
address in any log the servers wrote. What nginx answers itself is in test_proxy.py."""

from __future__ import annotations

import http.client
import json
import socket
import threading
import time
from email.message import Message
from urllib.parse import urlsplit

import pytest

from .conftest import TEST_DATABASE_URL, LiveServer
from .relay import Relay
from .server_helpers import ENDPOINT, event
from .stack_kit import start_stack

# Requests come from this loopback address, so that finding it in a log can only mean that
# a client address was written (the servers themselves listen on 127.0.0.1).
CLIENT = "127.0.0.2"
# The documented bound: a frozen database gets its 503 within this many seconds.
FROZEN_BOUND = 5.0


# The production set-up; what these tests check happens before any database is reached.
pytestmark = pytest.mark.parametrize("db_kind", ["postgresql"], indirect=True, scope="module")


@pytest.fixture(scope="module")
def stack(db_url, dist_dir, tmp_path_factory):
    stack = start_stack(db_url, dist_dir, tmp_path_factory.mktemp("stack"))
    yield stack
    stack.stop()


def send(port: int, raw: bytes, timeout: float = 15) -> tuple[int, Message, bytes]:
    """Raw bytes to the server from CLIENT; the status, headers (any case) and body of its
    answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout,
                                  source_address=(CLIENT, 0)) as sock:
        sock.sendall(raw)
        response = http.client.HTTPResponse(sock)
        response.begin()
        return response.status, response.headers, response.read()


def post_event(port: int, body: dict | None = None, timeout: float = 15):
    data = json.dumps(body or event()).encode()
    return send(port, b"POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\n"
                      b"Content-Length: %d\r\n\r\n%s" % (ENDPOINT.encode(), len(data), data),
                timeout)


def chunked(data: bytes, size: int = 1000) -> bytes:
    parts = [data[i:i + size] for i in range(0, len(data), size)]
    return b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in parts) + b"0\r\n\r\n"


def test_chunked_bodies_are_capped_like_the_others(stack):
    port = stack.port
    head = (b"POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n" % ENDPOINT.encode())
    body = json.dumps(event()).encode()
    status, _, answer = send(port, head + chunked(body + b" " * 100_000))
    assert status == 413, answer
    assert json.loads(answer)["error"] == "body over 4096 bytes"
    status, _, answer = send(port, head + chunked(body))
    assert status == 201, answer


def stalled_bodies(port: int, count: int) -> list[socket.socket]:
    """`count` POSTs from CLIENT whose body stops after 10 of its 4,000 bytes."""
    stalled = []
    for _ in range(count):
        sock = socket.create_connection(("127.0.0.1", port), source_address=(CLIENT, 0))
        sock.sendall(b"POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\n"
                     b"Content-Length: 4000\r\n\r\n0123456789" % ENDPOINT.encode())
        stalled.append(sock)
    return stalled


def timed_post(port: int) -> tuple[int, bytes, float]:
    """A valid POST once stalled ones are in: its status, its answer, how long it waited."""
    time.sleep(0.5)
    started = time.monotonic()
    status, _, answer = post_event(port, timeout=20)
    return status, answer, time.monotonic() - started


def test_the_development_server_answers_a_stalled_body_with_a_408(make_app):
    """Behind nginx a stalled body never reaches the app (test_proxy.py); the server of
    scripts/demo has no nginx, and the app bounds the body's time itself."""
    server = LiveServer(make_app(CONSENT_BODY_TIMEOUT=1))
    try:
        port = int(server.url.rsplit(":", 1)[1])
        stalled = stalled_bodies(port, 1)[0]
        started = time.monotonic()
        try:
            stalled.settimeout(10)
            answer = http.client.HTTPResponse(stalled)
            answer.begin()
            assert answer.status == 408
            assert json.loads(answer.read())["error"] == "body not received within 1 s"
            assert time.monotonic() - started < 1 + 2
        finally:
            stalled.close()
    finally:
        server.stop()


@pytest.fixture
def relay():
    upstream = urlsplit(TEST_DATABASE_URL.replace("postgresql+psycopg", "postgresql"))
    relay = Relay((upstream.hostname, upstream.port or 5432))
    yield relay
    relay.close()


def test_a_frozen_database_is_a_503_within_the_bound_then_recovers(db_url, dist_dir, tmp_path,
                                                                   relay):
    parts = urlsplit(db_url)
    through_relay = parts._replace(netloc=f"{parts.username}@127.0.0.1:{relay.port}").geturl()
    stack = start_stack(through_relay, dist_dir, tmp_path)
    port = stack.port
    try:
        # Both workers' pools hold open connections before the freeze.
        for _ in range(12):
            assert post_event(port)[0] == 201
        relay.freeze()
        waits, statuses = [], []
        for _ in range(4):
            started = time.monotonic()
            status, headers, answer = post_event(port, timeout=30)
            waits.append(time.monotonic() - started)
            statuses.append(status)
            assert status == 503, answer
            assert headers["Retry-After"].isdigit()
            assert json.loads(answer)["field"] is None
        print(f"\nfrozen: statuses {statuses}, seconds to 503: "
              + ", ".join(f"{w:.2f}" for w in waits))
        assert max(waits) < FROZEN_BOUND
        relay.thaw()
        # No restart: the same processes open fresh connections.
        after = [post_event(port)[0] for _ in range(6)]
        print(f"thawed: statuses {after}")
        assert after == [201] * 6
    finally:
        stack.stop()
    assert CLIENT not in stack.written()


def test_concurrent_requests_on_a_frozen_database_all_end(db_url, dist_dir, tmp_path, relay):
    """Eight requests at once on a frozen database: every one ends in time (no thread hangs)."""
    parts = urlsplit(db_url)
    through_relay = parts._replace(netloc=f"{parts.username}@127.0.0.1:{relay.port}").geturl()
    stack = start_stack(through_relay, dist_dir, tmp_path)
    port = stack.port
    try:
        assert post_event(port)[0] == 201
        relay.freeze()
        results: list[tuple[int, float]] = []

        def one():
            started = time.monotonic()
            status = post_event(port, timeout=30)[0]
            results.append((status, time.monotonic() - started))

        threads = [threading.Thread(target=one) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=40)
        relay.thaw()
        print(f"\n8 at once on a frozen database: {sorted(results)}")
        assert [s for s, _ in results] == [503] * 8
        assert max(w for _, w in results) < 2 * FROZEN_BOUND
        # Not wedged: consents are stored again within the bound once the database answers (a
        # connection the freeze left half-open may cost one more 503, which the widget retries).
        thawed = time.monotonic()
        while (status := post_event(port)[0]) != 201 and time.monotonic() - thawed < FROZEN_BOUND:
            time.sleep(0.5)
        print(f"thawed: 201 after {time.monotonic() - thawed:.2f} s")
        assert status == 201
    finally:
        stack.stop()
