"""Start `make run` and stop it, N times, alternating SIGTERM to make and Ctrl+C (SIGINT to
its process group); print each cycle's start and stop times and whatever was left running.

    .venv/bin/python bench/make_run_cycles.py --cycles 20

Each cycle uses a fresh var/ folder in a temporary directory and a free port; the
environment's DATABASE_URL and CELERY_BROKER_URL are dropped, so it is the embedded default.
"""

import argparse
import os
import signal
import socket
import statistics
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DROPPED = ("DATABASE_URL", "CELERY_BROKER_URL", "DJANGO_SECRET_KEY", "DJANGO_DEBUG", "DJANGO_SECURE_COOKIES",
           "EMAIL_BACKEND", "EMAIL_FILE_PATH", "PORTAL_VAR_DIR", "PORTAL_BASE_URL")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def session_pids(sid: int) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[3]) == sid and fields[0] != "Z":
                pids.append(int(entry.name))
    return pids


def serves(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - loopback only
            return response.status == 200
    except OSError:
        return False


def cycle(number: int, how: str) -> tuple[float, float, list[int]]:
    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        env = {k: v for k, v in os.environ.items() if k not in DROPPED}
        env.update(PORT=str(port), PORTAL_VAR_DIR=str(Path(tmp) / "var"))
        started = time.monotonic()
        with open(Path(tmp) / "make-run.log", "wb") as log:
            make = subprocess.Popen(["make", "run"], cwd=ROOT, env=env, stdout=log,  # noqa: S603, S607
                                    stderr=subprocess.STDOUT, start_new_session=True)
        while not serves(f"http://127.0.0.1:{port}/healthz"):
            if make.poll() is not None or time.monotonic() - started > 300:
                log_text = (Path(tmp) / "make-run.log").read_text()
                raise SystemExit(f"cycle {number}: make run did not start:\n{log_text}")
            time.sleep(0.2)
        up_in = time.monotonic() - started
        stop_at = time.monotonic()
        if how == "SIGTERM":
            os.kill(make.pid, signal.SIGTERM)
        else:
            os.killpg(make.pid, signal.SIGINT)
        while session_pids(make.pid) and time.monotonic() - stop_at < 30:
            time.sleep(0.05)
        stopped_in = time.monotonic() - stop_at
        left = session_pids(make.pid)
        for pid in left:
            os.kill(pid, signal.SIGKILL)
        make.wait(timeout=10)
        return up_in, stopped_in, left


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cycles", type=int, default=20)
    args = parser.parse_args()
    subprocess.run(["make", "install"], cwd=ROOT, check=True, capture_output=True)  # noqa: S607
    stops = {"SIGTERM": [], "Ctrl+C": []}
    leftovers = 0
    print(f"load average at start: {os.getloadavg()[0]:.2f}")
    for number in range(1, args.cycles + 1):
        how = "SIGTERM" if number % 2 else "Ctrl+C"
        up_in, stopped_in, left = cycle(number, how)
        stops[how].append(stopped_in)
        leftovers += len(left)
        print(f"cycle {number:2d}: up in {up_in:5.1f} s, {how:7s} -> all stopped in {stopped_in:4.1f} s, "
              f"left running: {len(left)}", flush=True)
    for how, times in stops.items():
        if times:
            print(f"{how}: {len(times)} stops, median {statistics.median(times):.1f} s, "
                  f"min {min(times):.1f} s, max {max(times):.1f} s")
    print(f"processes left behind over {args.cycles} cycles: {leftovers}")
    print(f"load average at end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
