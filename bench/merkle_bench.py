"""What the signed receipts and the Merkle log cost: per consent on the POST (canonical JSON and
an Ed25519 signature), per consent in the log job (off the request path), bytes kept per
consent, and how long `consents verify` takes for a site of N events (1 million by default).

    .venv/bin/python bench/merkle_bench.py                          # SQLite, 1,000,000 events
    .venv/bin/python bench/merkle_bench.py --events 100000 --databases sqlite,postgresql

The events are written straight into the table (as server_helpers.write_rows does), each with
its real signature, spread over the last 30 days; then the log job appends them all (one run,
the worst case: a first run over a full table) and `verify` runs twice, with and without
checking every receipt's signature. Peak memory is the process's.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from report import table  # noqa: E402

from server import create_app, ledger, merkle  # noqa: E402
from server.contract import receipt  # noqa: E402
from server.tables import events, log_leaves  # noqa: E402

PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
CATEGORIES = ("essential", "performance", "functionality", "targeting", "social")


def row(now: datetime, i: int, key: bytes) -> dict:
    made = {
        "event_id": uuid.uuid4().hex, "consent_id": uuid.uuid4().hex, "site": "kppay",
        "revision": 1, "action": "custom",
        "choices": {c: c == "essential" or (i >> n) & 1 == 1 for n, c in enumerate(CATEGORIES)},
        "language": "fr", "page_url": "https://www.kppay.tg/fr/paiement/marchands",
        "gpc": False, "client_time": now - timedelta(seconds=1),
        "user_agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
                      "Chrome/131.0 Safari/537.36",
        "ip_pseudonym": uuid.uuid4().hex, "server_time": now}
    made["receipt"] = receipt(made, key)
    return made


def per_call(fn, count: int) -> float:
    start = time.perf_counter()
    for _ in range(count):
        fn()
    return (time.perf_counter() - start) / count * 1e6


def request_path(app) -> list[list[str]]:
    """The POST's share, µs: what consents.create adds for the signature."""
    signer = app.extensions["consent_signing"]
    sample = row(datetime.now(UTC), 5, b"k" * 32)
    body = ledger.payload(sample)
    count = 20000
    jcs = per_call(lambda: ledger.payload(sample), count)
    sign = per_call(lambda: signer.sign(body), count)
    verify_one = per_call(lambda: signer.verify(signer.sign(body)), count // 4) - sign
    leaf = per_call(lambda: merkle.leaf_hash(body), count)
    frontier = merkle.Frontier()
    hashed = merkle.leaf_hash(body)
    append = per_call(lambda: frontier.append(hashed), count)
    return [["the event as RFC 8785 JSON, times formatted (POST)", f"{jcs:.1f}"],
            ["Ed25519 sign, compact JWS (POST)", f"{sign:.1f}"],
            ["Ed25519 verify of one receipt (verify)", f"{verify_one:.1f}"],
            ["leaf hash (log job)", f"{leaf:.2f}"],
            ["append to the tree's frontier (log job)", f"{append:.2f}"]]


def fill(app, count: int) -> float:
    """`count` signed events of the last 30 days; seconds taken."""
    engine = app.extensions["consent_engine"]
    signer = app.extensions["consent_signing"]
    key = app.extensions["consent_keys"]["receipt"]
    start = time.perf_counter()
    first = datetime.now(UTC) - timedelta(days=30)
    step = timedelta(days=29) / count
    batch = []
    from server.store import add_months

    with engine.begin() as connection:
        add_months(connection, first, 2)
    for i in range(count):
        made = row(first + step * i, i, key)
        made["signature"] = signer.sign(ledger.payload(made))
        batch.append(made)
        if len(batch) == 10000 or i == count - 1:
            with engine.begin() as connection:
                connection.execute(events.insert(), batch)
            batch = []
            print(f"\r  written {i + 1}/{count}", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    return time.perf_counter() - start


def leaves_bytes(engine) -> float | None:
    """Bytes the log keeps per event (table and index), where the database says."""
    with engine.connect() as connection:
        count = connection.execute(sa.select(sa.func.count()).select_from(log_leaves)).scalar()
        if engine.dialect.name == "postgresql":
            size = connection.execute(sa.text(
                "SELECT pg_total_relation_size('consent_log_leaves')")).scalar()
        else:
            try:
                size = connection.execute(sa.text(
                    "SELECT sum(pgsize) FROM dbstat WHERE name LIKE '%consent_log_leaves%'")
                ).scalar()
            except sa.exc.OperationalError:
                return None
    return size / count if count else None


def run(kind: str, count: int, folder: Path) -> list[list[str]]:
    from tests.conftest import postgres_schema

    def measure(url: str) -> list[list[str]]:
        app = create_app({"TESTING": True, "CONSENT_INSTANCE_PATH": str(folder / kind),
                          "DATABASE_URL": url, "CONSENT_AUTO_MIGRATE": True})
        engine = app.extensions["consent_engine"]
        signer, keys = app.extensions["consent_signing"], app.extensions["consent_keys"]
        print(f"{kind}: writing {count} signed events", file=sys.stderr)
        written = fill(app, count)
        start = time.perf_counter()
        added, size = ledger.append(engine, signer, "kppay", keys["erased"])
        logged = time.perf_counter() - start
        assert added == count, (added, count)
        figures = [[f"{kind}: write {count} signed events (setup)", f"{written:.1f} s"],
                   [f"{kind}: log job, first run over all of them", f"{logged:.1f} s "
                    f"({logged / count * 1e6:.0f} µs per consent)"]]
        per_event = leaves_bytes(engine)
        if per_event:
            figures.append([f"{kind}: the log's bytes per consent (leaf row and index)",
                            f"{per_event:.0f}"])
        kept_from = datetime.now(UTC) - timedelta(days=3650)
        for signatures in (False, True):
            start = time.perf_counter()
            report = ledger.verify(engine, signer, "kppay", keys["erased"], kept_from,
                                   signatures)
            took = time.perf_counter() - start
            assert report.ok and report.leaves == count, report.problems[:3]
            what = "with every receipt's signature" if signatures else "tree and heads only"
            figures.append([f"{kind}: verify {count} events, {what}",
                            f"{took:.1f} s ({took / count * 1e6:.0f} µs per event)"])
        engine.dispose()
        return figures

    if kind == "sqlite":
        return measure(f"sqlite:///{folder}/bench.sqlite3")
    with postgres_schema() as url:
        return measure(url)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--databases", default="sqlite", help="sqlite,postgresql")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        app = create_app({"TESTING": True, "CONSENT_INSTANCE_PATH": str(folder / "keys"),
                          "DATABASE_URL": f"sqlite:///{folder}/micro.sqlite3",
                          "CONSENT_AUTO_MIGRATE": True})
        print(table(["per consent", "µs"], request_path(app)))
        rows = []
        for kind in args.databases.split(","):
            rows += run(kind, args.events, folder)
        rows.append(["peak memory of this process",
                     f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB"])
        print(table(["the log at scale", "figure"], rows))


if __name__ == "__main__":
    main()
