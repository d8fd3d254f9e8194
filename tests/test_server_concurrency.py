"""The production set-up (nginx in front of the app server) under load and under kill -9:
8 threads x 500 POSTs on each database are 4,000 rows and 4,000 receipts, and no acknowledged
consent is lost."""

from __future__ import annotations

import http.client
import json
import os
import signal
import threading
import time

import pytest
import sqlalchemy as sa

from .server_helpers import event
from .stack_kit import THREADS as SERVER_THREADS
from .stack_kit import WORKERS, children, start_app, start_stack, stop

THREADS, POSTS = 8, 500


@pytest.fixture
def stack(db_url, dist_dir, tmp_path):
    stack = start_stack(db_url, dist_dir, tmp_path)
    yield stack
    stack.stop()


def stored(db_url: str, consent_ids: list[str]) -> set[str]:
    """The receipts in the database for these visitors, read by a fresh connection."""
    engine = sa.create_engine(db_url)
    try:
        with engine.connect() as connection:
            return set(connection.execute(sa.text(
                "SELECT receipt FROM consent_events WHERE consent_id IN :ids").bindparams(
                    sa.bindparam("ids", expanding=True)), {"ids": consent_ids}).scalars())
    finally:
        engine.dispose()


def test_4000_concurrent_posts_are_4000_rows_and_4000_receipts(stack, db_url, db_kind):
    port = stack.port
    receipts: list[str] = []
    failures: list[str] = []
    lock = threading.Lock()
    consent_ids = [event()["consent_id"] for _ in range(THREADS)]

    def client(consent_id: str) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        mine, bad = [], []
        for _ in range(POSTS):
            connection.request("POST", "/api/v1/consents",
                               body=json.dumps(event(consent_id=consent_id)),
                               headers={"Content-Type": "text/plain;charset=UTF-8"})
            response = connection.getresponse()
            answer = response.read()
            if response.status == 201:
                mine.append(json.loads(answer)["receipt"])
            else:
                bad.append(f"{response.status} {answer[:200]!r}")
        connection.close()
        with lock:
            receipts.extend(mine)
            failures.extend(bad)

    started = time.perf_counter()
    workers = [threading.Thread(target=client, args=(c,)) for c in consent_ids]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=150)
    elapsed = time.perf_counter() - started
    print(f"\n{db_kind}: {THREADS * POSTS} POSTs in {elapsed:.1f} s "
          f"({THREADS * POSTS / elapsed:.0f}/s through nginx and the app server, "
          f"{WORKERS} workers x {SERVER_THREADS} threads)")
    assert failures == []
    assert len(receipts) == THREADS * POSTS
    assert len(set(receipts)) == THREADS * POSTS

    engine = sa.create_engine(db_url)
    try:
        with engine.connect() as connection:
            count, distinct = connection.execute(sa.text(
                "SELECT count(*), count(DISTINCT receipt) FROM consent_events "
                "WHERE consent_id IN :ids").bindparams(
                    sa.bindparam("ids", expanding=True)), {"ids": consent_ids}).one()
    finally:
        engine.dispose()
    assert (count, distinct) == (THREADS * POSTS, THREADS * POSTS)
    assert stored(db_url, consent_ids) == set(receipts)
    # The access log: every request, and no client address.
    logged = stack.written('"POST /api/v1/consents', THREADS * POSTS)
    assert logged.count('"POST /api/v1/consents') == THREADS * POSTS
    assert "127.0.0.1" not in logged


def test_every_acknowledged_consent_survives_a_kill_9_under_load(db_url, dist_dir, tmp_path):
    """A 201 is only sent after the commit: killing every process of the app server mid-load
    loses no event that had its receipt (the unanswered ones the widget sends again)."""
    stack = start_stack(db_url, dist_dir, tmp_path)
    port = stack.port
    acknowledged: list[str] = []
    lock = threading.Lock()
    consent_ids = [event()["consent_id"] for _ in range(4)]

    def client(consent_id: str) -> None:
        for _ in range(2000):  # bounded; the kill ends it long before
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            try:
                connection.request("POST", "/api/v1/consents",
                                   body=json.dumps(event(consent_id=consent_id)),
                                   headers={"Content-Type": "text/plain;charset=UTF-8"})
                response = connection.getresponse()
                if response.status != 201:  # nginx's 503 once the app server is gone
                    return
                receipt = json.loads(response.read())["receipt"]
                with lock:
                    acknowledged.append(receipt)
            except (OSError, http.client.HTTPException):
                return
            finally:
                connection.close()  # also when the kill cut it: no socket left to the GC

    workers = [threading.Thread(target=client, args=(c,)) for c in consent_ids]
    for worker in workers:
        worker.start()
    # Kill once the load is under way, not after a fixed time: a busy machine is slower.
    deadline = time.monotonic() + 30
    while len(acknowledged) < 200 and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        stack.kill_app()
    finally:
        for worker in workers:
            worker.join(timeout=30)
        stack.stop()
    assert len(acknowledged) > 50, "the load never started"
    assert set(acknowledged) <= stored(db_url, consent_ids)
    print(f"\n{len(acknowledged)} acknowledged before kill -9, all stored")


def test_a_worker_killed_while_a_batch_is_open_loses_and_doubles_nothing(db_url, dist_dir,
                                                                          tmp_path):
    """Group commit under kill -9: a worker dies with batches gathering or committing. Every
    201 has its row; every event left unanswered, sent again as the widget does, ends as one
    row (never two), whether or not its batch had committed before the kill."""
    # The longest window: every batch stays open 50 ms, so the kill lands in open ones. The app
    # server without nginx: nginx sends a consent cut on a kept-alive connection again by
    # itself (server/nginx.py), which would hide the cut requests this test counts.
    server, port = start_app(db_url, dist_dir, tmp_path, CONSENT_BATCH_WINDOW="0.05")
    bodies = {e["event_id"]: e for e in (event() for _ in range(8 * 40))}
    answers: dict[str, int] = {}
    lock = threading.Lock()

    def send(body: dict) -> int:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        try:
            connection.request("POST", "/api/v1/consents", body=json.dumps(body),
                               headers={"Content-Type": "text/plain;charset=UTF-8"})
            return connection.getresponse().status
        except (OSError, http.client.HTTPException):
            return 0  # the worker died with the request: no answer
        finally:
            connection.close()

    def client(event_ids: list[str]) -> None:
        for event_id in event_ids:
            status = send(bodies[event_id])
            with lock:
                answers[event_id] = status

    ids = list(bodies)
    threads = [threading.Thread(target=client, args=(ids[i::8],)) for i in range(8)]
    try:
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 30
        while sum(s == 201 for s in answers.values()) < 60 and time.monotonic() < deadline:
            time.sleep(0.01)
        # One worker; the main process starts another. If that cut no request (it once did
        # not: granian's workers may share the load unevenly), the next one too.
        victims = []
        for victim in children(server.pid):
            os.kill(victim, signal.SIGKILL)
            victims.append(victim)
            time.sleep(1)
            with lock:
                if 0 in answers.values():
                    break
        for thread in threads:
            thread.join(timeout=60)
        unanswered = [i for i, status in answers.items() if status != 201]
        # The widget sends an unanswered event again until it gets its 201.
        for event_id in unanswered:
            for _ in range(50):
                answers[event_id] = send(bodies[event_id])
                if answers[event_id] == 201:
                    break
                time.sleep(0.1)
    finally:
        stop(server)
    assert unanswered, "the kill cut no request: it did not land in an open batch"
    assert all(status == 201 for status in answers.values()), answers
    engine = sa.create_engine(db_url)
    try:
        with engine.connect() as connection:
            counts = dict(connection.execute(sa.text(
                "SELECT event_id, count(*) FROM consent_events WHERE event_id IN :ids "
                "GROUP BY event_id").bindparams(sa.bindparam("ids", expanding=True)),
                {"ids": ids}).all())
    finally:
        engine.dispose()
    assert set(counts) == set(ids)  # every event stored
    assert set(counts.values()) == {1}  # none twice
    print(f"\nkilled workers {victims}: {len(unanswered)} unanswered, sent again, each one row")


class Visitors:
    """`count` visitors sending consents to `port` one after another, each on a kept-alive
    connection, until stopped (bounded): the receipts of the 201s, and every other answer."""

    def __init__(self, port: int, count: int = 4):
        self.port = port
        self.consent_ids = [event()["consent_id"] for _ in range(count)]
        self.receipts: list[str] = []
        self.failures: list[str] = []
        self.lock = threading.Lock()
        self.done = threading.Event()
        self.threads = [threading.Thread(target=self._visit, args=(c,))
                        for c in self.consent_ids]
        for thread in self.threads:
            thread.start()

    def _visit(self, consent_id: str) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        for _ in range(20_000):  # bounded; `done` ends it long before
            if self.done.is_set():
                break
            connection.request("POST", "/api/v1/consents",
                               body=json.dumps(event(consent_id=consent_id)),
                               headers={"Content-Type": "text/plain;charset=UTF-8"})
            response = connection.getresponse()
            answer = response.read()
            with self.lock:
                if response.status == 201:
                    self.receipts.append(json.loads(answer)["receipt"])
                else:
                    self.failures.append(f"{response.status} {answer[:200]!r}")
        connection.close()

    def wait_for(self, receipts: int, seconds: float = 30) -> None:
        """Until `receipts` 201s in all, or `seconds`."""
        deadline = time.monotonic() + seconds
        while len(self.receipts) < receipts and time.monotonic() < deadline:
            time.sleep(0.05)

    def stop(self) -> None:
        self.done.set()
        for thread in self.threads:
            thread.join(timeout=60)


def test_a_graceful_restart_under_load_drops_no_request(stack, db_url):
    """SIGHUP to the app server (a deploy) while visitors send consents: its workers are
    replaced one by one, and every request sent meanwhile gets its 201 and its row."""
    before = children(stack.app.pid)
    visitors = Visitors(stack.port)
    try:
        visitors.wait_for(100)
        at_signal = len(visitors.receipts)
        os.kill(stack.app.pid, signal.SIGHUP)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            now = children(stack.app.pid)
            if len(now) == WORKERS and not set(now) & set(before):
                break
            time.sleep(0.1)
        replaced = children(stack.app.pid)
        time.sleep(0.5)  # the new workers answer too
    finally:
        visitors.stop()
    receipts, failures = visitors.receipts, visitors.failures
    print(f"\nSIGHUP: workers {before} -> {replaced}; {at_signal} consents before it, "
          f"{len(receipts) - at_signal} during and after it; failures: {failures[:3]}")
    assert not set(replaced) & set(before) and len(replaced) == WORKERS
    assert failures == []
    assert len(receipts) - at_signal > 100
    assert stored(db_url, visitors.consent_ids) == set(receipts)
    assert stack.app.poll() is None


@pytest.mark.parametrize("db_kind", ["postgresql"], indirect=True)
def test_every_acknowledged_consent_survives_a_database_restart_under_load(db_url, dist_dir,
                                                                         tmp_path):
    """What a PostgreSQL restart does to the app, three times under load: every connection of
    its workers closed by the server (pg_terminate_backend). Every request still gets its 201:
    a batch whose connection was closed is written again on a fresh one (server/db.py; without
    that, 7 and 8 requests of two runs got a 503). Every 201 has its row, none is stored twice,
    and the app is not restarted."""
    name = f"consent_restart_{os.getpid()}"  # the app's connections, and no one else's
    app_url = f"{db_url}&application_name={name}"
    stack = start_stack(app_url, dist_dir, tmp_path)

    def terminate() -> int:
        engine = sa.create_engine(db_url)
        try:
            with engine.begin() as connection:
                return len(connection.execute(sa.text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE application_name = :name"), {"name": name}).all())
        finally:
            engine.dispose()

    visitors = Visitors(stack.port)
    closed, after = [], []
    try:
        for _ in range(3):
            visitors.wait_for(len(visitors.receipts) + 100)
            closed.append(terminate())
            after.append(len(visitors.receipts))
        visitors.wait_for(after[-1] + 100)
    finally:
        visitors.stop()
        stack.stop()
    acknowledged = visitors.receipts
    print(f"\nconnections closed: {closed}; {len(acknowledged)} acknowledged, "
          f"other answers: {visitors.failures[:3]}")
    assert all(closed), "the app held no connection to close"
    assert len(acknowledged) >= after[-1] + 100, "consents were not stored again after"
    assert visitors.failures == []
    assert len(set(acknowledged)) == len(acknowledged)
    assert set(acknowledged) <= stored(db_url, visitors.consent_ids)
