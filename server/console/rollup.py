"""Daily roll-ups of consent events, kept up to date by a watermark job, and the dashboard's
figures read from them plus the few events not rolled up yet.

The job (`flask --app server consents rollup`, from cron every minute) counts the events with
`rolled_until <= server_time < now - SETTLE` into the roll-up tables and moves `rolled_until`
forward, in one transaction per chunk. An event is counted once: its server time is set before
its insert, and every insert transaction ends well within SETTLE (the database's own timeouts
bound it), so no event can still appear behind the mark. The consent endpoint is untouched.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import OperationalError

from ..tables import ACTIONS, events
from .tables import daily, daily_categories, rollup_state

MARK = "events"
# Longer than any insert transaction can last (CONSENT_DB_TIMEOUT is 30 s at most) plus clock
# differences between the app's machines.
SETTLE = timedelta(minutes=2)
# At most one day of events per transaction: short locks, bounded statements.
CHUNK = timedelta(days=1)

_DAY = {
    "postgresql": "CAST(e.server_time AT TIME ZONE 'UTC' AS date)",
    # SQLite keeps UTC times as text: the date is their first ten characters.
    "sqlite": "date(e.server_time)",
}
_CHOICES = {
    "postgresql": ("jsonb_each_text(e.choices) AS c", "c.value = 'true'"),
    "sqlite": ("json_each(e.choices) AS c", "c.value = 1"),
}


def _times(statement: sa.TextClause, *names: str) -> sa.TextClause:
    # Typed, so that SQLite compares them in the text form SQLAlchemy stores (not sqlite3's).
    return statement.bindparams(*(sa.bindparam(n, type_=sa.DateTime(timezone=True))
                                  for n in names))


def _rollup_statements(dialect: str) -> tuple[sa.TextClause, sa.TextClause]:
    day = _DAY[dialect]
    each, granted = _CHOICES[dialect]
    counts = sa.text(f"""
        INSERT INTO console_daily (site, day, action, revision, language, gpc, events)
        SELECT e.site, {day}, e.action, e.revision, e.language, e.gpc, count(*)
        FROM consent_events AS e
        WHERE e.server_time >= :start AND e.server_time < :end
        GROUP BY e.site, {day}, e.action, e.revision, e.language, e.gpc
        ON CONFLICT (site, day, action, revision, language, gpc)
        DO UPDATE SET events = console_daily.events + excluded.events""")
    categories = sa.text(f"""
        INSERT INTO console_daily_categories (site, day, category, decided, granted)
        SELECT e.site, {day}, c.key, count(*), sum(CASE WHEN {granted} THEN 1 ELSE 0 END)
        FROM consent_events AS e, {each}
        WHERE e.server_time >= :start AND e.server_time < :end
        GROUP BY e.site, {day}, c.key
        ON CONFLICT (site, day, category)
        DO UPDATE SET decided = console_daily_categories.decided + excluded.decided,
                      granted = console_daily_categories.granted + excluded.granted""")
    return _times(counts, "start", "end"), _times(categories, "start", "end")


def _utc(moment: datetime | None) -> datetime | None:
    # SQLite hands back what was written, in UTC, without the zone.
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment


def mark(connection: Connection, lock: bool = False) -> datetime | None:
    """Every event before this time is in the roll-ups; None before the first run.

    lock: hold the mark's row for this transaction, or fail at once if another run holds it
    (PostgreSQL; SQLite has one writer at a time anyway)."""
    query = sa.select(rollup_state.c.rolled_until).where(rollup_state.c.name == MARK)
    if lock:
        query = query.with_for_update(nowait=True)
    return _utc(connection.execute(query).scalar())


def _start(connection: Connection, cutoff: datetime) -> None:
    """The first run starts at the oldest event (or at the cutoff when there is none)."""
    oldest = _utc(connection.execute(sa.select(sa.func.min(events.c.server_time))).scalar())
    start = min(oldest, cutoff) if oldest else cutoff
    connection.execute(_times(sa.text(
        "INSERT INTO console_rollup (name, rolled_until) VALUES (:name, :start) "
        "ON CONFLICT (name) DO NOTHING"), "start"), {"name": MARK, "start": start})


def advance(engine: Engine, now: datetime | None = None, chunks: int | None = None) -> int:
    """Roll up the settled events after the mark, `chunks` transactions at most (None: all).

    Returns how many events were counted. Another run advancing at the same time makes this
    one stop (it never counts an event twice).
    """
    cutoff = (now or datetime.now(UTC)) - SETTLE
    counts, categories = _rollup_statements(engine.dialect.name)
    counted, done = 0, 0
    while chunks is None or done < chunks:
        try:
            with engine.begin() as connection:
                start = mark(connection, lock=True)
                if start is None:
                    _start(connection, cutoff)
                    continue
                if start >= cutoff:
                    break
                # Jump over days without events (a quiet site, or the first run's past).
                first = _utc(connection.execute(sa.select(sa.func.min(events.c.server_time))
                                                .where(events.c.server_time >= start)).scalar())
                end = cutoff if first is None or first >= cutoff else min(cutoff, first + CHUNK)
                # The mark moves first: a concurrent run either waits for this row and then
                # finds it moved (no row updated), or fails on its lock timeout.
                moved = connection.execute(
                    rollup_state.update()
                    .where(rollup_state.c.name == MARK, rollup_state.c.rolled_until == start)
                    .values(rolled_until=end)).rowcount
                if not moved:
                    break
                window, found = {"start": start, "end": end}, 0
                if first is not None and first < end:
                    found = connection.execute(
                        sa.select(sa.func.count()).select_from(events).where(
                            events.c.server_time >= start, events.c.server_time < end)).scalar()
                    connection.execute(counts, window)
                    connection.execute(categories, window)
            # Committed: only now are these events counted.
            counted += found
        except OperationalError:
            # Another run holds the mark (lock timeout, SQLite busy): it does the work.
            break
        done += 1
    return counted


@dataclass
class Figures:
    """What the dashboard shows for one site over a range of UTC days."""

    days: list[date]
    categories: list[str]
    actions: dict[date, Counter] = field(default_factory=dict)
    decided: dict[date, Counter] = field(default_factory=dict)
    granted: dict[date, Counter] = field(default_factory=dict)
    languages: Counter = field(default_factory=Counter)
    revisions: Counter = field(default_factory=Counter)
    gpc: Counter = field(default_factory=Counter)
    rolled_until: datetime | None = None
    tail: int = 0

    @property
    def totals(self) -> Counter:
        total: Counter = Counter()
        for per_day in self.actions.values():
            total.update(per_day)
        return total

    @property
    def events(self) -> int:
        return sum(self.totals.values())

    def rate(self, day: date, category: str) -> float | None:
        decided = self.decided[day][category]
        return self.granted[day][category] / decided if decided else None

    def category_rate(self, category: str) -> float | None:
        decided = sum(self.decided[d][category] for d in self.days)
        granted = sum(self.granted[d][category] for d in self.days)
        return granted / decided if decided else None


def figures(engine: Engine, site: str, first: date, last: date,
            categories: list[str]) -> Figures:
    """The roll-ups of days first..last (UTC, inclusive), plus the events after the mark."""
    found = Figures(days=[first + timedelta(days=n) for n in range((last - first).days + 1)],
                    categories=list(categories))
    for day in found.days:
        found.actions[day], found.decided[day], found.granted[day] = (Counter(), Counter(),
                                                                      Counter())
    start = datetime.combine(first, datetime.min.time(), UTC)
    end = datetime.combine(last + timedelta(days=1), datetime.min.time(), UTC)
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            # One snapshot: a roll-up committed meanwhile must not be counted twice.
            connection = connection.execution_options(isolation_level="REPEATABLE READ")
        with connection.begin():
            rolled = mark(connection)
            found.rolled_until = rolled
            for row in connection.execute(sa.select(daily).where(
                    daily.c.site == site, daily.c.day >= first, daily.c.day <= last)):
                _count(found, row.day, row.action, row.revision, row.language, row.gpc,
                       row.events)
            for row in connection.execute(sa.select(daily_categories).where(
                    daily_categories.c.site == site, daily_categories.c.day >= first,
                    daily_categories.c.day <= last)):
                _category(found, row.category)
                found.decided[row.day][row.category] += row.decided
                found.granted[row.day][row.category] += row.granted
            tail = sa.select(events.c.server_time, events.c.action, events.c.revision,
                             events.c.language, events.c.gpc, events.c.choices).where(
                events.c.site == site, events.c.server_time >= max(start, rolled or start),
                events.c.server_time < end)
            for row in connection.execute(tail):
                day = _utc(row.server_time).date()
                _count(found, day, row.action, row.revision, row.language, row.gpc, 1)
                for category, value in row.choices.items():
                    _category(found, category)
                    found.decided[day][category] += 1
                    found.granted[day][category] += bool(value)
                found.tail += 1
    return found


def _category(found: Figures, category: str) -> None:
    # A category of an older revision, no longer in the manifest, is still shown.
    if category not in found.categories:
        found.categories.append(category)


def _count(found: Figures, day: date, action: str, revision: int, language: str, gpc: bool,
           number: int) -> None:
    found.actions[day][action] += number
    found.languages[language] += number
    found.revisions[revision] += number
    found.gpc[bool(gpc)] += number


__all__ = ["ACTIONS", "Figures", "advance", "figures", "mark", "SETTLE"]

