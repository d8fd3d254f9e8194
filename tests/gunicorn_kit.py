"""The production server for tests: gunicorn with the project's config on 127.0.0.1, and the
nginx in front of it (server/nginx.py) where a test needs the whole set-up."""

from __future__ import annotations

import http.client
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from server import nginx

from .conftest import ROOT, missing


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


def start_nginx(tmp_path: Path, upstream_port: int, cap: int = 4096, timeout: float = 5.0):
    """Debian's nginx with the configuration server/nginx.py renders, on a free port of
    127.0.0.1, in front of the app server on `upstream_port`; its log (stderr) in
    tmp_path/nginx.log. Returns the process and the port."""
    binary = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(binary).is_file():
        missing("nginx (apt-get install nginx-light)")
    port = free_port()
    folder = tmp_path / "nginx"
    folder.mkdir(exist_ok=True)
    conf = folder / "nginx.conf"
    conf.write_text(nginx.standalone(folder, f"127.0.0.1:{port}", f"127.0.0.1:{upstream_port}",
                                     cap, timeout), encoding="utf-8")
    with open(tmp_path / "nginx.log", "a") as output:
        process = subprocess.Popen([binary, "-c", str(conf), "-g", "daemon off;"],
                                   stdout=output, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    deadline = time.monotonic() + 10
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return process, port
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                process.wait()
                pytest.fail("nginx did not start:\n" + (tmp_path / "nginx.log").read_text())
            time.sleep(0.1)
