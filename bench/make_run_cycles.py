"""Start `make run` and stop it, N times, alternating SIGTERM to make and Ctrl+C (SIGINT to
its process group); print each cycle's start and stop times and whatever was left running.

    .venv/bin/python bench/make_run_cycles.py --cycles 20 [--path redis-postgres]

Each cycle uses a fresh var/ folder in a temporary directory and a free port, driven by the
fault tests' harness (tests/faults/make_run.py): ``embedded`` (the default) drops the
environment's DATABASE_URL and CELERY_BROKER_URL; ``redis-postgres`` gives each cycle a fresh
database on the local PostgreSQL and a private redis-server.
"""

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
# The harness reads the project's settings (BASE_DIR); they need no service to be read.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

from tests.faults.make_run import PATHS, MakeRun  # noqa: E402 - after the path it needs


def cycle(path: str, how: str) -> tuple[float, float, int]:
    """Seconds to serve, seconds to stop, and how many processes were left after 30 s."""
    with tempfile.TemporaryDirectory() as tmp:
        run = MakeRun(Path(tmp), path)
        started = time.monotonic()
        try:
            run.start()
            up_in = time.monotonic() - started
            stop_at = time.monotonic()
            if how == "SIGTERM":
                os.kill(run.process.pid, signal.SIGTERM)
            else:
                os.killpg(run.process.pid, signal.SIGINT)
            while run.processes() and time.monotonic() - stop_at < 30:
                time.sleep(0.05)
            stopped_in = time.monotonic() - stop_at
            left = len(run.processes())
        finally:
            run.close()
        return up_in, stopped_in, left


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cycles", type=int, default=20)
    parser.add_argument("--path", choices=PATHS, default="embedded")
    args = parser.parse_args()
    subprocess.run(["make", "install"], cwd=ROOT, check=True, capture_output=True)  # noqa: S607
    stops = {"SIGTERM": [], "Ctrl+C": []}
    leftovers = 0
    print(f"path: {args.path}; load average at start: {os.getloadavg()[0]:.2f}")
    for number in range(1, args.cycles + 1):
        how = "SIGTERM" if number % 2 else "Ctrl+C"
        up_in, stopped_in, left = cycle(args.path, how)
        stops[how].append(stopped_in)
        leftovers += left
        print(f"cycle {number:2d}: up in {up_in:5.1f} s, {how:7s} -> all stopped in {stopped_in:4.1f} s, "
              f"left running: {left}", flush=True)  # fmt: skip
    for how, times in stops.items():
        if times:
            print(f"{how}: {len(times)} stops, median {statistics.median(times):.1f} s, "
                  f"min {min(times):.1f} s, max {max(times):.1f} s")  # fmt: skip
    print(f"processes left behind over {args.cycles} cycles: {leftovers}")
    print(f"load average at end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
