"""The production server for tests: gunicorn with the project's config on 127.0.0.1."""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .conftest import ROOT


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_gunicorn(db_url: str, dist_dir, tmp_path: Path, **environ: str):
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
    env.update(environ)
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
