"""Readiness: can this deployment do its job right now? Each check with its figure.

Checks, in order: the database (``SELECT 1``), the broker (file broker folders present and
writable; Redis answers PING within PORTAL_READY_BROKER_TIMEOUT_SECONDS), beat's and a
worker's heartbeats (ops.heartbeat), the outbox backlog and the age of its oldest unsent
message. Three queries in all (SELECT 1, heartbeats, outbox); none when the database is down.

No figure names a host, a path or a password: the report is public (load balancers and
probes call it without credentials), so a failure says which check failed and the kind of
error, never the broker's URL.

A word on wiring: the worker, beat and the outbox are shared by every web process. Used as
the web pods' Kubernetes readinessProbe, /readyz would take every pod out of service when
the one worker dies, which is the "dead worker kills the web" fault of issue 11 again. Probe
the web with /healthz; point alerting, dashboards and rollout gates at /readyz.
"""

import os
from dataclasses import dataclass, field

from django.conf import settings
from django.db import DatabaseError, connection

from ops import heartbeat, selectors


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    figures: dict = field(default_factory=dict)
    detail: str = ""

    def as_dict(self):
        return {"ok": self.ok, **self.figures, **({"detail": self.detail} if self.detail else {})}


@dataclass(frozen=True)
class Report:
    checks: list

    @property
    def ok(self):
        return all(check.ok for check in self.checks)

    def as_dict(self):
        return {
            "status": "ok" if self.ok else "unavailable",
            "checks": {check.name: check.as_dict() for check in self.checks},
        }


def report(*, now):
    """Every check, run now. The database checks are skipped (and failed) when it is unreachable."""
    database = check_database()
    checks = [database, check_broker()]
    if database.ok:
        try:
            checks += check_heartbeats(now=now) + check_outbox(now=now)
        except DatabaseError as exc:
            database = Check("database", False, detail=f"query failed: {type(exc).__name__}")
            checks[0] = database
    if not database.ok:
        skipped = "not checked: the database is unreachable"
        checks += [Check(name, False, detail=skipped) for name in ("beat", "worker", "outbox_backlog", "outbox_oldest")]
    return Report(checks)


def check_database():
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        return Check("database", False, detail=f"unreachable: {type(exc).__name__}")
    return Check("database", True)


def check_broker():
    """The broker answers (Redis PING, bounded) or, for kombu's file broker, its folders can be written."""
    url = settings.CELERY_BROKER_URL
    transport = url.split("://", 1)[0].lower()
    figures = {"transport": transport}
    timeout = settings.PORTAL_READY_BROKER_TIMEOUT_SECONDS
    if transport == "filesystem":
        options = settings.CELERY_BROKER_TRANSPORT_OPTIONS
        folders = {options[key] for key in ("data_folder_in", "data_folder_out", "control_folder") if options.get(key)}
        if options.get("store_processed") and options.get("processed_folder"):
            folders.add(options["processed_folder"])
        unusable = [path for path in folders if not (os.path.isdir(path) and os.access(path, os.W_OK | os.X_OK))]
        if unusable:
            detail = f"{len(unusable)} of its {len(folders)} folders missing or read-only"
            return Check("broker", False, figures, detail)
        return Check("broker", True, figures)
    try:
        if transport in ("redis", "rediss"):
            import redis

            client = redis.Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout)
            try:
                client.ping()
            finally:
                client.close()
        else:
            from kombu import Connection

            with Connection(url, connect_timeout=timeout) as broker:
                broker.ensure_connection(max_retries=1, interval_start=0, timeout=timeout)
    except Exception as exc:  # any client error means "not reachable"; its text may carry the URL
        return Check("broker", False, figures, f"unreachable: {type(exc).__name__}")
    return Check("broker", True, figures)


def check_heartbeats(*, now):
    """Beat's and a worker's heartbeat, each failing when older than PORTAL_HEARTBEAT_STALE_SECONDS."""
    ages = selectors.heartbeat_ages(now=now)
    limit = settings.PORTAL_HEARTBEAT_STALE_SECONDS
    beat_age, worker_age = ages.get(heartbeat.BEAT), ages.get(heartbeat.WORKER)
    beat_ok = beat_age is not None and beat_age <= limit
    worker_ok = worker_age is not None and worker_age <= limit

    def figures(age):
        return {"age_seconds": None if age is None else round(age, 1), "max_age_seconds": limit}

    beat = Check(
        heartbeat.BEAT,
        beat_ok,
        figures(beat_age),
        "" if beat_ok else "beat has not scheduled the heartbeat task in time: is beat running?",
    )
    if worker_ok:
        worker_detail = ""
    elif not beat_ok:
        worker_detail = "no heartbeat task ran, but beat is down too and schedules none: unknown"
    else:
        worker_detail = "no worker ran the heartbeat task in time: is a worker running, and its pool?"
    return [beat, Check(heartbeat.WORKER, worker_ok, figures(worker_age), worker_detail)]


def check_outbox(*, now):
    """The unsent count against PORTAL_READY_MAX_UNSENT, the oldest unsent row's age against
    PORTAL_READY_MAX_UNSENT_AGE_SECONDS."""
    unsent, oldest_age = selectors.outbox_backlog(now=now)
    max_unsent = settings.PORTAL_READY_MAX_UNSENT
    max_age = settings.PORTAL_READY_MAX_UNSENT_AGE_SECONDS
    backlog_ok = unsent <= max_unsent
    oldest_ok = oldest_age is None or oldest_age <= max_age
    return [
        Check(
            "outbox_backlog",
            backlog_ok,
            {"unsent": unsent, "max_unsent": max_unsent},
            "" if backlog_ok else "more messages wait to be sent than the limit",
        ),
        Check(
            "outbox_oldest",
            oldest_ok,
            {"age_seconds": None if oldest_age is None else round(oldest_age, 1), "max_age_seconds": max_age},
            "" if oldest_ok else "a message has waited longer than the limit: is delivery (worker, SMTP) working?",
        ),
    ]
