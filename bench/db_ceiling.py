"""Each database's own single-row insert rate: the ceiling the consent endpoint is compared with.

- PostgreSQL: `pgbench` running a one-line INSERT into a scratch table (with a unique key, as
  the consent table has on event_id), as many clients as the server has request threads.
- SQLite: a Python sqlite3 loop of single-row inserts, each committed, with the server's
  pragmas (WAL, synchronous=FULL): SQLite has one writer at a time, so one loop is its ceiling.
"""

from __future__ import annotations

import re
import sqlite3
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

from report import percentile

SCRATCH = "bench_insert_ceiling"
SCRATCH_DDL = (f"CREATE TABLE {SCRATCH} (id bigserial PRIMARY KEY, event_id text NOT NULL "
               "UNIQUE, choices text NOT NULL, server_time timestamptz NOT NULL DEFAULT now())")
# One line: a fresh 32-hex id per row, a payload the size of a consent's choices.
PGBENCH_SCRIPT = (f"INSERT INTO {SCRATCH} (event_id, choices) VALUES "
                  "(md5(random()::text || clock_timestamp()::text), "
                  "'{\"essential\":true,\"performance\":false,\"functionality\":true,"
                  "\"targeting\":false,\"social\":false}');\n")
# The same pragmas as server/db.py gives every SQLite connection.
SQLITE_PRAGMAS = ("PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL", "PRAGMA foreign_keys=ON")


def psql(db: str, sql: str, host: str = "127.0.0.1", user: str = "postgres") -> str:
    done = subprocess.run(["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-h", host,
                           "-U", user, "-d", db, "-c", sql],
                          capture_output=True, text=True, timeout=60)
    if done.returncode != 0:
        raise SystemExit(f"psql -d {db} -c {sql!r} failed: {done.stderr.strip()}")
    return done.stdout.strip()


def pgbench(db: str, clients: int, seconds: int) -> dict:
    """Inserts per second and mean latency of pgbench's one-line INSERT script."""
    psql(db, f"DROP TABLE IF EXISTS {SCRATCH}; {SCRATCH_DDL}")
    try:
        with tempfile.NamedTemporaryFile("w", suffix=".sql", prefix="bench-insert-") as script:
            script.write(PGBENCH_SCRIPT)
            script.flush()
            command = ["pgbench", "-n", "-f", script.name, "-T", str(seconds), "-c", str(clients),
                       "-j", str(min(clients, 2)), "-h", "127.0.0.1", "-U", "postgres", db]
            done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60)
        if done.returncode != 0:
            raise SystemExit(f"{' '.join(command)} failed:\n{done.stderr.strip()}")
        tps = re.search(r"tps = ([\d.]+) \(without initial connection time\)", done.stdout)
        latency = re.search(r"latency average = ([\d.]+) ms", done.stdout)
        rows = int(psql(db, f"SELECT count(*) FROM {SCRATCH}"))
    finally:
        psql(db, f"DROP TABLE IF EXISTS {SCRATCH}")
    return {"command": " ".join(command[:3] + ["<script>"] + command[4:]),
            "rate": float(tps.group(1)), "mean_ms": float(latency.group(1)), "rows": rows}


def sqlite_loop(folder: Path, seconds: float, limit: int = 200_000) -> dict:
    """Committed single-row inserts per second from one connection, and their latencies."""
    path = folder / "ceiling.sqlite3"
    connection = sqlite3.connect(path, timeout=30, isolation_level=None)
    try:
        for pragma in SQLITE_PRAGMAS:
            connection.execute(pragma)
        connection.execute("CREATE TABLE ceiling (id INTEGER PRIMARY KEY, event_id TEXT NOT NULL "
                           "UNIQUE, choices TEXT NOT NULL, server_time TEXT NOT NULL)")
        choices = ('{"essential":true,"performance":false,"functionality":true,'
                   '"targeting":false,"social":false}')
        latencies = []
        start = time.perf_counter()
        stop = start + seconds
        while len(latencies) < limit:
            began = time.perf_counter()
            if began >= stop:
                break
            connection.execute("BEGIN")
            connection.execute("INSERT INTO ceiling (event_id, choices, server_time) VALUES "
                               "(?, ?, datetime('now'))", (uuid.uuid4().hex, choices))
            connection.execute("COMMIT")
            latencies.append(time.perf_counter() - began)
        elapsed = time.perf_counter() - start
        rows = connection.execute("SELECT count(*) FROM ceiling").fetchone()[0]
    finally:
        connection.close()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    return {"rate": len(latencies) / elapsed, "rows": rows,
            "p50_ms": percentile(latencies, 50) * 1000, "p99_ms": percentile(latencies, 99) * 1000}
