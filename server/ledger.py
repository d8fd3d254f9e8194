"""Each site's events in a Merkle log (RFC 6962), whose heads the server signs, so that an event
changed, deleted or slipped in afterwards shows; and a receipt with its proofs.

Off the request path: `flask --app server consents log` (run every few minutes) appends the
events older than SETTLE that the log lacks, in order of server time then id, and signs the new
tree head. `consents verify` recomputes every leaf from the stored events and every head from
the leaves, checks every signature, and names the first event that differs.

Purge and erasure delete events, never leaves: a leaf keeps the event's hash, its id as a keyed
hash (erased_events' key, so an erased event is recognised as such) and its server time (so a
purged one is), and every signed head stays provable from the leaves alone.
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from . import merkle
from .contract import iso, receipt_answer, statement
from .signing import BadSignature, Keyring, canonical, canonical_event
from .store import event_key
from .tables import erased_events, event_ids, events, log_heads, log_leaves

# Events younger than this are left to the next run: a batch that began before the run may
# commit after it (every database wait is bounded by CONSENT_DB_TIMEOUT, at most 30 s).
SETTLE = timedelta(seconds=60)
PAGE = 5000


def payload(row: dict) -> bytes:
    """The bytes a receipt signs and a leaf hashes: the event as RFC 8785 JSON."""
    return canonical_event(statement(row))


def leaf(row: dict) -> bytes:
    return merkle.leaf_hash(payload(row))


def _events_of(connection, site: str, since: datetime | None = None,
               until: datetime | None = None) -> Iterator[dict]:
    """One site's events in log order (server time, id), a page at a time (keyset paging)."""
    after = None
    while True:
        query = sa.select(events).where(events.c.site == site)
        if since is not None:
            query = query.where(events.c.server_time >= since)
        if until is not None:
            query = query.where(events.c.server_time <= until)
        if after is not None:
            query = query.where(sa.tuple_(events.c.server_time, events.c.id) > after)
        page = connection.execute(query.order_by(events.c.server_time, events.c.id)
                                  .limit(PAGE)).mappings().all()
        yield from (dict(r) for r in page)
        if len(page) < PAGE:
            return
        after = (page[-1]["server_time"], page[-1]["id"])


def _leaves_of(connection, site: str) -> Iterator[dict]:
    """One site's leaves by position, a page at a time."""
    after = -1
    while True:
        page = connection.execute(
            sa.select(log_leaves).where(log_leaves.c.site == site, log_leaves.c.position > after)
            .order_by(log_leaves.c.position).limit(PAGE)).mappings().all()
        yield from page
        if len(page) < PAGE:
            return
        after = page[-1]["position"]


def _lock(connection, site: str) -> None:
    """One log job per site at a time, whichever machine runs it."""
    if connection.dialect.name == "postgresql":
        connection.execute(sa.text("SELECT pg_advisory_xact_lock(hashtext(:name))"),
                           {"name": f"consent_log:{site}"})
    else:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def _last_head(connection, site: str):
    return connection.execute(sa.select(log_heads).where(log_heads.c.site == site)
                              .order_by(log_heads.c.tree_size.desc()).limit(1)).mappings().first()


def head_statement(site: str, size: int, root: bytes, at: datetime) -> dict:
    """What a signed tree head says (RFC 6962's size, root hash, time; and whose log)."""
    return {"site": site, "tree_size": size, "root_hash": root.hex(), "timestamp": iso(at)}


def append(engine: Engine, keyring: Keyring, site: str, erased_key: bytes,
           now: datetime | None = None) -> tuple[int, int]:
    """Append the site's settled events the log lacks and sign the new head, in one
    transaction: (leaves added, tree size)."""
    now = now or datetime.now(UTC)
    with engine.begin() as connection:
        _lock(connection, site)
        last = _last_head(connection, site)
        frontier = (merkle.Frontier(last["tree_size"],
                                    [bytes.fromhex(h) for h in json.loads(last["frontier"])])
                    if last else merkle.Frontier())
        newest = connection.execute(sa.select(sa.func.max(log_leaves.c.server_time))
                                    .where(log_leaves.c.site == site)).scalar()
        since = None
        known: set[str] = set()
        if newest is not None:
            # Look back one SETTLE before the newest leaf: an event that committed late.
            since = _aware(newest) - SETTLE
            known = set(connection.execute(sa.select(log_leaves.c.event_key).where(
                log_leaves.c.site == site, log_leaves.c.server_time >= since)).scalars())
        added, rows = 0, []
        for row in _events_of(connection, site, since, now - SETTLE):
            key = event_key(row["event_id"], erased_key)
            if key in known:
                continue
            hashed = leaf(row)
            rows.append({"site": site, "position": frontier.size, "event_key": key,
                         "server_time": row["server_time"], "leaf_hash": hashed.hex()})
            frontier.append(hashed)
            added += 1
            if len(rows) >= 1000:
                connection.execute(log_leaves.insert(), rows)
                rows = []
        if rows:
            connection.execute(log_leaves.insert(), rows)
        if added:
            root = frontier.root()
            head = keyring.sign(canonical(head_statement(site, frontier.size, root, now)))
            connection.execute(log_heads.insert(), {
                "site": site, "tree_size": frontier.size, "root_hash": root.hex(),
                "signed_at": now, "frontier": json.dumps([r.hex() for r in frontier.roots]),
                "head": head})
    return added, frontier.size


def _aware(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


@dataclass
class Report:
    """What `verify` found: problems (first one first) and counts."""

    site: str
    problems: list[str] = field(default_factory=list)
    leaves: int = 0
    heads: int = 0
    purged: int = 0
    erased: int = 0
    pending: int = 0
    signatures: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems


def verify(engine: Engine, keyring: Keyring, site: str, erased_key: bytes, kept_from: datetime,
           signatures: bool = True, kept_heads: list[str] = ()) -> Report:
    """Recompute the site's log from its stored events and check it against every signed head.

    `kept_from`: the retention cutoff; a missing event older than it was purged. `signatures`:
    also check each event's own JWS (receipt) against the published keys. `kept_heads`: signed
    heads (JWS) an auditor kept, checked as well as the database's own.
    """
    report = Report(site)
    problem = report.problems.append
    with engine.connect() as connection:
        heads = [dict(h) for h in connection.execute(
            sa.select(log_heads).where(log_heads.c.site == site)).mappings()]
        for head in heads:
            _check_head(keyring, site, head, problem)
        heads += [h for h in (_kept(keyring, site, token, problem) for token in kept_heads) if h]
        heads.sort(key=lambda h: h["tree_size"])
        report.heads = len(heads)
        erased = set(connection.execute(sa.select(erased_events.c.event_key)).scalars())

        def check(row: dict) -> None:
            if signatures and row["signature"] is not None:
                report.signatures += 1
                _check_signature(keyring, row, problem)

        window = _Window(_events_of(connection, site), erased_key, check)
        frontier, missing = merkle.Frontier(), []
        pending_heads = list(heads)
        newest = None
        for entry in _leaves_of(connection, site):
            position = entry["position"]
            if position != frontier.size:
                problem(f"the log has no leaf at position {frontier.size} (next is {position})")
                break
            logged = bytes.fromhex(entry["leaf_hash"])
            moment = _aware(entry["server_time"])
            newest = moment if newest is None else max(newest, moment)
            window.take(moment)
            found = window.pop(entry["event_key"])
            if found is not None:
                if found[0] != logged:
                    problem(f"event {found[1]} (log position {position}) differs from the "
                            "event that was logged")
            elif entry["event_key"] in erased:
                report.erased += 1
            elif moment < kept_from:
                report.purged += 1
            else:
                missing.append(entry)
            # No later leaf is older than this by more than SETTLE (the job's look-back):
            # an event older than that which no leaf named was slipped in afterwards.
            for _, event_id, at in window.unmatched_before(newest - SETTLE):
                problem(f"event {event_id} (server time {iso(at)}) is not in the log: added "
                        "after its time was logged")
            frontier.append(logged)
            while pending_heads and pending_heads[0]["tree_size"] == frontier.size:
                head = pending_heads.pop(0)
                if frontier.root().hex() != head["root_hash"]:
                    problem(f"the head signed at {iso(head['signed_at'])} for "
                            f"{head['tree_size']} events does not match the log's leaves")
        report.leaves = frontier.size
        for head in pending_heads:
            problem(f"the head signed at {iso(head['signed_at'])} covers {head['tree_size']} "
                    f"events; the log holds {frontier.size}")
        if missing:
            named = _names_of(connection, [m["event_key"] for m in missing], erased_key)
            for entry in missing:
                who = named.get(entry["event_key"], "whose id is gone too")
                problem(f"event {who} (log position {entry['position']}, server time "
                        f"{iso(entry['server_time'])}) is missing: deleted, not purged nor "
                        "erased")
        # Events the log lacks: recent ones wait for the next run; older ones were slipped in.
        for _, event_id, at in window.rest():
            if newest is not None and at < newest - SETTLE:
                problem(f"event {event_id} (server time {iso(at)}) is not in the log: "
                        "added after its time was logged")
            else:
                report.pending += 1
    return report


class _Window:
    """The site's events, read in log order alongside the leaves and held only while a leaf
    may still name them: verify's memory is the events of one SETTLE, not the whole site."""

    def __init__(self, rows: Iterator[dict], erased_key: bytes, check):
        self.rows, self.erased_key, self.check = rows, erased_key, check
        self.next: dict | None = next(rows, None)
        self.held: dict[str, tuple[bytes, str, datetime]] = {}
        self.order: deque[tuple[datetime, str]] = deque()

    def take(self, until: datetime | None) -> None:
        """Read every event up to `until` (None: all)."""
        while self.next is not None:
            at = _aware(self.next["server_time"])
            if until is not None and at > until:
                return
            row, self.next = self.next, next(self.rows, None)
            self.check(row)
            key = event_key(row["event_id"], self.erased_key)
            self.held[key] = (leaf(row), row["event_id"], at)
            self.order.append((at, key))

    def pop(self, key: str):
        return self.held.pop(key, None)

    def unmatched_before(self, moment: datetime) -> Iterator[tuple[bytes, str, datetime]]:
        while self.order and self.order[0][0] < moment:
            _, key = self.order.popleft()
            found = self.held.pop(key, None)
            if found is not None:
                yield found

    def rest(self) -> Iterator[tuple[bytes, str, datetime]]:
        self.take(None)
        yield from self.held.values()


def _check_head(keyring: Keyring, site: str, head, problem) -> None:
    try:
        _, body = keyring.verify(head["head"])
        said = json.loads(body)
    except (BadSignature, ValueError) as exc:
        problem(f"the head of {head['tree_size']} events signed at {iso(head['signed_at'])}: "
                f"{exc}")
        return
    expected = head_statement(site, head["tree_size"], bytes.fromhex(head["root_hash"]),
                              _aware(head["signed_at"]))
    if said != expected:
        problem(f"the head of {head['tree_size']} events signed at {iso(head['signed_at'])} "
                "says something else than its row")


def _kept(keyring: Keyring, site: str, token: str, problem) -> dict | None:
    """A head kept outside the database, as a row of consent_log_heads."""
    try:
        _, body = keyring.verify(token.strip())
        said = json.loads(body)
        if said["site"] != site:
            problem(f"a kept head is of site {said['site']!r}, not {site!r}")
            return None
        return {"tree_size": said["tree_size"], "root_hash": said["root_hash"],
                "signed_at": datetime.fromisoformat(said["timestamp"].replace("Z", "+00:00")),
                "head": token}
    except (BadSignature, ValueError, KeyError, TypeError) as exc:
        problem(f"a kept head does not verify: {exc}")
        return None


def _check_signature(keyring: Keyring, row: dict, problem) -> None:
    try:
        _, body = keyring.verify(row["signature"])
    except BadSignature as exc:
        problem(f"event {row['event_id']}: its receipt's signature: {exc}")
        return
    if body != payload(row):
        problem(f"event {row['event_id']} differs from what its receipt signed")


def _names_of(connection, keys: list[str], erased_key: bytes) -> dict[str, str]:
    """The ids of missing events, where consent_event_ids still holds them (a row deleted by
    hand leaves its id there)."""
    wanted, named = set(keys), {}
    for event_id in connection.execute(sa.select(event_ids.c.event_id)).scalars():
        key = event_key(event_id, erased_key)
        if key in wanted:
            named[key] = event_id
    return named


def inclusion(engine: Engine, row: dict, erased_key: bytes) -> dict | None:
    """The event's inclusion proof in the site's latest signed head, or None if not yet
    logged: position, tree size, audit path (hex, leaf's sibling first), the signed head."""
    key = event_key(row["event_id"], erased_key)
    with engine.connect() as connection:
        position = connection.execute(sa.select(log_leaves.c.position).where(
            log_leaves.c.site == row["site"], log_leaves.c.server_time == row["server_time"],
            log_leaves.c.event_key == key)).scalar()
        head = _last_head(connection, row["site"])
        if position is None or head is None:
            return None
        hashes = [bytes.fromhex(h) for h in connection.execute(
            sa.select(log_leaves.c.leaf_hash).where(
                log_leaves.c.site == row["site"], log_leaves.c.position < head["tree_size"])
            .order_by(log_leaves.c.position)).scalars()]
    return {"log_index": position, "tree_size": head["tree_size"],
            "leaf_hash": hashes[position].hex(),
            "audit_path": [h.hex() for h in merkle.inclusion_proof(position, hashes)],
            "signed_head": head["head"]}


def receipt_of(row: dict, keyring: Keyring, engine: Engine | None = None,
               erased_key: bytes | None = None) -> dict:
    """A stored event's signed receipt and whether it verifies (for the proof document):
    {"receipt", "verified", "kid", "problem", "inclusion"}. With `engine` and `erased_key`,
    the inclusion proof in the site's log too (None until the log job has appended it)."""
    answer = {"receipt": receipt_answer(row), "verified": False, "kid": None, "problem": None,
              "inclusion": None}
    if row.get("signature") is None:
        answer["problem"] = "recorded before receipts were signed"
    else:
        try:
            answer["kid"], body = keyring.verify(row["signature"])
            if body != payload(row):
                answer["problem"] = "the record differs from what its receipt signed"
            else:
                answer["verified"] = True
        except BadSignature as exc:
            answer["problem"] = str(exc)
    if engine is not None and erased_key is not None:
        answer["inclusion"] = inclusion(engine, row, erased_key)
    return answer
