"""Server benchmark: consent POSTs per second and p50/p99 latency through gunicorn, per database.

    .venv/bin/python bench/server_bench.py [--databases sqlite,postgresql] [--seconds 10]

For SQLite and for PostgreSQL, in one run: the database's own single-row insert rate
(db_ceiling.py), then `POST /api/v1/consents` through gunicorn on 127.0.0.1, loaded by `wrk`
with consent_post.lua (every request a new event, as the widget sends it). Prints one table.
A benchmark, not a test: it asserts nothing, but it says when rows and 201s disagree.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import secrets
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from contextlib import closing
from pathlib import Path

import db_ceiling
from report import table

ROOT = Path(__file__).resolve().parent.parent
LUA = Path(__file__).with_name("consent_post.lua")
# The production settings (access log without client addresses, …); the command line below
# overrides the bind address and the worker counts.
GUNICORN_CONF = ROOT / "server" / "gunicorn_conf.py"
TABLE = "consent_events"
PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/{db}"
# Rate limits are per pseudonymised network, and every request here comes from 127.0.0.1.
NO_RATE_LIMIT = "100000000/60"


def need(tool: str, package: str) -> str:
    """The path of `tool`; installed with apt-get when missing and we are root."""
    found = shutil.which(tool)
    if not found and os.geteuid() == 0 and shutil.which("apt-get"):
        print(f"installing {package} (apt-get)", file=sys.stderr)
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-qq"], env=env, timeout=300)
        subprocess.run(["apt-get", "install", "-y", "-qq", package], env=env, timeout=300)
        found = shutil.which(tool)
    if not found:
        raise SystemExit(f"{tool} is missing: apt-get install {package}")
    return found


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def build_dist(out: Path) -> Path:
    done = subprocess.run([sys.executable, str(ROOT / "build.py"), "--out", str(out)],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        raise SystemExit(f"build.py failed:\n{done.stderr}")
    return out


def processes() -> dict[int, tuple[str, int, int]]:
    """Every process now: pid -> (command name, parent pid, CPU ticks used so far)."""
    found = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue  # a process that ended meanwhile
        name = text[text.index("(") + 1:text.rindex(")")]
        fields = text.rsplit(")", 1)[1].split()
        found[int(stat.parent.name)] = (name, int(fields[1]), int(fields[11]) + int(fields[12]))
    return found


def cpu_shares(before: dict, after: dict, seconds: float, server_pid: int) -> dict:
    """Who used the cores meanwhile, as shares of all cores: gunicorn, the database, and
    other processes (a test suite, a browser: they take CPU from the benchmark). wrk's share
    is filled in by the caller, from rusage."""
    ticks = {"gunicorn": 0, "database": 0, "wrk": 0, "other": 0}
    for pid, (name, ppid, used) in after.items():
        if pid == os.getpid():
            continue
        if server_pid in (pid, ppid):
            group = "gunicorn"
        elif name == "postgres":
            group = "database"
        elif name == "wrk":
            group = "wrk"
        else:
            group = "other"
        ticks[group] += used - before.get(pid, (name, ppid, 0))[2]
    scale = os.sysconf("SC_CLK_TCK") * seconds * (os.cpu_count() or 1)
    return {group: value / scale for group, value in ticks.items()}


class Gunicorn:
    """`gunicorn "server:create_app()"` on 127.0.0.1, in its own process group."""

    def __init__(self, env: dict, workers: int, threads: int, worker_class: str, log: Path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        conf = ["--config", str(GUNICORN_CONF)] if GUNICORN_CONF.is_file() else []
        command = [sys.executable, "-m", "gunicorn", *conf, "--workers", str(workers),
                   "--worker-class", worker_class, "--threads", str(threads),
                   "--bind", f"127.0.0.1:{self.port}", "--error-logfile", str(log),
                   "--log-level", "warning", "--graceful-timeout", "10",
                   "server:create_app()"]
        # The access log goes to stdout: written, as in production, then dropped.
        self.process = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def wait_ready(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=2) as answer:
                    if answer.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.2)
        self.stop()
        raise SystemExit(f"gunicorn did not become healthy; its log:\n{self.tail()}")

    def tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def cpu_seconds(self, table: dict) -> float:
        """CPU time (user + system) of the master and its workers, from a processes() table."""
        ticks = sum(used for pid, (_, ppid, used) in table.items()
                    if self.process.pid in (pid, ppid))
        return ticks / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        """SIGTERM to the master (graceful), SIGKILL to its group if it lingers."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=5)


def wrk(url: str, origin: str, seconds: int, connections: int) -> dict:
    """One bounded wrk run; the figures consent_post.lua's done() prints."""
    command = [need("wrk", "wrk"), "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s",
               "-s", str(LUA), url, "--", secrets.token_hex(8), origin]
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60)
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    line = next((x for x in done.stdout.splitlines() if x.startswith("WRK_RESULT ")), None)
    if done.returncode != 0 or line is None:
        raise SystemExit(f"wrk failed:\n{done.stdout}\n{done.stderr}")
    result = json.loads(line.removeprefix("WRK_RESULT "))
    # wrk has exited by now, so /proc no longer shows it: its CPU time comes from rusage.
    result["cpu_s"] = (used.ru_utime + used.ru_stime) - (children.ru_utime + children.ru_stime)
    return result


def flask_db_upgrade(env: dict) -> None:
    done = subprocess.run([sys.executable, "-m", "flask", "--app", "server", "db", "upgrade"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        raise SystemExit(f"flask --app server db upgrade failed:\n{done.stderr}")


def count_rows(database: str, where: str) -> int:
    if database == "sqlite":
        with closing(sqlite3.connect(where)) as connection:
            return connection.execute(f"SELECT count(*) FROM {TABLE}").fetchone()[0]
    return int(db_ceiling.psql(where, f"SELECT count(*) FROM {TABLE}"))


def pg_transactions(db: str) -> tuple[int, int]:
    """The database's committed and rolled-back transactions so far (pg_stat_database)."""
    found = db_ceiling.psql(db, "SELECT xact_commit || ' ' || xact_rollback FROM pg_stat_database "
                                "WHERE datname = current_database()")
    commits, rollbacks = found.split()
    return int(commits), int(rollbacks)


def bench_database(database: str, args, work: Path, dist: Path) -> dict:
    """The ceiling, then the endpoint under load, for one database."""
    # pgbench gets as many clients as the server can run transactions at once.
    clients = args.workers * (args.threads if args.worker_class == "gthread" else 1)
    if database == "sqlite":
        where = str(work / "consents.sqlite3")
        url = f"sqlite:///{where}"
        ceiling = db_ceiling.sqlite_loop(work, args.seconds)
        ceiling["how"] = ("sqlite3 loop, 1 connection, WAL, synchronous=FULL, commit per row: "
                          f"p50 {ceiling['p50_ms']:.2f} ms, p99 {ceiling['p99_ms']:.2f} ms")
    else:
        need("pgbench", "postgresql-contrib")
        where = args.pg_db
        db_ceiling.psql("postgres", f"DROP DATABASE IF EXISTS {where}")
        db_ceiling.psql("postgres", f"CREATE DATABASE {where}")
        url = PG_URL.format(db=where)
        ceiling = db_ceiling.pgbench(where, clients, args.seconds)
        ceiling["how"] = f"{ceiling['command']}: mean latency {ceiling['mean_ms']:.2f} ms"
        ceiling["settings"] = db_ceiling.psql(
            where, "SELECT 'synchronous_commit=' || current_setting('synchronous_commit') "
                   "|| ', fsync=' || current_setting('fsync')")
    env = {**os.environ, "DATABASE_URL": url, "CONSENT_RATE_LIMIT": NO_RATE_LIMIT,
           "CONSENT_DIST_DIR": str(dist), "CONSENT_SECRET": secrets.token_hex(32),
           "CONSENT_AUTO_MIGRATE": "0"}
    try:
        flask_db_upgrade(env)
        xacts_before = pg_transactions(where) if database == "postgresql" else None
        server = Gunicorn(env, args.workers, args.threads, args.worker_class,
                          work / f"gunicorn-{database}.log")
        try:
            server.wait_ready()
            endpoint = server.url + args.path
            warm = wrk(endpoint, server.url, args.warmup, args.connections)
            before = processes()
            load = wrk(endpoint, server.url, args.seconds, args.connections)
            after = processes()
            load["server_cpu_s"] = server.cpu_seconds(after) - server.cpu_seconds(before)
            load["cpu"] = cpu_shares(before, after, load["duration_us"] / 1e6,
                                     server.process.pid)
            load["cpu"]["wrk"] = load["cpu_s"] / (load["duration_us"] / 1e6) / (os.cpu_count() or 1)
        finally:
            server.stop()
        rows = count_rows(database, where)
        if xacts_before:
            # Read once the workers have exited: backends flush their statistics then.
            after = pg_transactions(where)
            posts = warm["requests"] + load["requests"]
            ceiling["per_post"] = tuple((a - b) / max(posts, 1)
                                        for a, b in zip(after, xacts_before, strict=True))
    finally:
        if database == "postgresql" and not args.keep:
            db_ceiling.psql("postgres", f"DROP DATABASE IF EXISTS {where}")
    return {"database": database, "ceiling": ceiling, "load": load, "warm": warm, "rows": rows,
            "connections": args.connections}


def row(result: dict) -> list[str]:
    load, ceiling = result["load"], result["ceiling"]
    seconds = load["duration_us"] / 1e6
    rate = load["created"] / seconds
    acknowledged = result["warm"]["created"] + load["created"]
    # wrk stops at its deadline without reading the answers in flight: up to one request per
    # connection per run may be written but not counted as a 201.
    extra = result["rows"] - acknowledged
    in_flight = 2 * result["connections"]
    errors = (load["other"] + load["connect_errors"] + load["read_errors"]
              + load["write_errors"] + load["timeouts"])
    return [
        {"sqlite": "SQLite", "postgresql": "PostgreSQL"}[result["database"]],
        f"{rate:,.0f}", f"{load['p50_us'] / 1000:.1f}", f"{load['p99_us'] / 1000:.1f}",
        str(errors),
        f"{1000 * load['server_cpu_s'] / max(load['requests'], 1):.2f}",
        f"{100 * load['server_cpu_s'] / seconds / (os.cpu_count() or 1):.0f}%",
        f"yes (+{extra})" if 0 <= extra <= in_flight else f"NO: {result['rows']} rows, "
                                                          f"{acknowledged} 201s",
        f"{ceiling['rate']:,.0f}", f"{100 * rate / ceiling['rate']:.0f}%",
        f"{100 * load['cpu']['other']:.0f}%",
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--databases", default="sqlite,postgresql",
                        help="comma-separated: sqlite, postgresql (default both)")
    parser.add_argument("--seconds", type=int, default=10,
                        help="length of each measured load and of each ceiling (default 10)")
    parser.add_argument("--warmup", type=int, default=2, help="unmeasured load first (s)")
    parser.add_argument("--workers", type=int, default=2,
                        help="gunicorn workers (default 2: one per core)")
    parser.add_argument("--threads", type=int, default=4,
                        help="gthread threads per worker (default 4)")
    parser.add_argument("--worker-class", default="gthread", choices=["gthread", "sync"],
                        help="gunicorn worker class (default gthread)")
    parser.add_argument("--connections", type=int, default=16,
                        help="wrk connections kept open (default 16)")
    parser.add_argument("--path", default="/api/v1/consents", help="the consent endpoint")
    parser.add_argument("--pg-db", default="consent_bench",
                        help="scratch PostgreSQL database, created and dropped (default "
                             "consent_bench, apart from the test suite's `test`)")
    parser.add_argument("--keep", action="store_true", help="keep the PostgreSQL database")
    args = parser.parse_args(argv)
    args.seconds = max(1, min(args.seconds, 60))
    args.warmup = max(1, min(args.warmup, 30))
    databases = [d.strip() for d in args.databases.split(",") if d.strip()]
    unknown = set(databases) - {"sqlite", "postgresql"}
    if unknown:
        parser.error(f"unknown database(s): {', '.join(sorted(unknown))}")
    # The scratch database is dropped at the end: never one that holds anything else.
    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", args.pg_db) or args.pg_db in (
            "test", "postgres") or args.pg_db.startswith("template"):
        parser.error(f"--pg-db {args.pg_db!r}: give a scratch database name (it is dropped)")
    need("wrk", "wrk")

    work = Path(tempfile.mkdtemp(prefix="consent-server-bench-"))
    try:
        dist = build_dist(work / "dist")
        results = [bench_database(database, args, work, dist) for database in databases]
    finally:
        shutil.rmtree(work, ignore_errors=True)

    print(f"Server benchmark on {os.cpu_count()} cores: gunicorn {args.workers} workers x "
          f"{args.threads} threads ({args.worker_class}), wrk 2 threads x {args.connections} "
          f"connections\n(closed loop, keep-alive, same machine), {args.seconds} s measured after "
          f"{args.warmup} s of warm-up,\nPOST {args.path}, every request a new event "
          "(text/plain JSON, as the widget sends it).\n")
    header = ["", "consents/s", "p50 ms", "p99 ms", "errors", "CPU ms/req", "server CPU",
              "rows = 201s", "DB inserts/s",
              "of ceiling", "other CPU"]
    print(table(header, [row(r) for r in results]))
    print("\nPer database: how the ceiling (DB inserts/s) was measured, just before the server's "
          "load;\nwhere the CPU went during the load (SQLite runs inside gunicorn's workers).")
    for result in results:
        ceiling = result["ceiling"]
        extra = f" ({ceiling['settings']})" if "settings" in ceiling else ""
        print(f"  {result['database']}: {ceiling['how']}{extra}")
        cpu = result["load"]["cpu"]
        idle = max(0.0, 1 - sum(cpu.values()))
        shares = ", ".join(f"{name} {100 * share:.0f}%" for name, share in cpu.items())
        print(f"    CPU during the load, share of all cores: {shares}, idle {100 * idle:.0f}%")
        if "per_post" in ceiling:
            commits, rollbacks = ceiling["per_post"]
            print(f"    server side, per POST: {commits:.2f} committed and {rollbacks:.2f} "
                  "rolled-back transactions (pg_stat_database)")
        if result["load"]["other"]:
            print(f"    first non-201 answer: {result['load']['sample']}")
    print("errors: non-201 answers, socket errors and timeouts. CPU ms/req: gunicorn's CPU time "
          "(master and\nworkers, user + system) per request; server CPU: the same as a share of "
          "all cores.\nrows = 201s: every 201 of warm-up and load has its row; (+n) rows whose "
          "answer was in flight\nwhen wrk stopped (at most one per connection per run). other CPU: "
          "share of all cores used\nduring the measured load by processes outside the benchmark "
          "(they skew every figure).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
