"""In-process measurements: queries and latency through Django's test client, the business-hours
arithmetic, and the deadline sweep with the plan of its query.
"""

import json
import statistics
import timeit
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from time import perf_counter

import holidays
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from escalations.business_hours import WorkCalendar, add_business_hours
from escalations.deadlines import sweep_review_deadlines
from escalations.models import Escalation
from notifications.models import Notification


@dataclass(frozen=True)
class Endpoint:
    key: str
    label: str
    method: str
    path: str  # "{id}" is filled per request: a case id, or an escalation id
    actor: str  # see fixtures.Actors.headers
    expect: int = 200
    body: dict | None = None
    pool: str | None = None  # "cases" or "escalations": each request uses up one fresh row

    def body_json(self) -> str | None:
        return json.dumps(self.body) if self.body is not None else None


@dataclass
class InProcess:
    queries: int
    median_ms: float
    p95_ms: float
    requests: int
    slowest_sql: str = ""
    slowest_sql_ms: float = 0.0
    sql: list = field(default_factory=list)


def meta(headers: dict) -> dict:
    """HTTP headers as the test client takes them (WSGI environ keys)."""
    return {"HTTP_" + name.upper().replace("-", "_"): value for name, value in headers.items()}


def call(client: Client, endpoint: Endpoint, headers: dict, target=None):
    path = endpoint.path.replace("{id}", str(target)) if target is not None else endpoint.path
    if endpoint.method == "GET":
        return client.get(path, **meta(headers))
    return client.post(path, data=endpoint.body_json(), content_type="application/json", **meta(headers))


def in_process(endpoint: Endpoint, headers: dict, *, requests: int, targets=None, warmup: int = 3) -> InProcess:
    """Queries of one request, then median and p95 latency of ``requests`` more (after ``warmup``).

    ``targets`` gives a fresh id for each request (warm-up and counted one included); for a GET
    with "{id}" it holds one id, reused.
    """
    client = Client(HTTP_HOST="127.0.0.1")
    supply = iter(targets) if targets is not None else None

    def next_target():
        if supply is None:
            return None
        if endpoint.pool is None:
            return targets[0]
        return next(supply)

    def checked(response):
        if response.status_code != endpoint.expect:
            raise RuntimeError(
                f"{endpoint.label}: {response.status_code}, expected {endpoint.expect}: {response.content[:300]!r}"
            )
        return response

    for _ in range(warmup):
        checked(call(client, endpoint, headers, next_target()))
    with CaptureQueriesContext(connection) as captured:
        checked(call(client, endpoint, headers, next_target()))
    # Copied now: captured_queries reads the connection's log, which every request clears.
    queries = list(captured.captured_queries)
    timings = []
    for _ in range(requests):
        target = next_target()
        started = perf_counter()
        response = call(client, endpoint, headers, target)
        timings.append((perf_counter() - started) * 1000)
        checked(response)
    timings.sort()
    slowest = max(queries, key=lambda q: float(q["time"]), default={"sql": "", "time": "0"})
    return InProcess(
        queries=len(queries),
        median_ms=statistics.median(timings),
        p95_ms=timings[min(len(timings) - 1, round(0.95 * (len(timings) - 1)))],
        requests=requests,
        slowest_sql=slowest["sql"],
        slowest_sql_ms=float(slowest["time"]) * 1000,
        sql=[(round(float(q["time"]) * 1000, 2), q["sql"][:400]) for q in queries],
    )


def repeated(endpoint: Endpoint, headers: dict, *, repeat: int, requests: int, targets=None) -> dict:
    """``in_process`` ``repeat`` times: the median of each run's p50 and p95, with their spread.

    ``targets`` is a list of ids (one per run, for the POSTs that use up a fresh row each request:
    a callable giving a fresh list) or None.
    """
    from bench.report import combine

    runs = []
    for _ in range(repeat):
        supply = targets() if callable(targets) else targets
        runs.append(in_process(endpoint, headers, requests=requests, targets=supply))
    out = combine([{"median_ms": r.median_ms, "p95_ms": r.p95_ms} for r in runs], ("median_ms", "p95_ms"))
    first = runs[0]
    out.update(
        queries=max(r.queries for r in runs),
        requests=requests,
        slowest_sql=first.slowest_sql,
        slowest_sql_ms=first.slowest_sql_ms,
        sql=first.sql,
    )
    return out


def profile(endpoint: Endpoint, headers: dict, *, requests: int, targets=None, limit: int = 30) -> str:
    """cProfile of ``requests`` in-process requests: the functions where the time goes, by own time."""
    import cProfile
    import io
    import pstats

    client = Client(HTTP_HOST="127.0.0.1")
    target = targets[0] if targets else None
    call(client, endpoint, headers, target)
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(requests):
        call(client, endpoint, headers, target)
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("tottime").print_stats(limit)
    stats.sort_stats("cumulative").print_stats(limit)
    return out.getvalue()


def explain(query: str, *, analyze: bool = True) -> str:
    """EXPLAIN (ANALYZE, BUFFERS) of one captured query, inside a transaction that is rolled back."""
    if not query.lstrip().upper().startswith("SELECT"):
        return ""
    options = "ANALYZE, BUFFERS" if analyze else "COSTS"
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(f"EXPLAIN ({options}) {query}")
                plan = "\n".join(row[0] for row in cursor.fetchall())
            transaction.set_rollback(True)
    except Exception as error:  # noqa: BLE001 - a plan we cannot get is reported, never fatal
        return f"(no plan: {error})"
    return plan


# --- Business hours ---------------------------------------------------------------------------


def business_hours(repeat: int = 5) -> dict:
    """Microseconds per add_business_hours call, for 4- and 400-hour spans, on two calendars.

    Each figure is the best of ``repeat`` rounds over 64 start instants spread across a year
    (every weekday and hour, DST changes included), with the review deadline's own argument
    type (a timedelta, as escalations.services passes it).
    """
    years = range(2025, 2029)
    calendars = {
        "default (Mon-Fri 09-17 UTC)": WorkCalendar(),
        "Berlin, German holidays": WorkCalendar(
            timezone="Europe/Berlin",
            holidays=frozenset(holidays.country_holidays("DE", subdiv="BE", years=years)),
        ),
    }
    first = datetime(2026, 1, 5, 7, 13, tzinfo=UTC)
    starts = [first + timedelta(hours=137 * n, minutes=11 * n) for n in range(64)]
    results = {}
    for name, calendar in calendars.items():
        for hours in (4, 400):
            span = timedelta(hours=hours)

            def run(calendar=calendar, span=span):
                for start in starts:
                    add_business_hours(calendar, start, span)

            timer = timeit.Timer(run)
            number, _ = timer.autorange()
            best = min(timer.repeat(repeat=repeat, number=number))
            results[(name, hours)] = best / (number * len(starts)) * 1e6
    return results


# --- The deadline sweep -------------------------------------------------------------------------


def rearm(due_ids: list[int]) -> None:
    """The due escalations back as they were before a sweep found them: not marked, nothing sent."""
    with transaction.atomic():
        Notification.objects.filter(escalation_id__in=due_ids).delete()
        Escalation.objects.filter(pk__in=due_ids).update(overdue_at=None, due_soon_sent_at=None)


def sweep(due_ids: list[int], runs: int = 5) -> dict:
    """Seconds per sweep_review_deadlines with ``due_ids`` overdue among the pending escalations now
    in the database: each timed sweep claims, marks and writes the outbox rows of every one of them.

    A first sweep handles whatever else may have come due while seeding; before each timed sweep
    (untimed) the due escalations are re-armed: their marks cleared and their notifications deleted.
    The claim query is captured from a real sweep and explained, so the plan is the one the sweep
    runs, whatever its code says today.
    """
    warmup = sweep_review_deadlines()
    timings = []
    found = []
    written = []
    for _ in range(runs):
        rearm(due_ids)
        started = perf_counter()
        result = sweep_review_deadlines()
        timings.append(perf_counter() - started)
        found.append(result.due_soon + result.overdue)
        written.append(Notification.objects.filter(escalation_id__in=due_ids).count())
    rearm(due_ids)
    with CaptureQueriesContext(connection) as captured:
        sweep_review_deadlines()
    queries = list(captured.captured_queries)
    claim = next((q["sql"] for q in queries if "SKIP LOCKED" in q["sql"].upper()), "")
    return {
        "median_s": statistics.median(timings),
        "min_s": min(timings),
        "max_s": max(timings),
        "due": len(due_ids),
        "warmup_found": warmup.due_soon + warmup.overdue,
        "found": found,
        "notifications": written,
        "queries": len(queries),
        "claim_sql": claim,
        "plan": explain(claim) if claim else "(the sweep ran no claim query)",
    }
