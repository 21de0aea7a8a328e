"""``make bench``: the portal measured against the fastest this stack goes on this machine.

    python bench/run.py            # 1,000 and 10,000 pending escalations over 100,000 cases
    python bench/run.py --quick    # 200 pending over 10,000 cases, 3-second loads: a smoke run

Against PostgreSQL (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/portal_bench: a
database of its own, created and migrated here, emptied for each scale) and Redis
(CELERY_BROKER_URL, default its own Redis database 14, whose queue it empties at the end).
For each scale it seeds the data with ``seed_load``, then for each endpoint measures the
SQL queries of one request and the in-process latency (Django's test client), then the
requests/s and latency over HTTP (gunicorn on 127.0.0.1, wrk at 1 and 8 connections), and
the same load on two ceilings served by the same gunicorn: a bare JSON view through the
portal's full middleware stack, and the same view through no middleware. Every load and
every in-process latency is measured ``--repeat`` times (default 3): the report gives the
median and the spread of the runs, and judges targets on the median. Then the
business-hours arithmetic and the deadline sweep: 1,000 overdue among 100,000 pending
escalations, marking and outbox writes included. The load average at start and end is
recorded; a run that started on a busy machine says so at the top of the report. It prints
one table and writes BENCHMARKS.md, from this run's measurements only. Every load is
bounded in time; nothing but 127.0.0.1 is ever loaded.
"""

import argparse
import json
import math
import os
import secrets
import shlex
import sys
from pathlib import Path
from time import monotonic

ROOT = Path(__file__).resolve().parent.parent
# Run as a script, this folder comes first on the path; the repository must instead.
sys.path[:] = [str(ROOT), *[p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]]


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="A smoke run: 200 pending, 10,000 cases, 3 s loads.")
    parser.add_argument("--scales", help="Pending escalations to measure at, comma-separated (default 1000,10000).")
    parser.add_argument("--cases", type=int)
    parser.add_argument("--escalations", type=int, help="Escalation rows at every scale (default 20,000).")
    parser.add_argument("--duration", type=int, help="Seconds of each wrk run (default 10).")
    parser.add_argument("--requests", type=int, help="In-process requests per endpoint (default 50).")
    parser.add_argument("--connections", default="1,8")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2: one per core).")
    parser.add_argument("--threads", type=int, default=4, help="Threads per worker (default 4: gthread; 1: sync).")
    parser.add_argument("--sweep-pending", type=int, help="Pending escalations to sweep (default 100,000; 0: skip).")
    parser.add_argument("--only", help="Endpoint keys to measure, comma-separated (default: all).")
    parser.add_argument(
        "--profile", action="store_true", help="Also cProfile each GET endpoint in-process (var/bench/profile-*.txt)."
    )
    parser.add_argument("--output", help="Default: BENCHMARKS.md; var/bench/BENCHMARKS-quick.md with --quick.")
    parser.add_argument(
        "--repeat",
        type=int,
        help="Times each load and each in-process latency is measured (default 3; 2 with --quick).",
    )
    parser.add_argument(
        "--sweep-due",
        type=int,
        default=1_000,
        help="Of the swept pending escalations, how many are overdue (default 1,000).",
    )
    args = parser.parse_args(argv)
    quick = args.quick
    args.scales = [int(s) for s in (args.scales or ("200" if quick else "1000,10000")).split(",")]
    args.cases = args.cases or (10_000 if quick else 100_000)
    args.escalations = args.escalations or (2_000 if quick else 20_000)
    args.duration = args.duration or (3 if quick else 10)
    args.requests = args.requests or (20 if quick else 50)
    args.connections = [int(c) for c in args.connections.split(",")]
    args.repeat = args.repeat or (2 if quick else 3)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    # A smoke run's figures are not the benchmark: they never replace BENCHMARKS.md.
    args.output = args.output or str(ROOT / ("var/bench/BENCHMARKS-quick.md" if quick else "BENCHMARKS.md"))
    args.sweep_pending = args.sweep_pending if args.sweep_pending is not None else (10_000 if quick else 100_000)
    if args.sweep_pending and not 0 < args.sweep_due <= args.sweep_pending:
        parser.error("--sweep-due must be between 1 and --sweep-pending")
    if max(args.scales) > args.escalations:
        parser.error("every scale needs at most --escalations pending escalations")
    return args


def configure_environment() -> dict:
    """The environment of this process and of gunicorn: production settings, the bench's own stores."""
    env = os.environ
    env.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/portal_bench")
    env.setdefault("CELERY_BROKER_URL", "redis://127.0.0.1:6379/14")
    env.setdefault("DJANGO_SECRET_KEY", secrets.token_urlsafe(50))
    env.setdefault("PORTAL_VAR_DIR", str(ROOT / "var" / "bench"))
    env.setdefault("LOG_LEVEL", "WARNING")
    # Measured as deployed: DEBUG off. Plain HTTP on 127.0.0.1, so no HTTPS redirect; no mail sent.
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "bench.settings",
            "DJANGO_DEBUG": "false",
            "DJANGO_SECURE_COOKIES": "false",
            "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        }
    )
    Path(env["PORTAL_VAR_DIR"]).mkdir(parents=True, exist_ok=True)
    return dict(env)


def main(argv=None) -> int:
    args = parse_args(argv if argv is not None else sys.argv[1:])
    env = configure_environment()
    import django

    django.setup()
    from bench import fixtures, loadgen, measure, report

    loadgen.wrk_path()
    endpoints = endpoint_list(args)
    from django.conf import settings
    from django.core.management import call_command

    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        raise SystemExit("The benchmark runs on PostgreSQL: set DATABASE_URL to a postgres:// URL.")
    require_broker(settings.CELERY_BROKER_URL)
    started = monotonic()
    say(
        f"Database {settings.DATABASES['default']['NAME']}: "
        f"{'created' if fixtures.ensure_database(settings.DATABASES['default']) else 'exists'}; migrating"
    )
    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    purge_queue()
    config = loadgen.ServerConfig(workers=args.workers, threads=args.threads)
    results = {
        "machine": report.machine(),
        "command": rerun_command(sys.argv[1:] if argv is None else argv),
        "server": config.describe(),
        "cases": args.cases,
        "escalations": args.escalations,
        "duration": args.duration,
        "requests": args.requests,
        "repeat": args.repeat,
        "connections": args.connections,
        "endpoints": [(e.key, e.label) for e in endpoints],
        "scales": [],
    }
    for pending in args.scales:
        results["scales"].append(run_scale(args, env, config, endpoints, pending))
        print_table(results)
    say("Business hours: timing add_business_hours")
    results["business_hours"] = measure.business_hours()
    if args.sweep_pending:
        results["sweep"] = run_sweep(args.sweep_pending, args.sweep_due)
    results["queued_deliveries"] = purge_queue()
    results["load_end"] = os.getloadavg()
    busy = report.busy_note(results["machine"]["load_start"], results["machine"]["nproc"])
    if busy:
        say(busy)
    Path(args.output).write_text(report.markdown(results))
    raw = Path(env["PORTAL_VAR_DIR"]) / "results.json"
    raw.write_text(json.dumps(jsonable(results), indent=2, default=str))
    print_table(results)
    say("")
    say(report.text_table(("target", "measured", "verdict", "note"), report.targets(results)))
    say(f"\nWrote {args.output} and {raw} in {monotonic() - started:.0f} s.")
    return 0


def rerun_command(argv: list[str]) -> str:
    """The command line to run this benchmark again."""
    return shlex.join(["python", "bench/run.py", *argv])


def endpoint_list(args):
    from bench.measure import Endpoint

    escalate = {"reason": "no_updates", "summary": "No update for three days; our launch depends on this."}
    decision = {"decision": "not_accepted", "message": "The fix ships in tomorrow's release: the fastest path."}
    endpoints = [
        Endpoint("signed_in", "signed-in empty answer (API floor)", "GET", "/bench/signed-in/", "customer_token"),
        Endpoint("queue_api", "Review queue API", "GET", "/api/v1/escalations/?status=pending", "manager_token"),
        Endpoint("queue_page", "Review queue page", "GET", "/review/", "manager_session"),
        Endpoint("case_list_api", "Case list API (customer)", "GET", "/api/v1/cases/", "customer_token"),
        Endpoint("case_list_page", "Case list page (customer)", "GET", "/", "customer_session"),
        Endpoint("case_page", "Case page (customer)", "GET", "/cases/{id}/", "customer_session"),
        Endpoint(
            "eligibility", "Eligibility API", "GET", "/api/v1/cases/{id}/escalation-eligibility/", "customer_token"
        ),
        Endpoint(
            "escalate",
            "Escalate POST",
            "POST",
            "/api/v1/cases/{id}/escalations/",
            "customer_token",
            201,
            escalate,
            pool="cases",
        ),
        Endpoint(
            "decision",
            "Decision POST",
            "POST",
            "/api/v1/escalations/{id}/decision/",
            "manager_token",
            200,
            decision,
            pool="escalations",
        ),
    ]
    if args.only:
        wanted = set(args.only.split(","))
        endpoints = [e for e in endpoints if e.key in wanted]
    return endpoints


def run_scale(args, env, config, endpoints, pending) -> dict:
    from bench import fixtures, loadgen, measure
    from bench.bare_app import NO_MIDDLEWARE_PATH
    from escalations.models import EscalationStatus
    from escalations.selectors import review_queue

    say(f"\n== {pending:,} pending escalations over {args.cases:,} cases")
    fixtures.reset_database()
    seconds, output = fixtures.seed(
        cases=args.cases, escalations=args.escalations, pending_share=pending / args.escalations
    )
    say(output.strip().splitlines()[-1])
    fixtures.analyze()
    actors = fixtures.actors()
    queued = review_queue(user=actors.manager, status=EscalationStatus.PENDING).count()
    say(
        f"Review queue: {queued:,} pending; customer of {actors.organization.name} "
        f"({actors.organization.cases.count():,} cases)"
    )
    scale = {"pending": pending, "queue": queued, "seed_seconds": seconds, "in_process": {}, "http": {}, "verify": {}}
    targets = {"case_page": [actors.case_page_id], "eligibility": [actors.eligibility_case_id]}
    reads = [e for e in endpoints if e.pool is None]
    bare = measure.Endpoint("bare", "bare JSON view (ceiling)", "GET", "/bench/bare/", "nobody")
    for endpoint in [bare, *reads]:
        local = measure.repeated(
            endpoint,
            actors.headers(endpoint.actor),
            repeat=args.repeat,
            requests=args.requests,
            targets=targets.get(endpoint.key),
        )
        local["plan"] = measure.explain(local["slowest_sql"])
        scale["in_process"][endpoint.key] = local
        if args.profile and endpoint.key != "bare":
            where = Path(env["PORTAL_VAR_DIR"]) / f"profile-{endpoint.key}-{pending}.txt"
            where.write_text(
                measure.profile(
                    endpoint, actors.headers(endpoint.actor), requests=20, targets=targets.get(endpoint.key)
                )
            )
        say_local(endpoint.label, local)
    log = Path(env["PORTAL_VAR_DIR"]) / "gunicorn.log"
    with loadgen.Server(config, env, log) as server:
        scale["http"]["bare"] = load(args, server, "/bench/bare/", {}, "GET", None, None, "bare JSON view")
        status, body = server.request("GET", NO_MIDDLEWARE_PATH)
        if status != 200:
            raise RuntimeError(f"bare view without middleware over HTTP: {status}: {body[:300]!r}")
        scale["http"]["bare_nomw"] = load(
            args, server, NO_MIDDLEWARE_PATH, {}, "GET", None, None, "bare JSON view, no middleware"
        )
        for endpoint in reads:
            path = (
                endpoint.path.replace("{id}", str(targets[endpoint.key][0]))
                if endpoint.key in targets
                else endpoint.path
            )
            headers = actors.headers(endpoint.actor)
            status, body = server.request("GET", path, headers)
            if status != endpoint.expect:
                raise RuntimeError(f"{endpoint.label} over HTTP: {status}: {body[:300]!r}")
            scale["http"][endpoint.key] = load(args, server, path, headers, "GET", None, None, endpoint.label)
        for endpoint in (e for e in endpoints if e.pool):
            run_post(args, config, server, actors, endpoint, scale)
    return scale


def load(args, server, path, headers, method, body, ids_for, label) -> dict:
    """wrk ``args.repeat`` times at each connection count: per count, the medians and their spread."""
    from bench import loadgen, report

    runs = {}
    for connections in args.connections:
        repeats = []
        for n in range(args.repeat):
            ids = ids_for(connections) if ids_for else None
            result = loadgen.run_wrk(
                server,
                path,
                connections=connections,
                seconds=args.duration,
                headers=headers,
                method=method,
                body=body,
                ids=ids,
            )
            repeats.append(result.as_dict())
            say(
                f"  {label:<28} c{connections} run {n + 1}: {result.rps:8.1f} req/s  p50 {result.p50_ms:7.2f} ms  "
                f"p99 {result.p99_ms:7.2f} ms  errors {result.errors}"
            )
        combined = report.combine(repeats, ("rps", "p50_ms", "p99_ms"), summed=("requests", "errors"))
        combined["connections"] = connections
        runs[str(connections)] = combined
        say(
            f"  {label:<28} c{connections} median: {report.figure(combined, 'rps', report._rps)} req/s, "
            f"p50 {report.figure(combined, 'p50_ms')} ms"
        )
    return runs


def say_local(label, local) -> None:
    from bench import report

    say(
        f"  {label:<28} {local['queries']:>3} queries  p50 {report.figure(local, 'median_ms')} ms  "
        f"p95 {report.figure(local, 'p95_ms')} ms"
    )


def run_post(args, config, server, actors, endpoint, scale) -> None:
    """In-process, then over HTTP, each request on a fresh case (escalate) or escalation (decide)."""
    from bench import fixtures, measure

    def pool(count):
        tag = f"bench {endpoint.key} {secrets.token_hex(3)}"
        if endpoint.pool == "cases":
            return fixtures.fresh_cases(actors, count, subject=tag)
        return fixtures.pending_escalations(actors, count, subject=tag)

    headers = actors.headers(endpoint.actor)
    used = []

    def in_process_ids():
        ids = pool(args.requests + 4)
        used.extend(ids)
        return ids

    local = measure.repeated(endpoint, headers, repeat=args.repeat, requests=args.requests, targets=in_process_ids)
    scale["in_process"][endpoint.key] = local
    say_local(endpoint.label, local)
    parallel = config.workers * config.threads
    bare = scale["http"]["bare"]

    def ids_for(connections):
        # Enough fresh rows for the run: the server cannot go faster than its workers allow at
        # the in-process latency (with a wide margin), nor faster than the bare view.
        bound = min(connections, parallel) * 1000 / max(local["median_ms"], 0.5) * 3
        rate = min(bound, bare[str(connections)]["rps"] * 1.3)
        ids = pool(math.ceil(rate * args.duration) + 50)
        used.extend(ids)
        return ids

    check = pool(1)
    used.extend(check)
    path = endpoint.path.replace("{id}", str(check[0]))
    status, body = server.request("POST", path, {**headers, "Content-Type": "application/json"}, endpoint.body_json())
    if status != endpoint.expect:
        raise RuntimeError(f"{endpoint.label} over HTTP: {status}: {body[:300]!r}")
    scale["http"][endpoint.key] = load(
        args, server, endpoint.path, headers, "POST", endpoint.body_json(), ids_for, endpoint.label
    )
    successes = sum(r["requests"] - r["errors"] for r in scale["http"][endpoint.key].values())
    scale["verify"][endpoint.key] = verify_writes(endpoint, used, successes + args.repeat * (args.requests + 4) + 1)
    say(f"  {endpoint.label:<28} {scale['verify'][endpoint.key]['summary']}")


def verify_writes(endpoint, ids, answered) -> dict:
    """Every POST that succeeded wrote its escalation or decision, and every notification of it."""
    from django.db.models import Count, Q

    from escalations.models import Escalation, EscalationLevel, EscalationStatus
    from escalations.services import alert_recipients

    if endpoint.pool == "cases":
        made = list(
            Escalation.objects.filter(case_id__in=ids)
            .select_related("case__organization__region")
            .annotate(sent=Count("notifications"))
        )
        if not made:
            return {"ok": False, "summary": "no escalation was written"}
        level = EscalationLevel.objects.prefetch_related("alerted_groups").get(number=1)
        sample = made[0]
        alerted = alert_recipients(sample, level)
        csm = sample.case.organization.csm_id
        expected = len(alerted) + 1 + (1 if csm and csm not in {u.pk for u in alerted} else 0)
        short = sum(1 for e in made if e.sent != expected)
        ok = short == 0 and len(made) >= answered
        summary = (
            f"{len(made):,} escalations written for {answered:,} successful answers, "
            f"{sum(e.sent for e in made):,} notifications ({expected} each): "
            + ("all written" if short == 0 else f"{short} escalations MISSING notifications")
        )
        return {"ok": ok, "summary": summary, "written": len(made), "notifications": sum(e.sent for e in made)}
    decided = (
        Escalation.objects.filter(pk__in=ids)
        .exclude(status=EscalationStatus.PENDING)
        .annotate(told=Count("notifications", filter=Q(notifications__kind="escalation_not_accepted")))
    )
    decided = list(decided)
    short = sum(1 for e in decided if e.told != 1)
    ok = short == 0 and len(decided) >= answered
    summary = (
        f"{len(decided):,} decisions written for {answered:,} successful answers, each telling its "
        "requester: " + ("all written" if short == 0 else f"{short} MISSING their notification")
    )
    return {"ok": ok, "summary": summary, "written": len(decided)}


def run_sweep(count: int, due: int) -> dict:
    from datetime import timedelta

    from bench import fixtures, measure

    say(f"\n== Deadline sweep: {due:,} overdue among {count:,} pending escalations")
    fixtures.reset_database()
    fixtures.seed(cases=1_000, escalations=0, pending_share=0, organizations=10)
    actors = fixtures.actors()
    fixtures.pending_escalations(actors, count - due, subject="sweep")
    # Opened two days ago, due a day and more ago (the spread stays under a day): all overdue now.
    due_ids = fixtures.pending_escalations(
        actors, due, subject="sweep due", due_in=-timedelta(days=1, hours=1), created_ago=timedelta(days=2)
    )
    fixtures.analyze()
    runs = 5
    result = measure.sweep(due_ids, runs)
    result.update(pending=count, runs=runs)
    say(
        f"  median {result['median_s'] * 1000:.1f} ms ({result['min_s'] * 1000:.1f}-{result['max_s'] * 1000:.1f}), "
        f"alerts found per sweep {result['found']}, notifications written {result['notifications']}"
    )
    say(result["plan"])
    return result


def require_broker(url: str) -> None:
    """The POSTs publish each notification's delivery: with Redis down they would measure a failure path."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if parts.scheme not in ("redis", "rediss"):
        raise SystemExit(f"The benchmark runs with Redis: set CELERY_BROKER_URL to a redis:// URL, not {url!r}.")
    import socket

    try:
        socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 6379), timeout=2).close()
    except OSError as error:
        raise SystemExit(f"Redis is not reachable at {parts.hostname}:{parts.port or 6379}: {error}") from None


def purge_queue() -> int:
    """Empty the broker queue the benchmark's POSTs filled (no worker runs): the messages removed."""
    from portal.celery import app

    try:
        return app.control.purge() or 0
    except Exception as error:  # noqa: BLE001 - Redis down: said, and the run goes on
        say(f"(could not purge the broker queue: {error})")
        return 0


def print_table(results) -> None:
    from bench import report

    say("")
    say(report.text_table(report.header(results), report.rows(results)))


def jsonable(value):
    if isinstance(value, dict):
        return {(" / ".join(map(str, k)) if isinstance(k, tuple) else k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    return value


def say(text: str) -> None:
    print(text, flush=True)


if __name__ == "__main__":
    sys.exit(main())
