"""The production set-up with its proxy: nginx, configured by server/nginx.py, in front of
the app server. nginx reads whole requests before the app sees them (a stalled body holds no thread
of the app's), answers what is not HTTP in the API's JSON shape with the app's own words and
bounds, says 503 with Retry-After when the app server is down, and writes no client address."""

from __future__ import annotations

import json
import time

import pytest

from .server_helpers import ENDPOINT, event
from .stack_kit import THREADS, WORKERS, start_app, start_nginx, start_stack, stop
from .test_server_faults import CLIENT, chunked, post_event, send, stalled_bodies, timed_post

pytestmark = pytest.mark.parametrize("db_kind", ["postgresql"], indirect=True, scope="module")

# More stalled bodies than the app server has threads.
STALLED = 20
assert STALLED > WORKERS * THREADS


@pytest.fixture(scope="module")
def proxied(db_url, dist_dir, tmp_path_factory):
    stack = start_stack(db_url, dist_dir, tmp_path_factory.mktemp("proxied"))
    yield stack.port, stack
    stack.stop()


def test_a_consent_goes_through(proxied):
    port, _ = proxied
    status, headers, answer = post_event(port)
    assert status == 201, answer
    assert "receipt" in json.loads(answer)


LONG_HEADER = b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 9000 + b"\r\n\r\n"
POST = b"POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\n" % ENDPOINT.encode()


@pytest.mark.parametrize(("request_bytes", "status", "error"), [
    (b"\x00\x01 garbage\r\n\r\n", 400, "bad request: not HTTP nginx can read"),
    (b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n", 400,
     "bad request: not HTTP nginx can read"),
    (b"GET / HTTP/1.1\r\n\r\n", 400, "bad request: not HTTP nginx can read"),  # no Host
    (LONG_HEADER, 431, "request headers too large"),
    (b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414, "request target too long"),
    # the app's own cap and words, with or without Content-Length
    (POST + b"Content-Length: 100000\r\n\r\n", 413, "body over 4096 bytes"),
    (POST + b"Transfer-Encoding: chunked\r\n\r\n" + chunked(json.dumps(event()).encode()
                                                           + b" " * 100_000), 413,
     "body over 4096 bytes"),
])
def test_what_is_not_http_gets_the_apis_json(proxied, request_bytes, status, error):
    port, _ = proxied
    got, headers, answer = send(port, request_bytes)
    assert (got, headers["Content-Type"]) == (status, "application/json")
    assert json.loads(answer) == {"error": error, "field": None}


def test_stalled_bodies_hold_no_thread_of_the_app(proxied):
    port, _ = proxied
    opened = time.monotonic()
    stalled = stalled_bodies(port, STALLED)
    try:
        status, answer, waited = timed_post(port)
        assert status == 201, answer
        assert waited < 2, f"a valid POST waited {waited:.1f} s behind {STALLED} stalled bodies"
        # nginx closes a body that stopped coming, after the app's body timeout (5 s).
        stalled[0].settimeout(15)
        assert stalled[0].recv(100) == b""
        assert time.monotonic() - opened < 5 + 3
    finally:
        for sock in stalled:
            sock.close()


def test_no_log_holds_the_clients_address(proxied):
    port, stack = proxied
    send(port, b"\x00\x01 garbage\r\n\r\n")
    send(port, LONG_HEADER)
    post_event(port)
    send(port, b"GET /healthz?visitor=" + CLIENT.encode() + b" HTTP/1.1\r\nHost: x\r\n\r\n")
    send(port, b"GET /c/" + CLIENT.encode() + b"/x HTTP/1.1\r\nHost: x\r\n\r\n")
    send(port, b"GET /c/::ffff:7f00:2/x HTTP/1.1\r\nHost: x\r\n\r\n")
    written = stack.written('"GET - HTTP/1.1" 404', 2)
    # The access lines, without the query string, and a path that could hold an address as "-".
    assert '"POST /api/v1/consents HTTP/1.1" 201' in written
    assert '"GET /healthz HTTP/1.1" 200' in written and "visitor" not in written
    assert written.count('"GET - HTTP/1.1" 404') == 2
    assert CLIENT not in written and "7f00" not in written


def test_the_app_server_down_is_a_503_with_retry_after(db_url, dist_dir, tmp_path):
    app, app_port = start_app(db_url, dist_dir, tmp_path)
    proxy, port = start_nginx(tmp_path, app_port)
    try:
        stop(app)
        status, headers, answer = post_event(port)
        assert (status, headers["Content-Type"]) == (503, "application/json"), answer
        assert headers["Retry-After"] == "30"
        assert json.loads(answer)["error"] == "server unavailable, try again later"
    finally:
        stop(proxy)
        stop(app)


def test_the_printed_configuration_follows_the_apps_settings(make_app):
    app = make_app(CONSENT_MAX_BODY_BYTES=2048, CONSENT_BODY_TIMEOUT=8,
                   CONSENT_PATH="/collect/consents")
    result = app.test_cli_runner().invoke(args=["nginx-config", "--listen", "127.0.0.1:9080",
                                                "--upstream", "127.0.0.1:9000"])
    assert result.exit_code == 0, result.output
    printed = result.output
    assert "listen 127.0.0.1:9080;" in printed and "server 127.0.0.1:9000;" in printed
    assert "client_max_body_size 2048;" in printed and "client_body_timeout 8s;" in printed
    assert '{"error": "body over 2048 bytes", "field": null}' in printed
    # Only the consents, stored once by event_id, are sent again after a cut connection.
    again = printed.split("location = /collect/consents {", 1)[1].split("}", 1)[0]
    assert "proxy_next_upstream error timeout non_idempotent;" in again
    assert printed.count("non_idempotent") == 1
