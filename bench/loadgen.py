"""Over HTTP: gunicorn serving bench.bare_app on 127.0.0.1, loaded by wrk from a second process.

Every load is bounded: wrk runs for a fixed number of seconds against 127.0.0.1 only, and
the server is stopped by its process id when the benchmark ends, whatever happens.
"""

import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
WRK_SCRIPT = ROOT / "bench" / "wrk.lua"


@dataclass(frozen=True)
class ServerConfig:
    workers: int = 2
    threads: int = 1

    @property
    def worker_class(self) -> str:
        return "gthread" if self.threads > 1 else "sync"

    def describe(self) -> str:
        return f"gunicorn -w {self.workers} --threads {self.threads} ({self.worker_class} workers)"


class Server:
    """gunicorn on a free port of 127.0.0.1, started and stopped by this process only."""

    def __init__(self, config: ServerConfig, env: dict, log_path: Path):
        self.config, self.env, self.log_path = config, env, log_path
        self.port = _free_port()
        self.process = None

    def __enter__(self):
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "bench.bare_app:application",
            "--bind",
            f"{HOST}:{self.port}",
            "--workers",
            str(self.config.workers),
            "--threads",
            str(self.config.threads),
            "--worker-class",
            self.config.worker_class,
            "--timeout",
            "60",
            "--graceful-timeout",
            "5",
            "--log-level",
            "warning",
        ]
        self.log = open(self.log_path, "ab")  # noqa: SIM115 - closed in __exit__
        self.process = subprocess.Popen(  # noqa: S603 - our own fixed command line
            command, cwd=ROOT, env=self.env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}; see {self.log_path}")
            try:
                if self.request("GET", "/bench/bare/")[0] == 200:
                    return self
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not answer within 60 s; see {self.log_path}")

    def __exit__(self, *exc):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.log.close()

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def request(self, method: str, path: str, headers: dict | None = None, body: str | None = None):
        """One request, for checking an endpoint answers as expected before loading it: (status, body)."""
        connection = http.client.HTTPConnection(HOST, self.port, timeout=30)
        try:
            connection.request(method, path, body=body, headers=headers or {})
            response = connection.getresponse()
            return response.status, response.read()
        finally:
            connection.close()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


@dataclass(frozen=True)
class WrkResult:
    connections: int
    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int  # non-2xx/3xx answers, timeouts and socket errors

    def as_dict(self) -> dict:
        return self.__dict__.copy()


def wrk_path() -> str:
    path = shutil.which("wrk")
    if not path:
        raise SystemExit("wrk is not installed: apt-get install -y wrk (make bench does it).")
    return path


def run_wrk(
    server: Server,
    path: str,
    *,
    connections: int,
    seconds: int,
    headers: dict,
    method: str = "GET",
    body: str | None = None,
    ids: list[int] | None = None,
) -> WrkResult:
    """wrk for ``seconds`` at ``connections`` connections; ``{id}`` in path takes ``ids`` in turn."""
    threads = min(connections, 2)
    with tempfile.TemporaryDirectory(prefix="bench-wrk-") as scratch:
        ids_file = body_file = "-"
        if ids:
            ids_file = str(Path(scratch) / "ids")
            Path(ids_file).write_text("".join(f"{i}\n" for i in ids))
        if body is not None:
            body_file = str(Path(scratch) / "body.json")
            Path(body_file).write_text(body)
        command = [
            wrk_path(),
            f"-t{threads}",
            f"-c{connections}",
            f"-d{seconds}s",
            "--timeout",
            "10s",
            "-s",
            str(WRK_SCRIPT),
        ]
        for name, value in headers.items():
            command += ["-H", f"{name}: {value}"]
        # The path goes to the script, which fills in "{id}": wrk itself only needs the server.
        command += [server.base_url + "/", "--", method, path, ids_file, body_file, str(threads)]
        finished = subprocess.run(  # noqa: S603 - our own fixed command line
            command, capture_output=True, text=True, timeout=seconds + 60, check=False
        )
    line = next((line for line in finished.stdout.splitlines() if line.startswith("BENCH_JSON ")), None)
    if finished.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({finished.returncode}): {finished.stderr or finished.stdout}")
    data = json.loads(line.removeprefix("BENCH_JSON "))
    elapsed = data["duration_us"] / 1e6
    errors = sum(data["errors"].values())
    return WrkResult(
        connections=connections,
        requests=data["requests"],
        seconds=round(elapsed, 2),
        rps=data["requests"] / elapsed if elapsed else 0.0,
        p50_ms=data["latency_us"]["p50"] / 1000,
        p99_ms=data["latency_us"]["p99"] / 1000,
        errors=errors,
    )
