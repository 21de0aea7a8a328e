"""The table the benchmark prints, the targets of issue 6 judged against it, and BENCHMARKS.md."""

import os
import platform
import re
import statistics
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import django
from django.db import connection

QUERY_FIXED = ("queue_api", "queue_page", "case_list_api", "case_list_page", "case_page")
MAX_QUERIES = 8


def machine() -> dict:
    cpu = "unknown"
    memory = "unknown"
    try:
        cpu = next(
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        )
        kib = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
        memory = f"{kib / 1024 / 1024:.1f} GiB"
    except (OSError, StopIteration, AttributeError):
        pass
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        postgres = cursor.fetchone()[0]
    wrk = subprocess.run(["wrk", "-v"], capture_output=True, text=True, check=False)  # noqa: S607
    gunicorn = __import__("gunicorn").__version__
    return {
        "nproc": os.cpu_count(),
        "memory": memory,
        "cpu": cpu,
        "python": platform.python_version(),
        "django": django.get_version(),
        "postgres": postgres,
        "gunicorn": gunicorn,
        "wrk": " ".join((wrk.stdout or wrk.stderr or "wrk ?").split()[:2]),
        "load_start": os.getloadavg(),
    }


def _ms(value) -> str:
    return "-" if value is None else (f"{value:.1f}" if value >= 10 else f"{value:.2f}")


def _rps(value) -> str:
    return "-" if value is None else f"{value:,.0f}"


def _pct(value) -> str:
    if value is None:
        return "-"
    return f"{value:.1%}" if value < 0.1 else f"{value:.0%}"


# --- Repeated measurements: the median, and the spread of the runs -------------------------------


def spread(values) -> dict:
    """The median of repeated measurements of one figure, with the lowest and highest run."""
    values = sorted(values)
    if not values:
        raise ValueError("no measurement to summarize")
    return {"median": statistics.median(values), "min": values[0], "max": values[-1], "runs": len(values)}


def combine(runs: list[dict], keys: tuple[str, ...], *, summed: tuple[str, ...] = ()) -> dict:
    """One figure set from repeated runs: each of ``keys`` is the median of the runs (what targets are
    judged on), its spread kept under ``spread``; each of ``summed`` (errors, requests) is the total."""
    if not runs:
        raise ValueError("no run to combine")
    out = {key: spread([run[key] for run in runs])["median"] for key in keys}
    out.update({key: sum(run[key] for run in runs) for key in summed})
    out["spread"] = {key: spread([run[key] for run in runs]) for key in keys}
    out["runs"] = list(runs)
    return out


def figure(summary: dict | None, key: str, fmt=_ms) -> str:
    """A figure as the report gives it: its median and the spread of the runs, "14.2 (13.8-15.1)"."""
    if not summary or summary.get(key) is None:
        return "-"
    low_high = (summary.get("spread") or {}).get(key)
    if not low_high or low_high["runs"] < 2:
        return fmt(summary[key])
    return f"{fmt(summary[key])} ({fmt(low_high['min'])}-{fmt(low_high['max'])})"


def share(run: dict | None, ceiling: dict | None) -> float | None:
    """Requests/s as a share of a ceiling's at the same connections, median against median."""
    if not run or not ceiling or not ceiling.get("rps"):
        return None
    return run["rps"] / ceiling["rps"]


def busy_note(load_start, cores: int) -> str | None:
    """What the top of the report says when the run started on a busy machine (1-minute load
    average above half the cores): the run is kept, never dropped or re-picked."""
    if not load_start or not cores or load_start[0] <= 0.5 * cores:
        return None
    return (
        f"This run started on a busy machine: load average {load_start[0]:.2f} over the last minute on "
        f"{cores} cores (above {0.5 * cores:g}). Its figures are kept as measured; they are lower, and "
        "noisier, than on an idle machine."
    )


CEILINGS = (
    ("bare", "bare JSON view, full middleware (ceiling)"),
    ("bare_nomw", "bare JSON view, no middleware (ceiling)"),
)


def rows(results: dict) -> list[tuple]:
    """One row per scale and endpoint, the two ceilings first in each scale; every figure the
    median of the repeated runs with its spread, every share against both ceilings."""
    out = []
    endpoints = [*CEILINGS, *results["endpoints"]]
    for scale in results["scales"]:
        pending = f"{scale['pending']:,}"
        for key, label in endpoints:
            local = scale["in_process"].get(key)
            http = scale["http"].get(key)
            if local is None and http is None:
                continue
            cells = [
                label,
                pending,
                str(local["queries"]) if local else "-",
                figure(local, "median_ms"),
                figure(local, "p95_ms"),
            ]
            errors = 0
            for c in results["connections"]:
                run = (http or {}).get(str(c))
                cells += [figure(run, "rps", _rps), figure(run, "p50_ms"), figure(run, "p99_ms")]
                for ceiling, _ in CEILINGS:
                    cells.append(_pct(share(run, _http(scale, ceiling, c))))
                errors += run["errors"] if run else 0
            out.append((*cells, str(errors)))
    return out


def header(results: dict) -> tuple:
    cells = ["endpoint", "pending", "queries", "in-proc p50 ms", "in-proc p95 ms"]
    for c in results["connections"]:
        cells += [f"c{c} req/s", f"c{c} p50 ms", f"c{c} p99 ms", f"c{c} of bare", f"c{c} of bare, no mw"]
    return (*cells, "errors")


def text_table(head: tuple, body: list[tuple]) -> str:
    widths = [max(len(str(row[i])) for row in [head, *body]) for i in range(len(head))]
    lines = [
        "  ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in [head, *body]
    ]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)


def markdown_table(head: tuple, body: list[tuple]) -> str:
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in body]
    return "\n".join(lines)


# --- Targets ---------------------------------------------------------------------------------------


def _http(scale, key, connections):
    return scale["http"].get(key, {}).get(str(connections))


def _share(scale, key, connections):
    return share(_http(scale, key, connections), _http(scale, "bare", connections))


def targets(results: dict) -> list[tuple[str, str, str, str]]:
    """(target, measured, met/missed, note) for each target of issue 6, judged at the largest scale."""
    scales = results["scales"]
    if not scales:
        return []
    top = max(scales, key=lambda s: s["pending"])
    full = top["pending"] >= 10_000 and results["cases"] >= 100_000
    where = "" if full else f" (at {top['pending']:,} pending and {results['cases']:,} cases, not the target scale)"
    out = []

    def add(target, measured, met, note="", *, scaled=True):
        verdict = "n/a" if met is None else ("met" if met else "MISSED")
        out.append((target, measured, verdict, (note + (where if scaled else "")).strip()))

    labels = dict(results["endpoints"])
    for key in (k for k in QUERY_FIXED if k in labels):
        counts = [s["in_process"][key]["queries"] for s in scales if key in s["in_process"]]
        label = labels[key]
        fixed = len(set(counts)) == 1
        note = "" if len(counts) > 1 else "one scale only: constancy not shown"
        add(
            f"{label}: fixed query count, at most {MAX_QUERIES}",
            " / ".join(f"{c} at {s['pending']:,}" for c, s in zip(counts, scales, strict=False)),
            bool(counts) and fixed and max(counts) <= MAX_QUERIES,
            note,
        )
    queue_1 = _http(top, "queue_api", 1)
    if "queue_api" in labels:
        add(
            "Review queue API at 1 connection: p50 under 15 ms",
            f"{queue_1['p50_ms']:.1f} ms" if queue_1 else "-",
            None if queue_1 is None else queue_1["p50_ms"] < 15,
        )
    for key, share in (("queue_api", 0.12), ("escalate", 0.20), ("eligibility", 0.35)):
        if key not in labels:
            continue
        measured = _share(top, key, 8)
        label = labels[key]
        note = ""
        if key == "escalate":
            check = top.get("verify", {}).get("escalate", {})
            note = check.get("summary", "")
            met = measured is not None and measured >= share and check.get("ok", False)
        else:
            met = measured is not None and measured >= share
        add(
            f"{label} at 8 connections: at least {share:.0%} of the bare view's requests/s",
            _pct(measured),
            None if measured is None else met,
            note,
        )
    hours = results.get("business_hours") or {}
    if hours:
        worst = max(hours.values())
        add("add_business_hours: under 10 µs per call", f"{worst:.1f} µs at worst", worst < 10, scaled=False)
        ratios = {name: hours[(name, 400)] / hours[(name, 4)] for name, _ in hours if (name, 4) in hours}
        add(
            "add_business_hours: 400-hour span at most twice a 4-hour span",
            ", ".join(f"{ratio:.2f}x ({name})" for name, ratio in ratios.items()),
            max(ratios.values()) <= 2,
            scaled=False,
        )
    sweep = results.get("sweep")
    if sweep:
        full_sweep = sweep["pending"] >= 100_000
        every = all(n == sweep["due"] for n in sweep["found"])
        add(
            "Deadline sweep, 1,000 overdue among 100,000 pending (marking and outbox writes): under 1 s",
            f"{sweep['median_s'] * 1000:.0f} ms ({sweep['min_s'] * 1000:.0f}-{sweep['max_s'] * 1000:.0f}), "
            f"{sweep['due']:,} due among {sweep['pending']:,}",
            sweep["median_s"] < 1 and every,
            "; ".join(
                [
                    *([] if full_sweep and sweep["due"] == 1_000 else ["not the target count"]),
                    *([] if every else [f"alerts found per sweep {sweep['found']}, expected {sweep['due']}"]),
                ]
            ),
            scaled=False,
        )
    return out


# --- BENCHMARKS.md ---------------------------------------------------------------------------------


def markdown(results: dict) -> str:
    m = results["machine"]
    load_start = ", ".join(f"{x:.1f}" for x in m["load_start"])
    load_end = ", ".join(f"{x:.1f}" for x in results.get("load_end", ()))
    lines = ["# Benchmarks", ""]
    busy = busy_note(m["load_start"], m["nproc"])
    if busy:
        lines += [f"> **{busy}**", ""]
    lines += [
        "Written by `make bench` (bench/run.py): do not edit by hand, rerun it. Every figure comes from this run.",
        "",
        f"- Date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        f"- Machine: {m['nproc']} cores (`nproc`), {m['memory']}, {m['cpu']}",
        f"- Load average (1, 5, 15 min) at start: {load_start}; at end: {load_end} ({m['nproc']} cores)",
        f"- Repeats: every over-HTTP load and every in-process latency measured {results['repeat']} times; "
        "each figure is the median, with the spread of the runs (min-max) in brackets; targets are judged "
        "on the median",
        f"- Python {m['python']}, Django {m['django']}, PostgreSQL {m['postgres']}, gunicorn {m['gunicorn']}, "
        f"{m['wrk']}",
        f"- Server: {results['server']}, `DEBUG` off, persistent database connections; "
        f"load from wrk on 127.0.0.1, {results['duration']} s per run",
        f"- Data: `seed_load --cases {results['cases']} --escalations {results['escalations']}` with "
        f"`--pending-share` set for each scale; in-process latency over {results['requests']} requests "
        "(Django test client)",
        f"- Rerun: `make bench` (or `{results['command']}`)",
        "",
    ]
    lines += ["## Results", "", markdown_table(header(results), rows(results)), ""]
    lines += [
        "`queries`: SQL queries of one request (session and user included). `c1`/`c8`: wrk at 1 and 8 "
        "connections; `of bare`: median requests/s as a share of the bare JSON view's through the portal's "
        "full middleware stack at the same connections; `of bare, no mw`: the same against the bare JSON view "
        "served by Django with no middleware at all (URL resolution, request and response only). "
        "`errors`: non-2xx answers and socket errors during the wrk runs (must be 0).",
        "",
    ]
    lines += [
        "## Targets (issue 6)",
        "",
        markdown_table(("target", "measured", "verdict", "note"), targets(results)),
        "",
    ]
    seeds = [(s["pending"], s["seed_seconds"]) for s in results["scales"]]
    if seeds:
        lines += ["## Loading the data", ""]
        lines += [f"- `seed_load` for {pending:,} pending: {seconds:.1f} s" for pending, seconds in seeds]
        lines += [""]
    if results.get("business_hours"):
        lines += ["## Business hours", "", "| calendar | 4-hour span | 400-hour span |", "|---|---|---|"]
        names = dict.fromkeys(name for name, _ in results["business_hours"])
        for name in names:
            lines.append(
                f"| {name} | {results['business_hours'][(name, 4)]:.2f} µs | "
                f"{results['business_hours'][(name, 400)]:.2f} µs |"
            )
        lines += [""]
    sweep = results.get("sweep")
    if sweep:
        lines += [
            "## Deadline sweep",
            "",
            f"{sweep['pending']:,} pending escalations, {sweep['due']:,} of them overdue: median "
            f"{sweep['median_s'] * 1000:.1f} ms ({sweep['min_s'] * 1000:.1f}-{sweep['max_s'] * 1000:.1f}) over "
            f"{sweep['runs']} sweeps, each claiming, marking and writing the outbox rows of every overdue one "
            f"(re-armed, untimed, before each sweep). {sweep['queries']} queries a sweep; alerts found by the "
            f"timed sweeps: {', '.join(map(str, sweep['found']))}; notifications written: "
            f"{', '.join(map(str, sweep['notifications']))}; {sweep['warmup_found']} found by the untimed first "
            "sweep.",
            "",
            "```",
            sweep["claim_sql"],
            "```",
            "",
            "```",
            sweep["plan"],
            "```",
            "",
        ]
    verify = [s.get("verify", {}) for s in results["scales"]]
    if any(verify):
        lines += ["## Writes checked after the POST runs", ""]
        for scale, checks in zip(results["scales"], verify, strict=True):
            for key, check in checks.items():
                lines.append(f"- {scale['pending']:,} pending, {key}: {check['summary']}")
        lines += [""]
    slow = []
    for scale in results["scales"]:
        for key, local in scale["in_process"].items():
            if local.get("plan"):
                slow.append((scale["pending"], key, local))
    if slow:
        lines += ["## The slowest query of each endpoint", ""]
        for pending, key, local in slow:
            lines += [
                f"<details><summary>{dict(results['endpoints'])[key]}, {pending:,} pending: "
                f"{local['slowest_sql_ms']:.1f} ms</summary>",
                "",
                "```sql",
                local["slowest_sql"],
                "```",
                "",
                "```",
                local["plan"],
                "```",
                "</details>",
                "",
            ]
    return "\n".join(lines)
