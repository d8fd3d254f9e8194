"""The console's dashboard at volume: seed N consent events (10 million by default) into a
scratch PostgreSQL schema, build the daily roll-ups, then time the dashboard page.

    .venv/bin/python bench/console_bench.py [--events 10000000] [--views 50]

Prints the seeding and roll-up times, the dashboard's p50 and p99 (30 days, the default view,
and 365 days), and beside them the same 30 days counted straight from the events (what every
view would cost without roll-ups), with the ratio. The schema is dropped at the end. Figures,
not a test: see the closing note of issue 11 for a run on this machine.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BASE = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
# One year of events ending 10 minutes ago; shares roughly as a French bank site sees them.
SEED = """
INSERT INTO consent_events (event_id, consent_id, site, revision, choices, action, language,
    page_url, user_agent, ip_pseudonym, gpc, client_time, server_time, receipt)
SELECT md5('e' || i), md5('c' || (i / 2)), 'kppay', CASE WHEN i % 10 < 7 THEN 2 ELSE 1 END,
    jsonb_build_object('essential', true, 'performance', r < 0.62 OR (r > 0.90 AND r < 0.95),
        'functionality', r < 0.62 OR (r > 0.90 AND r < 0.97), 'targeting', r < 0.55,
        'social', r < 0.60),
    CASE WHEN r < 0.55 THEN 'accept_all' WHEN r < 0.90 THEN 'refuse_all'
         WHEN r < 0.985 THEN 'custom' ELSE 'withdraw' END,
    CASE WHEN i % 100 < 78 THEN 'fr' ELSE 'en' END,
    'https://www.kppay.tg/', 'bench', '00000000000000000000000000000000', i % 100 < 4,
    NULL, :end - (i::double precision / :n) * interval '365 days', 'bench'
FROM (SELECT i, random() AS r FROM generate_series(:first, :last) AS i) AS s
"""
RAW_30_DAYS = """
SELECT action, language, revision, gpc, count(*) FROM consent_events
WHERE site = 'kppay' AND server_time >= :start GROUP BY 1, 2, 3, 4
"""


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--views", type=int, default=50)
    parser.add_argument("--database", default=BASE, help="a PostgreSQL URL (a scratch schema "
                        "is made in it and dropped after)")
    args = parser.parse_args()

    from server import create_app
    from server.console import accounts, rollup
    from server.console.cli import JOB_TIMEOUT
    from server.db import make_engine
    from server.store import add_months
    from server.tables import events

    schema = f"console_bench_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(args.database)
    with admin.begin() as connection:
        connection.execute(sa.text(f"CREATE SCHEMA {schema}"))
    url = f"{args.database}?options=-csearch_path%3D{schema}"
    instance = tempfile.mkdtemp(prefix="console-bench-")
    try:
        app = create_app({"CONSENT_DIST_DIR": str(ROOT / "dist"), "CONSENT_INSTANCE_PATH": instance,
                          "DATABASE_URL": url, "CONSENT_AUTO_MIGRATE": True})
        engine = app.extensions["consent_engine"]
        seeder = sa.create_engine(url)
        end = datetime.now(UTC) - timedelta(minutes=10)
        began = time.perf_counter()
        # A bulk load: the indexes and the ids' key are built once at the end, not row by row;
        # the year's monthly partitions are made first.
        with seeder.begin() as connection:
            add_months(connection, end - timedelta(days=366), 14)
            connection.execute(sa.text("ALTER TABLE consent_event_ids "
                                       "DROP CONSTRAINT consent_event_ids_pkey"))
            for index in events.indexes:
                connection.execute(sa.text(f"DROP INDEX {index.name}"))
        step = 1_000_000
        for first in range(1, args.events + 1, step):
            last = min(args.events, first + step - 1)
            with seeder.begin() as connection:
                connection.execute(sa.text(SEED), {"first": first, "last": last,
                                                   "n": args.events, "end": end})
            print(f"seeded {last:,} events ({time.perf_counter() - began:.0f} s)", flush=True)
        with seeder.begin() as connection:
            connection.execute(sa.text("INSERT INTO consent_event_ids (event_id) "
                                       "SELECT event_id FROM consent_events"))
            connection.execute(sa.text("ALTER TABLE consent_event_ids ADD CONSTRAINT "
                                       "consent_event_ids_pkey PRIMARY KEY (event_id)"))
            for index in events.indexes:
                index.create(connection)
            connection.execute(sa.text("ANALYZE consent_events"))
        print(f"event ids and indexes built ({time.perf_counter() - began:.0f} s)")
        seeded = time.perf_counter() - began

        began = time.perf_counter()
        # What `consents rollup` does, with the job's own bound on statements.
        job = make_engine(url, timeout=JOB_TIMEOUT)
        counted = rollup.advance(job)
        job.dispose()
        rolled = time.perf_counter() - began
        with engine.connect() as connection:
            rows = connection.execute(sa.text("SELECT count(*) FROM console_daily")).scalar()
        print(f"rolled up {counted:,} events into {rows:,} daily rows in {rolled:.1f} s")

        accounts.add(engine, "bench@kppay.tg", "bench password 123", ["kppay"])
        client = app.test_client()
        page = client.get("/admin/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        client.post("/admin/login", data={"email": "bench@kppay.tg",
                                          "password": "bench password 123",
                                          "csrf_token": token})
        today = datetime.now(UTC).date()
        results = {}
        for label, query in (("30 days (default)", ""),
                             ("365 days", f"?from={today - timedelta(days=364)}&to={today}")):
            times = []
            for _ in range(args.views):
                began = time.perf_counter()
                response = client.get(f"/admin/kppay/{query}")
                times.append(time.perf_counter() - began)
                assert response.status_code == 200, response.status_code
            results[label] = times
        raw = []
        with seeder.connect() as connection:
            for _ in range(5):
                began = time.perf_counter()
                connection.execute(sa.text(RAW_30_DAYS),
                                   {"start": datetime.now(UTC) - timedelta(days=30)}).all()
                raw.append(time.perf_counter() - began)
        seeder.dispose()
        engine.dispose()

        print(f"\nseeding {args.events:,} events: {seeded:.0f} s; roll-up from empty: "
              f"{rolled:.1f} s")
        print(f"{'dashboard view':24} {'p50':>9} {'p99':>9}   ({args.views} views each)")
        for label, times in results.items():
            print(f"{label:24} {1000 * statistics.median(times):7.1f} ms "
                  f"{1000 * percentile(times, 99):7.1f} ms")
        p50 = statistics.median(results["30 days (default)"])
        print(f"{'raw GROUP BY, 30 days':24} {1000 * statistics.median(raw):7.1f} ms "
              f"{1000 * max(raw):7.1f} ms   (5 runs; counts only, no categories)")
        print(f"ratio raw / dashboard (30 days, p50): {statistics.median(raw) / p50:.1f}x")
    finally:
        with admin.begin() as connection:
            connection.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


if __name__ == "__main__":
    main()
