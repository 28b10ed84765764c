"""Deadline clocks at scale: the periodic due check and the recount after ``calendar.updated``.

    python -m bench.clocks                       # 1,000,000 open clocks
    python -m bench.clocks --clocks 100000       # a quick try
    python -m bench.clocks --on 2026-11-25       # the due check on another day

Generates N open clocks (seeded, so every run has the same data), with due dates counted on the
calendar the ``chinesecalendar`` package knows (2026 announced, 2027 provisional), and loads them into
a SQLite file with tracking's schema. Then it measures, each in a fresh process so peak memory is
comparable:

- the due check: ``alarms.clocks_due_by(on)`` (an indexed range of running clocks due within 14 days
  or overdue; a breached clock has had its red card), then the card of each row as ``raise_alarms`` decides it with
  ``clocks.alarm_due``; against loading every clock from the same file into plain Python objects and
  deciding the card of each in a loop;
- the recount after the 2027 notice: ``calendar_updates.on_calendar_updated`` and its bookmarks
  (``calendar.recount_continued``), a chunk a transaction as the service runs it (indexed
  selection of the clocks that reach into 2027, each distinct (start, days) counted once, bulk update,
  ledger, events); against loading every clock and calling ``add_working_days`` for each, no memo and
  no index.

Both sides of each pair must find the same clocks: the same (clock, card) pairs, and the same changed
clocks with the same new due dates (read back from the database after the update). Peak memory is
the growth of the process's peak RSS during the work: its high-water mark after the work less the
mark once the imports and the setup are done. The mark is ``VmHWM`` from ``/proc/self/status``, not
``getrusage``'s ``ru_maxrss``: Linux carries ``ru_maxrss`` over fork and exec, so a child would start
with the peak of the parent that generated the data.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import tracemalloc
import uuid
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import func
from sqlalchemy.dialects.sqlite.base import SQLiteDialect as sqlite_dialect
from sqlmodel import select

from services.tracking.alarms import ALARM_CHUNK, ALARM_HORIZON_DAYS, clocks_due_by, raise_alarms
from services.tracking.calendar_updates import RECOUNT_CHUNK, on_calendar_updated, on_recount_continued
from services.tracking.clocks import WINDOWS, alarm_due
from services.tracking.config import TrackingSettings
from services.tracking.db import SCHEMA, TABLES, Clock
from services.tracking.handlers import OPEN_STATES
from services.tracking.projection import project
from shared.calendar_data import announced_years, default_calendar
from shared.calendar_store import LiveCalendar, seed_calendar, store_year
from shared.codes import Channel, ClockKind, ClockState
from shared.db import Database
from shared.events import CalendarRecountContinued, CalendarUpdated, new_event
from shared.outbox import OutboxMessage
from shared.runtime import ServiceRuntime
from shared.workdays import Calendar, DueDate, WorkingCalendar, YearCalendar

ROOT = Path(__file__).resolve().parents[1]

CHECK_DAY = date(2026, 1, 14)
"""The default day of the due check, a Wednesday: early in the data's span, so most clocks are due
later and the due check reads a few percent of them, as it would on a live system."""

YEAR = 2027


def _days(first: str, last: str | None = None) -> set[date]:
    start = date.fromisoformat(first)
    end = date.fromisoformat(last or first)
    return {start + timedelta(days=i) for i in range((end - start).days + 1)}


NOTICE_2027 = YearCalendar(
    year=YEAR,
    holidays=frozenset(
        _days("2027-01-01", "2027-01-03")  # New Year: Friday to Sunday
        | _days("2027-02-06", "2027-02-12")  # Spring Festival
        | _days("2027-04-03", "2027-04-05")  # Qingming
        | _days("2027-05-01", "2027-05-05")  # Labour Day
        | _days("2027-06-09")  # Dragon Boat
        | _days("2027-09-15")  # Mid-Autumn
        | _days("2027-10-01", "2027-10-07")  # National Day
    ),
    extra_workdays=frozenset(
        _days("2027-01-31")
        | _days("2027-02-20")
        | _days("2027-04-25")
        | _days("2027-05-08")
        | _days("2027-09-26")
        | _days("2027-10-09")
    ),
    status="announced",
    source="国务院办公厅关于2027年部分节假日安排的通知（基准测试，虚构）",
)
"""A plausible 2027 notice, invented for the benchmark: the real one is not published yet."""


# --- the data ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ClockType:
    kind: ClockKind
    channel: Channel
    working_days: int
    counted_from: str
    weight: int


CLOCK_TYPES = (
    ClockType(ClockKind.REPLY, Channel.DISCLOSURE_REQUEST, 20, "收到申请", 25),
    ClockType(ClockKind.REPLY, Channel.MAILBOX, 5, "转办", 30),
    ClockType(ClockKind.SUPPLEMENT_WINDOW, Channel.DISCLOSURE_REQUEST, 7, "收到申请", 10),
    ClockType(ClockKind.RETURN_WINDOW, Channel.MAILBOX, 2, "转办", 25),
    ClockType(ClockKind.THIRD_PARTY, Channel.DISCLOSURE_REQUEST, 15, "征求第三方意见", 10),
)

CLOCK_COLUMNS = (
    "id",
    "case_id",
    "kind",
    "channel",
    "start_date",
    "working_days",
    "counted_from",
    "due_date",
    "provisional",
    "state",
    "extension_days",
    "paused_on",
    "paused_days",
)
FIRST_DAY = date(2026, 1, 1)
SHARE_STARTING_IN_2027 = 0.01
"""The rest start in 2026; those in 2027 start in January or February."""


def generate(n: int, seed: int) -> Iterator[tuple[Any, ...]]:
    """``n`` open clocks as rows of ``CLOCK_COLUMNS``, the same for the same seed.

    Disclosure reply clocks are sometimes extended (20 working days) or were paused for a third party
    (1-15 working days not counted); some are paused now. Reply and third-party clocks are sometimes
    breached already. Due dates and provisional flags are counted on the package's calendar.
    """
    rng = random.Random(seed)
    calendar = default_calendar()
    counted: dict[tuple[date, int], DueDate] = {}
    types = rng.choices(CLOCK_TYPES, weights=[t.weight for t in CLOCK_TYPES], k=n)
    for i, clock in enumerate(types, start=1):
        if rng.random() < SHARE_STARTING_IN_2027:
            start = date(YEAR, 1, 1) + timedelta(days=rng.randrange(59))
        else:
            start = FIRST_DAY + timedelta(days=rng.randrange(365))
        extension = paused_days = 0
        paused_on: date | None = None
        state = ClockState.RUNNING
        if clock.kind is ClockKind.REPLY and clock.channel is Channel.DISCLOSURE_REQUEST:
            if rng.random() < 0.10:
                extension = 20
            if rng.random() < 0.08:
                paused_days = rng.randint(1, 15)
            if rng.random() < 0.06:
                state, paused_on = ClockState.PAUSED, start + timedelta(days=rng.randint(1, 20))
        if state is ClockState.RUNNING and clock.kind not in WINDOWS and rng.random() < 0.04:
            state = ClockState.BREACHED
        key = (start, clock.working_days + extension + paused_days)
        due = counted.get(key)
        if due is None:
            due = counted[key] = calendar.add_working_days(*key)
        yield (
            i,
            str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            clock.kind.value,
            clock.channel.value,
            start.isoformat(),
            clock.working_days,
            clock.counted_from,
            due.due_date.isoformat(),
            due.provisional,
            state.value,
            extension,
            paused_on.isoformat() if paused_on else None,
            paused_days,
        )


def sqlite_url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path}"


async def create_schema(path: Path) -> None:
    """Tracking's tables and indexes, and the calendar years the package knows (2004-2026)."""
    database = Database(sqlite_url(path), TABLES)
    try:
        await database.create_schema()
        async with database.transaction() as session:
            await seed_calendar(session)
    finally:
        await database.dispose()


@dataclass(frozen=True, slots=True)
class Loaded:
    seconds: float
    megabytes: float


def load(path: Path, n: int, seed: int) -> Loaded:
    """The schema through `Database`, then the rows through the sqlite3 module in chunks."""
    started = time.perf_counter()
    asyncio.run(create_schema(path))
    placeholders = ", ".join("?" for _ in CLOCK_COLUMNS)
    statement = f"INSERT INTO tracking_clock ({', '.join(CLOCK_COLUMNS)}) VALUES ({placeholders})"  # noqa: S608
    rows = generate(n, seed)
    with closing(sqlite3.connect(path)) as db:
        db.execute("PRAGMA synchronous=OFF")  # a benchmark's scratch file: no need to survive a crash
        db.execute("PRAGMA cache_size=-262144")
        with db:
            while chunk := [row for _, row in zip(range(50_000), rows, strict=False)]:
                db.executemany(statement, chunk)
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return Loaded(time.perf_counter() - started, path.stat().st_size / 2**20)


@dataclass(frozen=True, slots=True)
class Shape:
    """What the two operations have to find in the data."""

    clocks: int
    due_check_rows: int
    reaching: int


def shape(path: Path, on: date) -> Shape:
    open_states = ", ".join(f"'{s}'" for s in OPEN_STATES)
    with closing(sqlite3.connect(path)) as db:
        (clocks,) = db.execute("SELECT count(*) FROM tracking_clock").fetchone()
        (due_check_rows,) = db.execute(
            "SELECT count(*) FROM tracking_clock WHERE state = ? AND due_date <= ?",
            (
                ClockState.RUNNING.value,
                (on + timedelta(days=ALARM_HORIZON_DAYS)).isoformat(),
            ),
        ).fetchone()
        (reaching,) = db.execute(
            f"SELECT count(*) FROM tracking_clock WHERE state IN ({open_states}) "  # noqa: S608
            "AND due_date >= ? AND start_date <= ?",
            (date(YEAR, 1, 1).isoformat(), date(YEAR, 12, 31).isoformat()),
        ).fetchone()
    return Shape(clocks, due_check_rows, reaching)


# --- one measured operation, in its own process -------------------------------------------------


@dataclass(frozen=True, slots=True)
class PlainClock:
    """A clock as the baseline holds it in memory."""

    id: int
    kind: str
    state: str
    start: date
    days: int
    """Working days counted: the period, the extension and the paused days."""
    due_date: date
    provisional: bool


def load_plain(path: Path) -> list[PlainClock]:
    """Every clock in the file as a plain object: what a scan without the database has to hold."""
    fromisoformat = date.fromisoformat
    with closing(sqlite3.connect(path)) as db:
        rows = db.execute(
            "SELECT id, kind, state, start_date, working_days + extension_days + paused_days, "
            "due_date, provisional FROM tracking_clock"
        )
        return [
            PlainClock(id_, kind, state, fromisoformat(start), days, fromisoformat(due), bool(provisional))
            for id_, kind, state, start, days, due, provisional in rows
        ]


def card(calendar: Calendar, kind: str, state: str, due: date, on: date) -> str | None:
    """The card ``raise_alarms`` sends for a running or breached clock: `alarm_due`'s verdict, no yellow
    card for a clock that is red already, and a window that ran out lapses instead."""
    verdict = alarm_due(calendar, due, on)
    if verdict is None or (verdict == "warning" and state == ClockState.BREACHED):
        return None
    if verdict == "breached" and kind in WINDOWS:
        return "lapsed"
    return verdict


def peak_rss_kib() -> int:
    """This process's peak resident set size (KiB) since it was exec'd."""
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:  # not Linux: ru_maxrss, which a child may inherit from its parent
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    (line,) = (line for line in status.splitlines() if line.startswith("VmHWM:"))
    return int(line.split()[1])


@dataclass
class Meter:
    """Wall time, and growth of the peak RSS, of the work between `start` and `stop`."""

    python_peak: bool = False
    phases: dict[str, float] = field(default_factory=dict)
    _started: float = 0.0
    _lap: float = 0.0
    _rss: int = 0

    def start(self) -> None:
        self._rss = peak_rss_kib()
        if self.python_peak:
            tracemalloc.start()
        self._started = self._lap = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.phases[name] = now - self._lap
        self._lap = now

    def stop(self) -> dict[str, Any]:
        seconds = time.perf_counter() - self._started
        rss_kb = peak_rss_kib() - self._rss
        python_mb = None
        if self.python_peak:
            python_mb = tracemalloc.get_traced_memory()[1] / 2**20
            tracemalloc.stop()
        return {"seconds": seconds, "phases": self.phases, "rss_mb": rss_kb / 1024, "python_mb": python_mb}


async def due_check_ours(path: Path, on: date, meter: Meter) -> tuple[dict[str, Any], list[list[Any]]]:
    database = Database(sqlite_url(path), TABLES)
    calendar = LiveCalendar()
    meter.start()
    async with database.session() as session:
        await calendar.refresh(session)
        clocks = (await session.exec(clocks_due_by(on))).all()
        meter.lap("query and rows")
        cards = [
            [clock.id, verdict]
            for clock in clocks
            if (verdict := card(calendar, clock.kind, clock.state, clock.due_date, on)) is not None
        ]
        meter.lap("cards")
    measured = meter.stop()
    await database.dispose()
    return measured | {"rows": len(clocks)}, cards


def due_check_baseline(path: Path, on: date, meter: Meter) -> tuple[dict[str, Any], list[list[Any]]]:
    calendar = default_calendar()
    meter.start()
    clocks = load_plain(path)
    meter.lap("load")
    due_states = (ClockState.RUNNING.value,)
    cards = [
        [clock.id, verdict]
        for clock in clocks
        if clock.state in due_states
        and (verdict := card(calendar, clock.kind, clock.state, clock.due_date, on)) is not None
    ]
    meter.lap("scan")
    measured = meter.stop()
    # Not part of the measure: the same loop with the horizon checked before alarm_due, which
    # otherwise counts working days up to every due date, however far.
    started = time.perf_counter()
    horizon = on + timedelta(days=ALARM_HORIZON_DAYS)
    horizon_first = [
        [clock.id, verdict]
        for clock in clocks
        if clock.state in due_states
        and clock.due_date <= horizon
        and (verdict := card(calendar, clock.kind, clock.state, clock.due_date, on)) is not None
    ]
    measured["phases"]["scan, horizon first"] = time.perf_counter() - started
    assert horizon_first == cards
    return measured | {"rows": len(clocks)}, cards


def due_check_floor(path: Path, on: date, meter: Meter) -> tuple[dict[str, Any], list[list[Any]]]:
    """The honest floor of the read half: the same indexed query as ours (compiled from
    `clocks_due_by`, the same range on ``ix_tracking_clock_due``) through the bare ``sqlite3`` module,
    rows as tuples, and the same card for each."""
    calendar = default_calendar()
    table = Clock.__table__  # type: ignore[attr-defined]
    query = clocks_due_by(on).with_only_columns(table.c.id, table.c.kind, table.c.state, table.c.due_date)
    compiled = query.compile(dialect=sqlite_dialect(), compile_kwargs={"literal_binds": True})
    meter.start()
    with closing(sqlite3.connect(path)) as db:
        rows = db.execute(str(compiled)).fetchall()
    meter.lap("query and rows")
    cards = [
        [clock_id, verdict]
        for clock_id, kind, state, due in rows
        if (verdict := card(calendar, kind, state, date.fromisoformat(due), on)) is not None
    ]
    meter.lap("cards")
    return meter.stop() | {"rows": len(rows)}, cards


async def due_check_writes(path: Path, on: date, meter: Meter) -> tuple[dict[str, Any], list[list[Any]]]:
    """The due check as the service runs it, writes included (`raise_alarms`: the clocks read for
    update 500 at a time, each card's row, its event in the outbox, the clock marked breached or a
    window stopped), on a copy of the file; no broker is started, the events stay in the outbox."""
    settings = TrackingSettings(database_url=sqlite_url(path))
    calendar = LiveCalendar()
    runtime = ServiceRuntime(settings, SCHEMA, projector=partial(project, calendar=calendar))
    await runtime.database.create_schema()
    meter.start()
    cards = await raise_alarms(runtime, calendar, on=on)
    measured = meter.stop()
    async with runtime.database.session() as session:
        events = (await session.exec(select(func.count()).select_from(OutboxMessage))).one()
    await runtime.database.dispose()
    return measured | {"cards": cards, "events": events}, []


async def recount_ours(path: Path, meter: Meter) -> tuple[dict[str, Any], list[list[Any]]]:
    database = Database(sqlite_url(path), TABLES)
    calendar = LiveCalendar()
    async with database.transaction() as session:
        await store_year(session, NOTICE_2027)
    payload = CalendarUpdated(
        year=YEAR,
        holidays=tuple(sorted(NOTICE_2027.holidays)),
        extra_workdays=tuple(sorted(NOTICE_2027.extra_workdays)),
        status="announced",
    )
    envelope = new_event(payload, source="/bench")
    emitted, chunks, longest = 0, 0, 0.0
    bookmark: CalendarRecountContinued | None = None
    meter.start()
    while True:  # as the service does: each chunk its own transaction, the bookmark carrying it on
        began = time.perf_counter()
        async with database.transaction() as session:
            if bookmark is None:
                found = await on_calendar_updated(session, envelope, payload, calendar=calendar)
            else:
                found = await on_recount_continued(session, envelope, bookmark, calendar=calendar)
        longest, chunks = max(longest, time.perf_counter() - began), chunks + 1
        bookmark = next((e for e in found if isinstance(e, CalendarRecountContinued)), None)
        emitted += sum(1 for e in found if not isinstance(e, CalendarRecountContinued))
        if bookmark is None:
            break
    measured = meter.stop()
    await database.dispose()
    # what changed is read back from the file
    return measured | {"emitted": emitted, "chunks": chunks, "longest_ms": round(longest * 1000, 1)}, []


def recount_baseline(path: Path, meter: Meter) -> tuple[dict[str, Any], list[list[Any]]]:
    calendar = WorkingCalendar([*announced_years(), NOTICE_2027])
    meter.start()
    clocks = load_plain(path)
    meter.lap("load")
    changed: list[list[Any]] = []
    for clock in clocks:
        if clock.state in OPEN_STATES:
            due = calendar.add_working_days(clock.start, clock.days)
            if due.due_date != clock.due_date or due.provisional != clock.provisional:
                changed.append([clock.id, due.due_date.isoformat(), due.provisional])
    meter.lap("scan")
    return meter.stop() | {"rows": len(clocks)}, changed


OPERATIONS = (
    "due-check-ours",
    "due-check-baseline",
    "due-check-floor",
    "due-check-writes",
    "recount-ours",
    "recount-baseline",
)


def run_one(name: str, path: Path, on: date, out: Path, python_peak: bool) -> None:
    """Measure one operation in this process; the numbers go to stdout, what it found to ``out``."""
    meter = Meter(python_peak)
    if name == "due-check-ours":
        measured, found = asyncio.run(due_check_ours(path, on, meter))
    elif name == "due-check-baseline":
        measured, found = due_check_baseline(path, on, meter)
    elif name == "due-check-floor":
        measured, found = due_check_floor(path, on, meter)
    elif name == "due-check-writes":
        measured, found = asyncio.run(due_check_writes(path, on, meter))
    elif name == "recount-ours":
        measured, found = asyncio.run(recount_ours(path, meter))
    elif name == "recount-baseline":
        measured, found = recount_baseline(path, meter)
    else:
        raise ValueError(f"unknown operation {name}")
    out.write_text(json.dumps(found))
    print(json.dumps(measured))


# --- the comparison ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Measured:
    seconds: float
    rss_mb: float
    python_mb: float | None
    phases: dict[str, float]
    counts: dict[str, int]
    found: set[tuple[Any, ...]]


def measure(name: str, path: Path, on: date, work: Path, python_peak: bool) -> Measured:
    out = work / f"{name}.json"
    command = [sys.executable, "-m", "bench.clocks", "--one", name, "--db", str(path), "--on", on.isoformat()]
    command += ["--out", str(out)] + (["--tracemalloc"] if python_peak else [])
    done = subprocess.run(command, cwd=ROOT, check=True, capture_output=True, text=True)
    numbers = json.loads(done.stdout.splitlines()[-1])
    return Measured(
        seconds=numbers.pop("seconds"),
        rss_mb=numbers.pop("rss_mb"),
        python_mb=numbers.pop("python_mb"),
        phases=numbers.pop("phases"),
        counts=numbers,
        found={tuple(row) for row in json.loads(out.read_text())},
    )


def changed_in_file(seeded: Path, updated: Path) -> tuple[set[tuple[Any, ...]], int, int]:
    """The clocks whose due date or provisional flag differs after the update (id, new due date,
    provisional), how many of them have a new due date, and the ledger rows the update wrote."""
    with closing(sqlite3.connect(updated)) as db:
        db.execute("ATTACH DATABASE ? AS seeded", (str(seeded),))
        rows = db.execute(
            "SELECT n.id, n.due_date, n.provisional, o.due_date FROM tracking_clock n "
            "JOIN seeded.tracking_clock o ON o.id = n.id "
            "WHERE n.due_date != o.due_date OR n.provisional != o.provisional"
        ).fetchall()
        (ledger,) = db.execute(
            "SELECT count(*) FROM tracking_clock_ledger WHERE cause = 'calendar.updated'"
        ).fetchone()
    changed = {(id_, due, bool(provisional)) for id_, due, provisional, _ in rows}
    return changed, sum(1 for _, due, _, old in rows if due != old), ledger


def row(name: str, ours: Measured, base: Measured, python_peak: bool) -> str:
    line = (
        f"{name:<30}{ours.seconds:>9.2f}{ours.rss_mb:>10.1f}{base.seconds:>11.2f}{base.rss_mb:>10.1f}"
        f"{base.seconds / ours.seconds:>10.1f}×{base.rss_mb / max(ours.rss_mb, 0.1):>9.1f}×"
    )
    if python_peak and ours.python_mb is not None and base.python_mb is not None:
        line += f"{ours.python_mb:>10.1f}{base.python_mb:>10.1f}"
    return line


def percent(part: int, whole: int) -> str:
    return f"{part:,} ({100 * part / whole:.1f}%)"


def main_bench(n: int, seed: int, on: date, python_peak: bool) -> None:
    with tempfile.TemporaryDirectory(prefix="civic-bench-clocks-") as tmp:
        work = Path(tmp)
        seeded = work / "seeded.sqlite"
        loaded = load(seeded, n, seed)
        data = shape(seeded, on)
        print(
            f"generated and loaded {data.clocks:,} open clocks (seed {seed}) in {loaded.seconds:.1f} s, "
            f"{loaded.megabytes:.0f} MB of SQLite (not part of any measure)"
        )
        print(f"due check on {on}: {percent(data.due_check_rows, n)} running clocks in range")
        print(f"2027 notice: {percent(data.reaching, n)} open clocks reach into 2027")

        due_ours = measure("due-check-ours", seeded, on, work, python_peak)
        due_base = measure("due-check-baseline", seeded, on, work, python_peak)
        due_floor = measure("due-check-floor", seeded, on, work, python_peak)
        assert due_ours.found == due_base.found == due_floor.found, "the due checks found different cards"
        assert due_ours.counts["rows"] == due_floor.counts["rows"] == data.due_check_rows
        written = work / "due-check-writes.sqlite"
        shutil.copyfile(seeded, written)
        due_writes = measure("due-check-writes", written, on, work, python_peak)
        carded = sum(1 for _, verdict in due_ours.found if verdict != "lapsed")
        assert due_writes.counts["cards"] == carded, "the due check with its writes sent other cards"
        assert due_writes.counts["events"] == len(due_ours.found), "one event per card or lapse"

        recounts: dict[str, Measured] = {}
        for name in ("recount-ours", "recount-baseline"):
            copy = work / f"{name}.sqlite"
            shutil.copyfile(seeded, copy)
            recounts[name] = measure(name, copy, on, work, python_peak)
        recount_ours_, recount_base = recounts["recount-ours"], recounts["recount-baseline"]
        changed, moved, ledger = changed_in_file(seeded, work / "recount-ours.sqlite")
        assert changed == recount_base.found, "the recounts changed different clocks"
        assert ledger == recount_ours_.counts["emitted"] == len(changed)

    kinds: dict[str, int] = {}
    for _, verdict in due_ours.found:
        kinds[verdict] = kinds.get(verdict, 0) + 1
    print(f"cards: {', '.join(f'{k} {v:,}' for k, v in sorted(kinds.items()))} — the same on both sides")
    print(
        f"recount: {percent(len(changed), n)} clocks changed, {percent(moved, n)} with a new due date "
        "— the same on both sides"
    )
    print()
    header = (
        f"{'':<30}{'ours s':>9}{'peak MB':>10}{'baseline s':>11}{'peak MB':>10}{'speed-up':>11}{'memory':>10}"
    )
    if python_peak:
        header += f"{'py MB':>10}{'py MB':>10}"
    print(f"N={n:,} open clocks")
    print()
    print(header)
    print(row("due check", due_ours, due_base, python_peak))
    print(row("due check, floor as baseline", due_ours, due_floor, python_peak))
    print(row("recount after 2027 notice", recount_ours_, recount_base, python_peak))
    print()
    print(
        f"recount: {recount_ours_.counts['chunks']:,} chunks of up to {RECOUNT_CHUNK:,} open clocks, each its "
        f"own transaction; the longest held the writer {recount_ours_.counts['longest_ms']:,.0f} ms"
    )
    print(
        f"due check with its writes (raise_alarms): {due_writes.seconds:.2f} s for "
        f"{due_writes.counts['events']:,} cards and lapses, each with its event in the outbox "
        f"({due_writes.seconds - due_ours.seconds:.2f} s more than the read half); peak "
        f"{due_writes.rss_mb:.1f} MB; {ALARM_CHUNK} clocks a transaction: "
        f"{1000 * due_writes.seconds / max(1, -(-data.due_check_rows // ALARM_CHUNK)):,.0f} ms each on average"
    )
    for name, measured in (
        ("ours due check", due_ours),
        ("floor due check (bare sqlite3, same query)", due_floor),
        ("baseline due check", due_base),
        ("baseline recount", recount_base),
    ):
        phases = ", ".join(f"{phase} {seconds:.2f} s" for phase, seconds in measured.phases.items())
        print(f"{name}: {phases}")
    print(
        "speed-up and memory: baseline ÷ ours. peak MB: growth of the process's peak RSS during the work "
        "(VmHWM; each measure in a fresh process)"
        + ("; py MB: tracemalloc peak (slows the work: timings are not comparable)" if python_peak else "")
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--clocks", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--on", type=date.fromisoformat, default=CHECK_DAY, help="the day of the due check")
    parser.add_argument(
        "--tracemalloc", action="store_true", help="also report the peak of Python allocations (slower)"
    )
    parser.add_argument("--one", choices=OPERATIONS, help=argparse.SUPPRESS)
    parser.add_argument("--db", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        run_one(args.one, args.db, args.on, args.out, args.tracemalloc)
    else:
        main_bench(args.clocks, args.seed, args.on, args.tracemalloc)


if __name__ == "__main__":
    main()
