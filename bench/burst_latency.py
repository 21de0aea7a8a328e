"""A burst of 50 Severity 1 raises against a real `make run`: how late are the on-call pages?

    .venv/bin/python bench/burst_latency.py --runs 3 [--path redis-postgres] [--threads 4]

Each run starts `make run` afresh (tests/faults/make_run.py), raises 50 cases to Severity 1
from a `manage.py shell`, waits for every page in var/mail and prints the median and slowest
time from a raise to its page; then the median over the runs and their spread.
"""

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
# The harness reads the project's settings (BASE_DIR); they need no service to be read.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

from tests.faults.make_run import PATHS, MakeRun  # noqa: E402 - after the path it needs
from tests.faults.test_make_run import Burst  # noqa: E402


def one_run(path: str, threads: int) -> tuple[float, float]:
    with tempfile.TemporaryDirectory() as tmp:
        run = MakeRun(Path(tmp), path, PORTAL_WORKER_CONCURRENCY=str(threads))
        try:
            run.start()
            burst = Burst(run).start()
            burst.finish()
            lateness = burst.lateness(wait_seconds=180)
        finally:
            run.close()
    return statistics.median(lateness), lateness[-1]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--path", choices=PATHS, default="embedded")
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args()
    print(f"path: {args.path}, worker threads: {args.threads}; load average at start: {os.getloadavg()[0]:.2f}")
    medians, slowest = [], []
    for number in range(1, args.runs + 1):
        median, worst = one_run(args.path, args.threads)
        medians.append(median)
        slowest.append(worst)
        print(f"run {number}: page after its raise: median {median:.2f} s, slowest {worst:.2f} s", flush=True)
    print(f"over {args.runs} runs: median of medians {statistics.median(medians):.2f} s "
          f"({min(medians):.2f}-{max(medians):.2f}); median of slowest {statistics.median(slowest):.2f} s "
          f"({min(slowest):.2f}-{max(slowest):.2f})")  # fmt: skip
    print(f"load average at end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
