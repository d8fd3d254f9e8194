"""The production set-up for tests: the app server (granian, server/serve.py) on 127.0.0.1,
with the nginx that server/nginx.py configures in front of it, as the README deploys them."""

from __future__ import annotations

import http.client
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from server import nginx
from server.config import SETTINGS

from .conftest import missing

WORKERS, THREADS = 2, 4


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _until(ready, process, log: Path, what: str, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not ready():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            process.wait()
            pytest.fail(f"{what} did not start:\n" + log.read_text(errors="replace"))
        time.sleep(0.1)


def _answers(port: int) -> bool:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    try:
        connection.request("GET", "/healthz")
        return connection.getresponse().status == 200
    except OSError:
        return False
    finally:
        connection.close()


def start_app(db_url: str, dist_dir, tmp_path: Path, **environ: str):
    """The app server as production runs it, bound to 127.0.0.1, in its own process group (so
    that a test can kill -9 the main process and its workers at once); everything it writes
    (access lines and its own) goes to tmp_path/app.log. Returns the process and its port."""
    port = free_port()
    env = {**os.environ, "DATABASE_URL": db_url, "CONSENT_DIST_DIR": str(dist_dir),
           "CONSENT_INSTANCE_PATH": str(tmp_path / "instance"), "CONSENT_AUTO_MIGRATE": "1",
           # Raised for these tests only: all requests come from one address.
           "CONSENT_RATE_LIMIT": "1000000/60", "CONSENT_PROXIES": "1",
           "GRANIAN_HOST": "127.0.0.1", "GRANIAN_PORT": str(port),
           "GRANIAN_WORKERS": str(WORKERS), "GRANIAN_BLOCKING_THREADS": str(THREADS)}
    env.pop("REDIS_URL", None)
    env.update(environ)
    log = tmp_path / "app.log"
    # A file, not a pipe: a full pipe would block the server mid-test.
    with open(log, "a") as output:
        process = subprocess.Popen([sys.executable, "-m", "server.serve"], cwd=tmp_path, env=env,
                                   stdout=output, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    _until(lambda: _answers(port), process, log, "the app server", 30)
    return process, port


def start_nginx(tmp_path: Path, upstream_port: int, cap: int = 4096, timeout: float = 5.0,
                consents_path: str = SETTINGS["CONSENT_PATH"][0]):
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
                                     cap, timeout, consents_path), encoding="utf-8")
    log = tmp_path / "nginx.log"
    with open(log, "a") as output:
        process = subprocess.Popen([binary, "-c", str(conf), "-g", "daemon off;"],
                                   stdout=output, stderr=subprocess.STDOUT,
                                   start_new_session=True)

    def listening() -> bool:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return True
        except OSError:
            return False

    _until(listening, process, log, "nginx", 10)
    return process, port


def stop(process) -> None:
    """SIGTERM (a graceful stop), then SIGKILL to the group if it lingers."""
    if process.poll() is None:
        process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def children(pid: int) -> list[int]:
    """The processes whose parent is `pid` (the app server's workers)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as handle:
                    fields = handle.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry))
    return sorted(found)


@dataclass
class Stack:
    """nginx on `port` (what clients reach) in front of the app server `app`."""

    app: subprocess.Popen
    proxy: subprocess.Popen
    port: int
    folder: Path

    def written(self, until: str = "", count: int = 1) -> str:
        """Everything the app server and nginx wrote: their logs and nginx's access log. With
        `until`, first waits (10 s at most) for it to be there `count` times: nginx writes its
        access log each second."""
        logs = (self.folder / "app.log", self.folder / "nginx.log",
                self.folder / "nginx" / "access.log")
        deadline = time.monotonic() + 10
        while True:
            text = "".join(log.read_text(errors="replace") for log in logs if log.exists())
            if text.count(until) >= count or time.monotonic() > deadline:
                return text
            time.sleep(0.2)

    def kill_app(self) -> None:
        """kill -9 of the app server's main process and its workers, no shutdown at all."""
        os.killpg(self.app.pid, signal.SIGKILL)
        self.app.wait(timeout=10)

    def stop(self) -> None:
        stop(self.proxy)
        stop(self.app)


def start_stack(db_url: str, dist_dir, tmp_path: Path, **environ: str) -> Stack:
    app, app_port = start_app(db_url, dist_dir, tmp_path, **environ)
    try:
        proxy, port = start_nginx(tmp_path, app_port, consents_path=environ.get(
            "CONSENT_PATH", SETTINGS["CONSENT_PATH"][0]))
    except BaseException:
        stop(app)
        raise
    return Stack(app, proxy, port, tmp_path)
