"""Prometheus metrics: request latency (this process) and the portal's state (the database).

The latency histogram is observed by ops.middleware in each web process. With several
gunicorn workers, set PROMETHEUS_MULTIPROC_DIR (an empty folder, before the processes start)
so that a scrape, answered by one worker, reports all of them (prometheus-client's
multiprocess mode).

The state gauges are read from the database at scrape time, four queries whatever the
table sizes: the outbox (backlog and oldest unsent), delivery failures, overdue escalations,
and the heartbeats. They live in no process's memory, so every worker answers the same.
"""

import os

from django.utils import timezone
from prometheus_client import CollectorRegistry, Histogram, generate_latest, multiprocess
from prometheus_client.core import GaugeMetricFamily

from ops import selectors

# Not in the default registry: each scrape builds its own (see ``render``).
REQUEST_LATENCY = Histogram(
    "portal_http_request_duration_seconds",
    "Time from the first middleware to the response, by method, view and status code.",
    ["method", "view", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
    registry=None,
)

# A method outside these is counted as OTHER: labels must stay a small, fixed set whatever
# a client sends.
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def observe_request(*, method, view, status, seconds):
    REQUEST_LATENCY.labels(
        method=method if method in KNOWN_METHODS else "OTHER", view=view, status=str(status)
    ).observe(seconds)


class PortalStateCollector:
    """The gauges read at scrape time (four queries)."""

    def collect(self):
        now = timezone.now()
        unsent, oldest_age = selectors.outbox_backlog(now=now)
        yield GaugeMetricFamily("portal_outbox_backlog", "Notifications neither sent nor given up.", value=unsent)
        yield GaugeMetricFamily(
            "portal_outbox_oldest_unsent_age_seconds",
            "Age of the oldest unsent notification; 0 when none waits.",
            value=oldest_age or 0,
        )
        yield GaugeMetricFamily(
            "portal_notifications_failed",
            "Notifications given up after their last delivery attempt, waiting for an admin to retry.",
            value=selectors.delivery_failures(),
        )
        yield GaugeMetricFamily(
            "portal_escalations_overdue",
            "Pending escalations in the review queue past their review deadline.",
            value=selectors.overdue_escalations(now=now),
        )
        heartbeats = GaugeMetricFamily(
            "portal_heartbeat_age_seconds", "Seconds since beat or a worker last proved alive.", labels=["process"]
        )
        for name, age in sorted(selectors.heartbeat_ages(now=now).items()):
            heartbeats.add_metric([name], age)
        yield heartbeats


def render():
    """The exposition text of one scrape."""
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(REQUEST_LATENCY)
    registry.register(PortalStateCollector())
    return generate_latest(registry)
