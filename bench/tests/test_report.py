"""The benchmark report's pure functions: medians and spreads, both ceilings, the busy-machine note."""

import pytest

from bench import report


def wrk(rps, p50, p99, errors=0, requests=100):
    return {"rps": rps, "p50_ms": p50, "p99_ms": p99, "errors": errors, "requests": requests}


def results(load_start=(0.2, 0.3, 0.4), scales=None):
    return {
        "machine": {
            "nproc": 2,
            "memory": "4.0 GiB",
            "cpu": "test cpu",
            "python": "3.12",
            "django": "5.2",
            "postgres": "16",
            "gunicorn": "23",
            "wrk": "wrk 4.2",
            "load_start": load_start,
        },
        "load_end": (0.5, 0.4, 0.3),
        "command": "python bench/run.py --quick",
        "server": "gunicorn -w 2 --threads 4 (gthread workers)",
        "cases": 10_000,
        "escalations": 2_000,
        "duration": 3,
        "requests": 20,
        "repeat": 3,
        "connections": [1, 8],
        "endpoints": [("queue_api", "Review queue API")],
        "scales": scales if scales is not None else [scale()],
    }


def scale():
    def http(*rps_runs):
        return {
            str(c): report.combine(
                [wrk(r * c, 2.0 + n, 5.0 + n) for n, r in enumerate(rps_runs)],
                ("rps", "p50_ms", "p99_ms"),
                summed=("requests", "errors"),
            )
            for c in (1, 8)
        }

    local = report.combine(
        [{"median_ms": 14.2, "p95_ms": 20.0}, {"median_ms": 13.8, "p95_ms": 21.0}, {"median_ms": 15.1, "p95_ms": 22.0}],
        ("median_ms", "p95_ms"),
    )
    local["queries"] = 4
    return {
        "pending": 200,
        "seed_seconds": 1.0,
        "in_process": {"queue_api": local},
        "http": {"bare": http(1000, 900, 1100), "bare_nomw": http(4000, 4100, 3900), "queue_api": http(200, 190, 210)},
        "verify": {},
    }


def test_spread_is_the_median_with_the_lowest_and_highest_run():
    assert report.spread([15.1, 13.8, 14.2]) == {"median": 14.2, "min": 13.8, "max": 15.1, "runs": 3}
    assert report.spread([2.0, 4.0])["median"] == 3.0
    with pytest.raises(ValueError):
        report.spread([])


def test_combine_takes_medians_and_sums_the_counts():
    runs = [wrk(100, 3.0, 9.0, errors=1), wrk(300, 1.0, 7.0), wrk(200, 2.0, 8.0, errors=2)]
    combined = report.combine(runs, ("rps", "p50_ms", "p99_ms"), summed=("requests", "errors"))
    assert (combined["rps"], combined["p50_ms"], combined["p99_ms"]) == (200, 2.0, 8.0)
    assert combined["errors"] == 3
    assert combined["requests"] == 300
    assert combined["spread"]["rps"] == {"median": 200, "min": 100, "max": 300, "runs": 3}
    assert combined["runs"] == runs


def test_figure_gives_the_median_and_its_spread():
    summary = report.combine([{"x": 14.2}, {"x": 13.8}, {"x": 15.1}], ("x",))
    assert report.figure(summary, "x") == "14.2 (13.8-15.1)"
    assert report.figure(report.combine([{"x": 1234.4}], ("x",)), "x", report._rps) == "1,234"
    assert report.figure(None, "x") == "-"


def test_share_is_median_against_median():
    assert report.share({"rps": 50}, {"rps": 200}) == 0.25
    assert report.share(None, {"rps": 200}) is None
    assert report.share({"rps": 50}, {"rps": 0}) is None


def test_busy_note_only_when_the_start_load_exceeds_half_the_cores():
    assert report.busy_note((1.0, 3.0, 3.0), 2) is None
    note = report.busy_note((1.3, 0.1, 0.1), 2)
    assert note.startswith("This run started on a busy machine")
    assert "1.30" in note


def test_rows_give_both_ceilings_and_each_share_with_spreads():
    data = results()
    head = report.header(data)
    body = report.rows(data)
    assert [row[0] for row in body] == [
        "bare JSON view, full middleware (ceiling)",
        "bare JSON view, no middleware (ceiling)",
        "Review queue API",
    ]
    queue = dict(zip(head, body[2], strict=True))
    assert queue["in-proc p50 ms"] == "14.2 (13.8-15.1)"
    assert queue["c8 req/s"] == "1,600 (1,520-1,680)"
    assert queue["c8 of bare"] == "20%"  # 1,600 of the full stack's 8,000
    assert queue["c8 of bare, no mw"] == "5.0%"  # 1,600 of 32,000
    nomw = dict(zip(head, body[1], strict=True))
    assert nomw["c1 req/s"] == "4,000 (3,900-4,100)"
    assert nomw["c1 of bare, no mw"] == "100%"


def test_markdown_says_a_busy_start_at_the_top_and_carries_no_outside_notes():
    busy = report.markdown(results(load_start=(1.9, 1.0, 1.0)))
    first = busy.split("\n\n")[1]
    assert first.startswith("> **This run started on a busy machine")
    assert "at start: 1.9, 1.0, 1.0; at end: 0.5, 0.4, 0.3" in busy
    assert "## Notes" not in busy
    quiet = report.markdown(results())
    assert "busy machine" not in quiet
    assert "measured 3 times" in quiet
