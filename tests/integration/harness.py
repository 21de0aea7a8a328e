"""Real processes for the integration tests: a private Redis, Celery worker and beat, gunicorn.

Each process runs in its own session (so its own process group): stopping it reaches its
children too (the prefork pool, gunicorn's workers), and nothing here ever signals a
process it did not start. Output goes to a log file under the test's tmp_path; the tails
are attached to a failing test's report.
"""

import atexit
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path
from urllib.parse import quote

import redis
from django.conf import settings

BASE_DIR = Path(settings.BASE_DIR)
# Generous for a loaded 2-core CI machine; every wait polls and returns as soon as it can.
START_TIMEOUT = 30
STOP_TIMEOUT = 10
POLL_INTERVAL = 0.05
# The subprocesses run with DEBUG off, which refuses a missing or short key.
FALLBACK_SECRET_KEY = "integration-test-secret-key-long-enough-0123456789"


class ProcessDied(AssertionError):
    pass


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_url(settings_dict) -> str:
    """The URL of the database this test process uses (pytest-django's test database)."""
    user = quote(settings_dict.get("USER") or "", safe="")
    password = quote(settings_dict.get("PASSWORD") or "", safe="")
    credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or 5432
    return f"postgres://{credentials}{host}:{port}/{quote(settings_dict['NAME'], safe='')}"


_started_groups: set[int] = set()


@atexit.register
def _kill_leftovers():
    """A safety net for an interrupted run (fixture teardown normally stops everything)."""
    for pgid in _started_groups:
        try:
            os.killpg(pgid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


class ManagedProcess:
    def __init__(self, name, argv, *, env, log_path: Path, is_ready):
        self.name = name
        self.argv = argv
        self.env = env
        self.log_path = log_path
        self.is_ready = is_ready
        self.popen = None
        # True from start() until a deliberate stop() or kill(): an exit in between is a crash.
        self.wanted = False

    def start(self):
        assert not self.is_running(), f"{self.name} is already running"
        with open(self.log_path, "ab") as log:
            log.write(f"\n=== {time.strftime('%H:%M:%S')} start: {' '.join(self.argv)}\n".encode())
            log.flush()
            self.popen = subprocess.Popen(
                self.argv,
                cwd=BASE_DIR,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: see stop() and kill()
            )
        _started_groups.add(self.popen.pid)
        self.wanted = True
        return self

    @property
    def pid(self):
        return self.popen.pid if self.popen else None

    def is_running(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def tail(self, lines=40) -> str:
        return "\n".join(self.log_text().splitlines()[-lines:])

    def _signal_group(self, signum):
        try:
            os.killpg(self.popen.pid, signum)
        except (ProcessLookupError, PermissionError):
            pass  # the whole group is gone already

    def stop(self, timeout=STOP_TIMEOUT):
        """Terminate (SIGTERM to the leader, which shuts its children down), then kill the group."""
        self.wanted = False
        if self.popen is None:
            return
        if self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                self._signal_group(signal.SIGKILL)
                self.popen.wait(timeout)
        # Anything the leader left behind (an orphaned pool child) must not outlive the test:
        # it would hold a connection to the test database while pytest-django flushes it.
        self._signal_group(signal.SIGKILL)
        _started_groups.discard(self.popen.pid)

    def kill(self):
        """SIGKILL the leader and all its children at once: a crash, not a shutdown."""
        self.wanted = False
        self._signal_group(signal.SIGKILL)
        self.popen.wait(STOP_TIMEOUT)
        _started_groups.discard(self.popen.pid)


class RedisServer(ManagedProcess):
    """A private, memory-only redis-server, stoppable and restartable on the same port."""

    def __init__(self, *, workdir: Path, log_path: Path):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        argv = [
            os.environ.get("REDIS_SERVER", "redis-server"),
            "--save", "",
            "--appendonly", "no",
            "--port", str(self.port),
            "--bind", "127.0.0.1",
            "--dir", str(workdir),
        ]  # fmt: skip
        super().__init__("redis", argv, env=os.environ.copy(), log_path=log_path, is_ready=self.answers_ping)

    def client(self):
        return redis.Redis(host="127.0.0.1", port=self.port, socket_connect_timeout=0.5, socket_timeout=2)

    def answers_ping(self) -> bool:
        try:
            with self.client() as client:
                return client.ping()
        except redis.RedisError:
            return False

    def unacked_tags(self) -> set[str]:
        """Delivery tags of the messages handed to a worker and not yet acknowledged."""
        with self.client() as client:
            return {tag.decode() for tag in client.hkeys("unacked")}

    def queue_is_drained(self, abandoned=frozenset()) -> bool:
        """No task waits in the default queue and none is in a live worker's hands.

        ``abandoned``: unacked tags of a killed worker. Redis keeps them for the visibility
        timeout (an hour), so they never drain; the outbox sweep redelivers their rows.
        """
        with self.client() as client:
            if client.llen("celery"):
                return False
        return not (self.unacked_tags() - set(abandoned))


def log_contains(process, text):
    return lambda: text in process.log_text()


def http_answers(url):
    def answers():
        try:
            with OPENER.open(url, timeout=2):
                return True
        except urllib.error.HTTPError:
            return True  # any HTTP answer (401 here) means the server is up
        except OSError:
            return False

    return answers


# Never through an HTTP proxy from the environment: the server is on loopback.
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class Stack:
    """Redis plus whichever of worker, beat and web a test starts; all share one environment."""

    def __init__(self, tmp_path: Path, database: str):
        self.tmp_path = tmp_path
        self.mail_dir = tmp_path / "mail"
        self.mail_dir.mkdir()
        self.logs_dir = tmp_path / "logs"
        self.logs_dir.mkdir()
        self.processes: list[ManagedProcess] = []
        self.abandoned_tags: set[str] = set()
        self.redis = RedisServer(workdir=tmp_path, log_path=self.logs_dir / "redis.log")
        self.processes.append(self.redis)
        self.web_port = free_port()
        self.base_url = f"http://127.0.0.1:{self.web_port}"
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "COV_"))}
        env.update(
            DJANGO_SETTINGS_MODULE="portal.settings",
            PYTHONPATH=os.pathsep.join(filter(None, [str(BASE_DIR), os.environ.get("PYTHONPATH")])),
            PYTHONUNBUFFERED="1",
            DATABASE_URL=database,
            CELERY_BROKER_URL=self.redis.url,
            EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
            EMAIL_FILE_PATH=str(self.mail_dir),
            PORTAL_SWEEP_SECONDS="1",
            PORTAL_REDELIVER_AFTER_SECONDS="2",
            PORTAL_CLAIM_LEASE_SECONDS="5",
            DJANGO_SECRET_KEY=os.environ.get("DJANGO_SECRET_KEY") or FALLBACK_SECRET_KEY,
            DJANGO_DEBUG="false",
            DJANGO_SECURE_COOKIES="false",
            PORTAL_VAR_DIR=str(tmp_path),
            LOG_LEVEL="INFO",
        )
        self.env = env

    # -- processes ------------------------------------------------------------------

    def _add(self, name, argv, is_ready_factory, **env_overrides):
        process = ManagedProcess(
            name,
            argv,
            env={**self.env, **env_overrides},
            log_path=self.logs_dir / f"{name}.log",
            is_ready=None,
        )
        process.is_ready = is_ready_factory(process)
        self.processes.append(process)
        return process

    def worker(self, name="worker", **env_overrides):
        argv = [
            sys.executable, "-m", "celery", "-A", "portal", "worker",
            "--concurrency=1", "--pool=prefork", "-l", "INFO", "-n", f"{name}@%h",
            # Nobody else is on this private broker: skip the start-up handshakes.
            "--without-mingle", "--without-gossip",
        ]  # fmt: skip
        return self._add(name, argv, lambda p: log_contains(p, " ready."), **env_overrides)

    def beat(self):
        argv = [
            sys.executable, "-m", "celery", "-A", "portal", "beat", "-l", "INFO",
            "--schedule", str(self.tmp_path / "celerybeat-schedule"),
            "--pidfile", str(self.tmp_path / "celerybeat.pid"),
            "--max-interval", "1",
        ]  # fmt: skip
        return self._add("beat", argv, lambda p: log_contains(p, "Sending due task"))

    def web(self):
        argv = [
            sys.executable, "-m", "gunicorn", "portal.wsgi:application",
            "-b", f"127.0.0.1:{self.web_port}", "-w", "2",
            "--graceful-timeout", "5", "--access-logfile", "-",
        ]  # fmt: skip
        return self._add("web", argv, lambda p: http_answers(f"{self.base_url}/api/v1/cases/"))

    def start(self, *processes):
        """Start the processes together and wait until each is ready (they boot Django in parallel)."""
        for process in processes:
            process.start()
        for process in processes:
            self.wait_for(process.is_ready, START_TIMEOUT, f"{process.name} to be ready")
        return processes

    def up(self, *, worker=False, beat=False, web=False):
        wanted = [self.worker() if worker else None, self.beat() if beat else None, self.web() if web else None]
        return self.start(*(p for p in wanted if p))

    def start_redis(self):
        self.start(self.redis)

    def kill(self, process):
        """SIGKILL a worker (and its pool); remember the messages it held unacknowledged."""
        process.kill()
        self.abandoned_tags |= self.redis.unacked_tags()

    def queue_is_drained(self):
        return self.redis.queue_is_drained(self.abandoned_tags)

    def stop_all(self):
        # Everything that talks to the database or the broker first, the broker last.
        for process in reversed(self.processes):
            process.stop()

    def log_tails(self, lines=40):
        return [(p.name, p.tail(lines)) for p in self.processes if p.log_path.exists()]

    # -- waiting ----------------------------------------------------------------------

    def assert_alive(self):
        for process in self.processes:
            if process.wanted and process.popen.poll() is not None:
                raise ProcessDied(
                    f"{process.name} exited with {process.popen.returncode}; its log ends:\n{process.tail()}"
                )

    def wait_for(self, predicate, timeout, what):
        """Poll until predicate() is truthy; return its value. Fails early if a process died."""
        deadline = time.monotonic() + timeout
        while True:
            value = predicate()
            if value:
                return value
            self.assert_alive()
            if time.monotonic() > deadline:
                raise AssertionError(f"gave up after {timeout} s waiting for {what}")
            time.sleep(POLL_INTERVAL)

    # -- mail ---------------------------------------------------------------------------

    def mailed(self) -> Counter:
        """How many emails carry each X-Portal-Notification key, across every file in the mail dir."""
        return mail_counts(self.mail_dir)

    # -- HTTP ---------------------------------------------------------------------------

    def api(self, method, path, *, token, payload=None, timeout=30):
        """(status, JSON body) of one API request with token auth; HTTP errors are returned, not raised."""
        request = urllib.request.Request(
            self.base_url + path,
            data=json.dumps(payload).encode() if payload is not None else None,
            method=method,
            headers={
                "Authorization": f"Token {token}",
                "Content-Type": "application/json",
                "Accept": "application/json",
            },
        )
        try:
            with OPENER.open(request, timeout=timeout) as response:
                return response.status, json.loads(response.read() or b"null")
        except urllib.error.HTTPError as error:
            body = error.read()
            try:
                return error.code, json.loads(body)
            except ValueError:
                return error.code, body.decode(errors="replace")


NOTIFICATION_HEADER = re.compile(rb"^X-Portal-Notification: *(\S+)[ \t]*\r?$", re.MULTILINE)


def mail_counts(mail_dir: Path) -> Counter:
    counts = Counter()
    for path in mail_dir.iterdir():
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            continue
        counts.update(key.decode() for key in NOTIFICATION_HEADER.findall(data))
    return counts
