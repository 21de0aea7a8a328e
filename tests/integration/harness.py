"""Real processes for the integration tests: a private Redis, Celery worker and beat, gunicorn.

Each process runs in its own session (so its own process group): stopping it reaches its
children too (the prefork pool, gunicorn's workers), and nothing here ever signals a
process it did not start. Output goes to a log file under the test's tmp_path; the tails
are attached to a failing test's report.
"""

import atexit
import glob
import http.cookiejar
import json
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from pathlib import Path
from urllib.parse import quote

import psycopg2
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
    def __init__(self, name, argv, *, env, log_path: Path, is_ready, user=None):
        self.name = name
        self.argv = argv
        self.env = env
        self.log_path = log_path
        self.is_ready = is_ready
        self.user = user  # run as this user (PostgreSQL refuses to run as root)
        self.popen = None
        # True from start() until a deliberate stop() or kill(): an exit in between is a crash.
        self.wanted = False
        self.stopping = False  # SIGTERM sent to the current process

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
                user=self.user,
            )
        _started_groups.add(self.popen.pid)
        self.wanted = True
        self.stopping = False
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

    def request_stop(self):
        """SIGTERM to the leader, once, without waiting: lets several processes shut down side by side."""
        if self.popen is not None and self.popen.poll() is None and not self.stopping:
            self.stopping = True
            self.popen.terminate()

    def stop(self, timeout=STOP_TIMEOUT):
        """Terminate (SIGTERM to the leader, which shuts its children down), then kill the group."""
        self.wanted = False
        if self.popen is None:
            return
        if self.popen.poll() is None:
            self.request_stop()
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


def _postgres_bin_dir() -> Path:
    """PG_BIN if set, else the newest /usr/lib/postgresql/<version>/bin, else wherever PATH finds initdb."""
    if os.environ.get("PG_BIN"):
        return Path(os.environ["PG_BIN"])
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    if candidates:
        return Path(candidates[-1]).parent
    found = shutil.which("initdb")
    if not found:
        raise RuntimeError("No PostgreSQL server binaries: set PG_BIN to the directory holding initdb and postgres")
    return Path(found).parent


class PostgresServer(ManagedProcess):
    """A private PostgreSQL cluster: initdb'd into a fresh directory, run in the foreground on its own port.

    The postmaster is this process's child in its own process group, like every other
    process here, instead of a daemon that ``pg_ctl start`` would leave behind. ``stop()``
    is ``pg_ctl stop -m fast``: SIGINT, which ends every session and shuts down cleanly.
    PostgreSQL refuses to run as root, so under root it runs as the ``postgres`` user, in a
    directory of its own (pytest's tmp_path is private to root).
    """

    def __init__(self, *, log_path: Path):
        self.bin_dir = _postgres_bin_dir()
        self.port = free_port()
        user = None
        if os.geteuid() == 0:
            user = os.environ.get("PG_USER", "postgres")
        self.workdir = Path(tempfile.mkdtemp(prefix="portal-pg-"))
        if user:
            entry = pwd.getpwnam(user)
            os.chown(self.workdir, entry.pw_uid, entry.pw_gid)
        self.data_dir = self.workdir / "data"
        argv = [
            str(self.bin_dir / "postgres"), "-D", str(self.data_dir), "-p", str(self.port),
            "-k", str(self.workdir), "-c", "listen_addresses=127.0.0.1",
            # A throwaway cluster: durability buys nothing here and costs time.
            "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
        ]  # fmt: skip
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        super().__init__("postgres", argv, env=env, log_path=log_path, is_ready=self.accepts_connections, user=user)

    def initdb(self):
        subprocess.run(
            [str(self.bin_dir / "initdb"), "-D", str(self.data_dir), "-U", "postgres", "-A", "trust",
             "-E", "UTF8", "--no-sync", "--no-instructions"],
            check=True, env=self.env, user=self.user, cwd=self.workdir,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=START_TIMEOUT,
        )  # fmt: skip
        return self

    def url(self, dbname="postgres") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{dbname}"

    def connect(self, dbname="postgres"):
        return psycopg2.connect(host="127.0.0.1", port=self.port, user="postgres", dbname=dbname, connect_timeout=2)

    def accepts_connections(self) -> bool:
        try:
            self.connect().close()
            return True
        except psycopg2.OperationalError:
            return False

    def create_database(self, name):
        connection = self.connect()
        try:
            connection.autocommit = True
            with connection.cursor() as cursor:
                cursor.execute(f'CREATE DATABASE "{name}"')
        finally:
            connection.close()

    def stop(self, timeout=STOP_TIMEOUT):
        """Fast shutdown (what ``pg_ctl stop -m fast`` sends), then make sure the group is gone."""
        self.wanted = False
        if self.popen is None:
            return
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGINT)
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                pass
        super().stop(timeout)

    def remove(self):
        """Delete the cluster's files (call once it is stopped)."""
        shutil.rmtree(self.workdir, ignore_errors=True)


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

    def worker(self, name="worker", pool="prefork", **env_overrides):
        argv = [
            sys.executable, "-m", "celery", "-A", "portal", "worker",
            "--concurrency=1", f"--pool={pool}", "-l", "INFO", "-n", f"{name}@%h",
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

    def web(self, *, workers=2, **env_overrides):
        argv = [
            sys.executable, "-m", "gunicorn", "portal.wsgi:application",
            "-b", f"127.0.0.1:{self.web_port}", "-w", str(workers),
            "--graceful-timeout", "5", "--access-logfile", "-",
        ]  # fmt: skip
        return self._add("web", argv, lambda p: http_answers(f"{self.base_url}/api/v1/cases/"), **env_overrides)

    def manage(self, *args, timeout=60, **env_overrides) -> str:
        """Run ``manage.py`` with the stack's environment (plus overrides); return its output, fail loudly."""
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=BASE_DIR, env={**self.env, **env_overrides}, stdin=subprocess.DEVNULL,
            capture_output=True, text=True, timeout=timeout,
        )  # fmt: skip
        if result.returncode:
            raise AssertionError(f"manage.py {args[0]} exited with {result.returncode}:\n{result.stderr[-4000:]}")
        return result.stdout

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
        # Everything that talks to the database or the broker first (side by side: each
        # takes a second or two to shut down), the servers last.
        clients = [p for p in reversed(self.processes) if not isinstance(p, RedisServer | PostgresServer)]
        for process in clients:
            process.request_stop()
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
        status, _, body = self.api_response(method, path, token=token, payload=payload, timeout=timeout)
        return status, body

    def api_response(self, method, path, *, token, payload=None, timeout=30):
        """(status, headers, JSON body, or text if not JSON) of one API request with token auth."""
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
                return response.status, response.headers, json.loads(response.read() or b"null")
        except urllib.error.HTTPError as error:
            body = error.read()
            try:
                return error.code, error.headers, json.loads(body)
            except ValueError:
                return error.code, error.headers, body.decode(errors="replace")


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


class BrowserSession:
    """Pages as a browser sees them: cookies kept, CSRF token sent back, redirects not followed.

    ``request`` returns (status, headers, body text); HTTP errors are returned, not raised.
    """

    class _NoRedirects(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    def __init__(self, base_url):
        self.base_url = base_url
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.ProxyHandler({}), urllib.request.HTTPCookieProcessor(self.cookies), self._NoRedirects
        )

    def cookie(self, name):
        return next((c.value for c in self.cookies if c.name == name), None)

    def request(self, method, path, *, form=None, timeout=30):
        data = None
        headers = {"Accept": "text/html"}
        if form is not None:
            data = urllib.parse.urlencode({**form, "csrfmiddlewaretoken": self.cookie("csrftoken") or ""}, doseq=True)
            data = data.encode()
            headers.update({"Content-Type": "application/x-www-form-urlencoded", "Referer": self.base_url + path})
        request = urllib.request.Request(self.base_url + path, data=data, method=method, headers=headers)
        try:
            with self.opener.open(request, timeout=timeout) as response:
                return response.status, response.headers, response.read().decode(errors="replace")
        except urllib.error.HTTPError as error:
            return error.code, error.headers, error.read().decode(errors="replace")

    def get(self, path, **kwargs):
        return self.request("GET", path, **kwargs)

    def post(self, path, form, **kwargs):
        return self.request("POST", path, form=form, **kwargs)

    def sign_in(self, login_path, username, password):
        """GET the sign-in form (for the CSRF cookie), POST the credentials; True when redirected onwards."""
        self.get(login_path)
        status, headers, _ = self.post(login_path, {"username": username, "password": password})
        return status == 302 and self.cookie("sessionid") is not None
