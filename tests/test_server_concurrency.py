"""8 threads x 500 POSTs against gunicorn on each database: 4,000 rows, 4,000 receipts."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from .conftest import ROOT
from .server_helpers import event

THREADS, POSTS = 8, 500


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_gunicorn(db_url: str, dist_dir, tmp_path: Path):
    """The production server: gunicorn with the project's config, bound to 127.0.0.1, in its
    own process group (so that a test can kill -9 the master and its workers at once)."""
    port = free_port()
    access_log = tmp_path / "access.log"
    env = {**os.environ, "DATABASE_URL": db_url, "CONSENT_DIST_DIR": str(dist_dir),
           "CONSENT_INSTANCE_PATH": str(tmp_path / "instance"), "CONSENT_AUTO_MIGRATE": "1",
           # Raised for these tests only: all requests come from one address.
           "CONSENT_RATE_LIMIT": "1000000/60", "WEB_CONCURRENCY": "2",
           "GUNICORN_BIND": f"127.0.0.1:{port}", "GUNICORN_ACCESS_LOG": str(access_log)}
    env.pop("REDIS_URL", None)
    gunicorn_bin = Path(sys.executable).with_name("gunicorn")
    error_log = tmp_path / "gunicorn.log"
    # A file, not a pipe: a full pipe would block gunicorn mid-test.
    with open(error_log, "a") as output:
        process = subprocess.Popen([str(gunicorn_bin), "-c", str(ROOT / "server/gunicorn_conf.py")],
                                   cwd=tmp_path, env=env, stdout=output,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 30
    while True:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        try:
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                break
        except OSError:
            pass
        finally:
            connection.close()
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            process.wait()
            pytest.fail("gunicorn did not start:\n" + error_log.read_text())
        time.sleep(0.2)
    return process, port, access_log


def stop(process) -> None:
    if process.poll() is None:
        process.terminate()
    process.wait(timeout=30)


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
