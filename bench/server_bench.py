"""Server benchmark: consents per second, p50/p99, CPU per request and PostgreSQL transactions
per consent, ours (PostgreSQL, SQLite) beside a plain Flask app (bench/plain_app.py).

    .venv/bin/python bench/server_bench.py [--targets postgresql,sqlite,plain] [--rounds 3]
    .venv/bin/python bench/server_bench.py --targets postgresql,plain,c15t   # needs node, npm

Ours runs as production does (nginx, configured by server/nginx.py, in front of granian,
`python -m server.serve`), the plain app under gunicorn, each with the same workers and threads
on 127.0.0.1, loaded by `wrk` with consent_post.lua (every request a new event, as the widget
sends it), in rounds that alternate the targets; medians are printed, with the load average. A
benchmark, not a test: it asserts nothing, but it says when rows and 201s disagree.

The optional target `c15t` is c15t's self-hosted backend (bench/c15t: Node, Kysely, PostgreSQL),
loaded with what c15t's front-end posts when a visitor chooses (consent_post.lua's c15t mode).
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
import statistics
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
sys.path.insert(0, str(ROOT))
from server.nginx import standalone as nginx_conf  # noqa: E402 - the project's root first

LUA = Path(__file__).with_name("consent_post.lua")
TABLE = "consent_events"
PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/{db}"
# Rate limits are per pseudonymised network, and every request here comes from 127.0.0.1.
NO_RATE_LIMIT = "100000000/60"
# c15t's backend (optional target): its npm project, the basePath it is served under, the table
# it writes a consent's row to, and its success status.
C15T = Path(__file__).with_name("c15t")
C15T_BASE = "/api/c15t"
C15T_TABLE = "consent"
C15T_INSTALL = "npm ci --prefix bench/c15t"


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


def c15t_node() -> str:
    """The path of node, once bench/c15t's locked packages are installed (`npm ci` when its
    node_modules is absent)."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if not node or not npm:
        raise SystemExit(f"target c15t needs Node 20+ and npm, then: {C15T_INSTALL}")
    if not (C15T / "node_modules" / "@c15t" / "backend" / "package.json").is_file():
        print(f"installing c15t's backend: {C15T_INSTALL}", file=sys.stderr)
        done = subprocess.run([npm, "ci", "--prefix", str(C15T), "--no-audit", "--no-fund"],
                              capture_output=True, text=True, timeout=600)
        if done.returncode != 0:
            raise SystemExit(f"target c15t: its packages are missing and `{C15T_INSTALL}` "
                             f"failed: {done.stderr.strip().splitlines()[-1:]}")
    return node


def c15t_version() -> str:
    """The @c15t/backend version bench/c15t/package.json pins."""
    package = json.loads((C15T / "package.json").read_text(encoding="utf-8"))
    return package["dependencies"]["@c15t/backend"]


def c15t_migrate(env: dict) -> None:
    """c15t's tables, created by its own migrator (bench/c15t/server.mjs migrate)."""
    done = subprocess.run([c15t_node(), "server.mjs", "migrate"], cwd=C15T, env=env,
                          capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        raise SystemExit(f"node bench/c15t/server.mjs migrate failed:\n{done.stderr}")


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
    """Who used the cores meanwhile, as shares of all cores: the server, the database, and
    other processes (a test suite, a browser: they take CPU from the benchmark). wrk's share
    is filled in by the caller, from rusage."""
    ticks = {"server": 0, "database": 0, "wrk": 0, "other": 0}
    for pid, (name, ppid, used) in after.items():
        if pid == os.getpid():
            continue
        if server_pid in (pid, ppid) or name == "nginx":
            group = "server"
        elif name == "postgres":
            group = "database"
        elif name == "wrk":
            group = "wrk"
        else:
            group = "other"
        ticks[group] += used - before.get(pid, (name, ppid, 0))[2]
    scale = os.sysconf("SC_CLK_TCK") * seconds * (os.cpu_count() or 1)
    return {group: value / scale for group, value in ticks.items()}


class Served:
    """A target's server on 127.0.0.1, in its own process group: ours as production runs it,
    nginx in front of `python -m server.serve` (or that alone, `proxy=False`), or the plain
    app under gunicorn, or c15t's backend (`c15t=True`), one Node process. Every access line is
    written, as in production, then dropped."""

    def __init__(self, env: dict, args, log: Path, plain: bool = False, proxy: bool = True,
                 c15t: bool = False):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        self.nginx = None
        self.health = "/healthz"
        if c15t:
            self.start_c15t(env)
            return
        if plain:
            command = [sys.executable, "-m", "gunicorn", "--access-logfile", "-", "--workers",
                       str(args.workers), "--worker-class", "gthread", "--threads",
                       str(args.threads), "--bind", f"127.0.0.1:{self.port}",
                       "--error-logfile", str(log), "--log-level", "warning",
                       "--graceful-timeout", "10", "plain_app:app"]
            self.process = subprocess.Popen(command, cwd=Path(__file__).parent, env=env,
                                            start_new_session=True,
                                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            return
        app_port = self.port
        if proxy:
            # nginx takes the public port and buffers each whole request before the app server
            # sees it: the production configuration, with the app's default bounds.
            self.port = free_port()
            self.url = f"http://127.0.0.1:{self.port}"
            folder = log.with_suffix(".nginx")
            folder.mkdir()
            (folder / "nginx.conf").write_text(nginx_conf(
                folder, f"127.0.0.1:{self.port}", f"127.0.0.1:{app_port}", 4096, 5, args.path),
                encoding="utf-8")
            self.nginx = subprocess.Popen(
                [shutil.which("nginx") or "/usr/sbin/nginx", "-c", str(folder / "nginx.conf"),
                 "-g", "daemon off;"],
                start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        env = {**env, "CONSENT_PROXIES": "1" if proxy else "0", "GRANIAN_HOST": "127.0.0.1",
               "GRANIAN_PORT": str(app_port), "GRANIAN_WORKERS": str(args.workers),
               "GRANIAN_BLOCKING_THREADS": str(args.threads), "GRANIAN_LOG_LEVEL": "warning"}
        with open(log, "a") as errors:
            self.process = subprocess.Popen([sys.executable, "-m", "server.serve"], cwd=ROOT,
                                            env=env, start_new_session=True,
                                            stdout=subprocess.DEVNULL, stderr=errors)

    def start_c15t(self, env: dict) -> None:
        """bench/c15t/server.mjs: c15t has no cluster option, so one process whatever
        --workers says. Its log (it writes none by default) goes to the server log."""
        self.health = C15T_BASE + "/status"
        env = {**env, "PORT": str(self.port), "C15T_ORIGIN": self.url,
               "C15T_BASE_PATH": C15T_BASE}
        with open(self.log, "a") as output:
            self.process = subprocess.Popen([c15t_node(), "server.mjs"], cwd=C15T, env=env,
                                            start_new_session=True, stdout=output,
                                            stderr=output)

    def wait_ready(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                with urllib.request.urlopen(self.url + self.health, timeout=2) as answer:
                    if answer.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.2)
        self.stop()
        raise SystemExit(f"the server did not become healthy; its log:\n{self.tail()}")

    def tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def cpu_seconds(self, table: dict) -> float:
        """CPU time (user + system) of the server's processes (main process and workers,
        nginx's master and worker), from a processes() table."""
        leaders = {self.process.pid} | ({self.nginx.pid} if self.nginx else set())
        ticks = sum(used for pid, (_, ppid, used) in table.items()
                    if pid in leaders or ppid in leaders)
        return ticks / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        """SIGTERM (graceful), SIGKILL to the group if it lingers."""
        if self.nginx is not None and self.nginx.poll() is None:
            self.nginx.terminate()
            self.nginx.wait(timeout=15)
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=5)


def wrk(url: str, origin: str, seconds: int, connections: int, mode: str = "") -> dict:
    """One bounded wrk run; the figures consent_post.lua's done() prints. `mode` "c15t": c15t's
    front-end's body instead of ours."""
    command = [need("wrk", "wrk"), "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s",
               "-s", str(LUA), url, "--", secrets.token_hex(8), origin] + ([mode] if mode else [])
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


def flask_webhook(env: dict) -> None:
    """One webhook endpoint for KPpay: every consent then also queues a message in its
    transaction. Nothing delivers during the run (the deliverer is another process)."""
    done = subprocess.run([sys.executable, "-m", "flask", "--app", "server", "webhooks", "add",
                           "--site", "kppay", "https://hooks.example.invalid/consents"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        raise SystemExit(f"flask --app server webhooks add failed:\n{done.stderr}")


def count_rows(database: str, where: str, table: str = TABLE) -> int:
    if database == "sqlite":
        with closing(sqlite3.connect(where)) as connection:
            return connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    return int(db_ceiling.psql(where, f"SELECT count(*) FROM {table}"))


def pg_transactions(db: str) -> tuple[int, int]:
    """The database's committed and rolled-back transactions so far (pg_stat_database)."""
    found = db_ceiling.psql(db, "SELECT xact_commit || ' ' || xact_rollback FROM pg_stat_database "
                                "WHERE datname = current_database()")
    commits, rollbacks = found.split()
    return int(commits), int(rollbacks)


PLAIN_TABLE = ("CREATE TABLE plain_consents (id bigserial PRIMARY KEY, body jsonb NOT NULL, "
               "received timestamptz NOT NULL DEFAULT now())")


class Target:
    """One server under test: ours on a database, the plain baseline app, or c15t's backend."""

    def __init__(self, name: str, database: str, args, work: Path, dist: Path):
        self.name, self.database, self.loads, self.warm_requests = name, database, [], 0
        self.path, self.mode, self.success = args.path, "", 201
        log = work / f"server-{name}.log"
        env = {**os.environ, "CONSENT_RATE_LIMIT": NO_RATE_LIMIT, "CONSENT_DIST_DIR": str(dist),
               "CONSENT_SECRET": secrets.token_hex(32), "CONSENT_AUTO_MIGRATE": "0"}
        if database == "sqlite":
            self.where = str(work / f"{name}.sqlite3")
            env["DATABASE_URL"] = f"sqlite:///{self.where}"
        else:
            suffix = {"plain": "_plain", "postgresql-hooks": "_hooks",
                      "postgresql-app": "_app", "c15t": "_c15t"}.get(name, "")
            self.where = args.pg_db + suffix
            db_ceiling.psql("postgres", f"DROP DATABASE IF EXISTS {self.where}")
            db_ceiling.psql("postgres", f"CREATE DATABASE {self.where}")
            env["DATABASE_URL"] = PG_URL.format(db=self.where)
        if name == "c15t":
            self.serve_c15t(env, args, log)
        elif name == "plain":
            db_ceiling.psql(self.where, PLAIN_TABLE)
            env["PLAIN_DATABASE_URL"] = f"postgresql://postgres@127.0.0.1:5432/{self.where}"
            self.table = "plain_consents"
            self.server = Served(env, args, log, plain=True)
        else:
            flask_db_upgrade(env)
            if name.endswith("-hooks"):
                flask_webhook(env)
            self.table = TABLE
            self.server = Served(env, args, log, proxy=name != "postgresql-app")
        self.xacts = pg_transactions(self.where) if database == "postgresql" else None

    def serve_c15t(self, env: dict, args, log: Path) -> None:
        """c15t's backend on the scratch database, its tables made by its migrator; loaded on
        POST /subjects, success 200, a row in its `consent` table per consent."""
        env = {**env, "DATABASE_URL": f"postgresql://postgres@127.0.0.1:5432/{self.where}"}
        c15t_migrate(env)
        self.table, self.path, self.mode, self.success = (C15T_TABLE, C15T_BASE + "/subjects",
                                                          "c15t", 200)
        self.server = Served(env, args, log, c15t=True)

    def load(self, args) -> None:
        endpoint = self.server.url + self.path
        self.warm_requests += wrk(endpoint, self.server.url, args.warmup,
                                  args.connections, self.mode)["requests"]
        before = processes()
        result = wrk(endpoint, self.server.url, args.seconds, args.connections, self.mode)
        after = processes()
        result["server_cpu_s"] = self.server.cpu_seconds(after) - self.server.cpu_seconds(before)
        result["other_cpu"] = cpu_shares(before, after, result["duration_us"] / 1e6,
                                         self.server.process.pid)["other"]
        self.loads.append(result)

    def finish(self, args) -> dict:
        """Stop the server; the figures: medians over the rounds, rows, transactions."""
        self.server.stop()
        rows = count_rows(self.database, self.where, self.table)
        posts = self.warm_requests + sum(r["requests"] for r in self.loads)
        created = sum(r["created"] for r in self.loads)
        per_consent = None
        if self.xacts is not None:
            # Read once the workers have exited: backends flush their statistics then.
            time.sleep(1)
            commits, rollbacks = pg_transactions(self.where)
            per_consent = (commits + rollbacks - sum(self.xacts)) / max(rows, 1)
            if not args.keep:
                db_ceiling.psql("postgres", f"DROP DATABASE IF EXISTS {self.where}")
        rates = [r["created"] / (r["duration_us"] / 1e6) for r in self.loads]
        return {"name": self.name, "rate": statistics.median(rates),
                "p50": statistics.median(r["p50_us"] for r in self.loads) / 1000,
                "p99": statistics.median(r["p99_us"] for r in self.loads) / 1000,
                "cpu_ms": statistics.median(1000 * r["server_cpu_s"] / max(r["requests"], 1)
                                            for r in self.loads),
                "errors": sum(r["other"] + r["connect_errors"] + r["read_errors"]
                              + r["write_errors"] + r["timeouts"] for r in self.loads),
                "other_cpu": statistics.median(r["other_cpu"] for r in self.loads),
                "rows": rows, "posts": posts, "created": created, "per_consent": per_consent,
                "success": self.success,
                "sample": next((r["sample"] for r in self.loads if r["other"]), "")}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--targets", default="postgresql,sqlite,plain",
                        help="comma-separated: postgresql, sqlite (ours), plain (the baseline), "
                             "postgresql-hooks, sqlite-hooks (ours, KPpay with one webhook), "
                             "postgresql-app (ours without nginx: what the proxy costs), "
                             "c15t (c15t's self-hosted backend, optional: needs node and npm)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds, targets interleaved")
    parser.add_argument("--seconds", type=int, default=15, help="measured load per round (s)")
    parser.add_argument("--warmup", type=int, default=2, help="unmeasured load first (s)")
    parser.add_argument("--workers", type=int, default=2,
                        help="app server workers, every target (default 2: one per core) "
                             "but c15t, one Node process (it has no cluster option)")
    parser.add_argument("--threads", type=int, default=8,
                        help="threads per worker, every target (granian's blocking threads, "
                             "gunicorn's gthread threads; default 8)")
    parser.add_argument("--connections", type=int, default=16,
                        help="wrk connections kept open (default 16)")
    parser.add_argument("--path", default="/api/v1/consents", help="the consent endpoint")
    parser.add_argument("--pg-db", default="consent_bench",
                        help="scratch PostgreSQL database, created and dropped (default "
                             "consent_bench, and consent_bench_plain for the baseline, "
                             "consent_bench_c15t for c15t)")
    parser.add_argument("--keep", action="store_true", help="keep the PostgreSQL databases")
    args = parser.parse_args(argv)
    args.seconds = max(1, min(args.seconds, 60))
    args.rounds = max(1, min(args.rounds, 10))
    args.warmup = max(1, min(args.warmup, 30))
    names = [t.strip() for t in args.targets.split(",") if t.strip()]
    unknown = set(names) - {"sqlite", "postgresql", "plain", "sqlite-hooks", "postgresql-hooks",
                            "postgresql-app", "c15t"}
    if unknown:
        parser.error(f"unknown target(s): {', '.join(sorted(unknown))}")
    if set(names) - {"plain", "postgresql-app", "c15t"} and not (
            shutil.which("nginx") or Path("/usr/sbin/nginx").is_file()):
        parser.error("ours runs behind nginx, as in production: apt-get install nginx-light")
    # The scratch database is dropped at the end: never one that holds anything else.
    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,50}", args.pg_db) or args.pg_db in (
            "test", "postgres") or args.pg_db.startswith("template"):
        parser.error(f"--pg-db {args.pg_db!r}: give a scratch database name (it is dropped)")
    need("wrk", "wrk")
    if "c15t" in names:
        c15t_node()

    work = Path(tempfile.mkdtemp(prefix="consent-server-bench-"))
    targets: list[Target] = []
    load_before = os.getloadavg()
    try:
        dist = build_dist(work / "dist")
        for name in names:
            database = "sqlite" if name.startswith("sqlite") else "postgresql"
            targets.append(Target(name, database, args, work, dist))
        for target in targets:
            target.server.wait_ready()
        for round_number in range(args.rounds):
            # Alternating targets: a neighbour's test suite slows every target alike.
            for target in targets[round_number % len(targets):] + targets[
                    :round_number % len(targets)]:
                target.load(args)
        load_after = os.getloadavg()
        results = [target.finish(args) for target in targets]
    finally:
        for target in targets:
            target.server.stop()
        shutil.rmtree(work, ignore_errors=True)

    label = {"postgresql": "ours, PostgreSQL", "sqlite": "ours, SQLite",
             "plain": "plain Flask app, PostgreSQL",
             "postgresql-hooks": "ours, PostgreSQL, 1 webhook",
             "postgresql-app": "ours without nginx, PostgreSQL",
             "sqlite-hooks": "ours, SQLite, 1 webhook",
             "c15t": f"c15t {c15t_version()}, 1 Node process, PostgreSQL"}
    baseline = next((r for r in results if r["name"] == "plain"), None)
    print(f"Server benchmark on {os.cpu_count()} cores: {args.workers} workers x {args.threads} "
          "threads for every target (ours: nginx + granian, plain: gunicorn gthread"
          f"{'; c15t: one Node process, pg pool of 10' if 'c15t' in names else ''}), "
          "wrk 2 threads x "
          f"{args.connections} connections,\n{args.rounds} rounds of {args.seconds} s (after "
          f"{args.warmup} s of warm-up each), targets interleaved; medians over the rounds.\n"
          f"Load average before {load_before[0]:.2f}, after {load_after[0]:.2f} (1 min).\n")
    header = ["", "consents/s", "x plain", "p50 ms", "p99 ms", "CPU ms/req",
              "PG xacts/consent", "errors", "rows = 201s", "other CPU"]
    lines = []
    for r in results:
        lines.append([
            label[r["name"]], f"{r['rate']:,.0f}",
            f"{r['rate'] / baseline['rate']:.2f}" if baseline else "-",
            f"{r['p50']:.1f}", f"{r['p99']:.1f}", f"{r['cpu_ms']:.2f}",
            f"{r['per_consent']:.2f}" if r["per_consent"] is not None else "-",
            str(r["errors"]),
            # wrk stops without reading the answers in flight: up to one row per connection
            # per run (warm-ups included) may have no counted answer.
            "yes" if r["created"] <= r["rows"] <= r["posts"] + 2 * args.connections * (
                args.rounds) else f"NO: {r['rows']} rows, {r['created']} {r['success']}s",
            f"{100 * r['other_cpu']:.0f}%"])
        if r["sample"]:
            print(f"first non-{r['success']} answer of {label[r['name']]}: {r['sample']}")
    print(table(header, lines))
    print("\nCPU ms/req: the server's CPU time (its processes, nginx's included, user + system, "
          "/proc) per request.\nPG xacts/consent: committed + rolled-back transactions of the "
          "target's database (pg_stat_database) per row\nstored. rows = 201s: the table holds at "
          "least a row per 201. other CPU: processes outside the benchmark.")
    if "c15t" in names:
        print("c15t answers 200, not 201: its rows are those of its `consent` table, a new "
              "subject per request.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
