"""8 threads x 500 POSTs against gunicorn on each database: 4,000 rows, 4,000 receipts."""

from __future__ import annotations

import http.client
import json
import os
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


@pytest.fixture
def gunicorn(db_url, dist_dir, tmp_path):
    """The production server: gunicorn with the project's config, bound to 127.0.0.1."""
    port = free_port()
    access_log = tmp_path / "access.log"
    env = {**os.environ, "DATABASE_URL": db_url, "CONSENT_DIST_DIR": str(dist_dir),
           "CONSENT_INSTANCE_PATH": str(tmp_path / "instance"), "CONSENT_AUTO_MIGRATE": "1",
           # Raised for this test only: all requests come from one address.
           "CONSENT_RATE_LIMIT": "1000000/60", "WEB_CONCURRENCY": "2",
           "GUNICORN_BIND": f"127.0.0.1:{port}", "GUNICORN_ACCESS_LOG": str(access_log)}
    env.pop("REDIS_URL", None)
    gunicorn_bin = Path(sys.executable).with_name("gunicorn")
    error_log = tmp_path / "gunicorn.log"
    # A file, not a pipe: a full pipe would block gunicorn mid-test.
    with open(error_log, "w") as output:
        process = subprocess.Popen([str(gunicorn_bin), "-c", str(ROOT / "server/gunicorn_conf.py")],
                                   cwd=tmp_path, env=env, stdout=output,
                                   stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 30
    while True:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
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
    yield port, access_log
    process.terminate()
    process.wait(timeout=30)


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
    # gunicorn's access log: every request, and no client address.
    logged = access_log.read_text()
    assert logged.count('"POST /api/v1/consents') == THREADS * POSTS
    assert "127.0.0.1" not in logged
