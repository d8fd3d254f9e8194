"""8 threads x 500 POSTs against gunicorn on each database: 4,000 rows, 4,000 receipts."""

from __future__ import annotations

import http.client
import json
import os
import signal
import threading
import time

import pytest
import sqlalchemy as sa

from .gunicorn_kit import start_gunicorn, stop
from .server_helpers import event

THREADS, POSTS = 8, 500


@pytest.fixture
def gunicorn(db_url, dist_dir, tmp_path):
    process, port, access_log = start_gunicorn(db_url, dist_dir, tmp_path)
    yield port, access_log
    stop(process)


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


def test_4000_concurrent_posts_are_4000_rows_and_4000_receipts(gunicorn, db_url, db_kind):
    port, access_log = gunicorn
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
          f"({THREADS * POSTS / elapsed:.0f}/s through gunicorn, 2 workers x 4 threads)")
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
    # gunicorn's access log: every request, and no client address.
    logged = access_log.read_text()
    assert logged.count('"POST /api/v1/consents') == THREADS * POSTS
    assert "127.0.0.1" not in logged


def test_every_acknowledged_consent_survives_a_kill_9_under_load(db_url, dist_dir, tmp_path):
    """A 201 is only sent after the commit: killing every gunicorn process mid-load loses
    no event that had its receipt (the unanswered ones the widget sends again)."""
    process, port, _ = start_gunicorn(db_url, dist_dir, tmp_path)
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
                if response.status == 201:
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
        os.killpg(process.pid, signal.SIGKILL)  # master and workers, no shutdown at all
    finally:
        process.wait(timeout=10)
        for worker in workers:
            worker.join(timeout=30)
    assert len(acknowledged) > 50, "the load never started"
    assert set(acknowledged) <= stored(db_url, consent_ids)
    print(f"\n{len(acknowledged)} acknowledged before kill -9, all stored")


def _workers_of(master: int) -> list[int]:
    found = []
    for stat in os.listdir("/proc"):
        if stat.isdigit():
            try:
                with open(f"/proc/{stat}/stat") as handle:
                    fields = handle.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == master:
                found.append(int(stat))
    return found


def test_a_worker_killed_while_a_batch_is_open_loses_and_doubles_nothing(db_url, dist_dir,
                                                                          tmp_path):
    """Group commit under kill -9: a worker dies with batches gathering or committing. Every
    201 has its row; every event left unanswered, sent again as the widget does, ends as one
    row (never two), whether or not its batch had committed before the kill."""
    # The longest window: every batch stays open 50 ms, so the kill lands in open ones.
    process, port, _ = start_gunicorn(db_url, dist_dir, tmp_path, CONSENT_BATCH_WINDOW="0.05")
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
        victim = _workers_of(process.pid)[0]
        os.kill(victim, signal.SIGKILL)  # one worker; the master starts another
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
        stop(process)
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
    print(f"\nkilled worker {victim}: {len(unanswered)} unanswered, sent again, each one row")
