"""gunicorn's hooks for every way the portal is served: gunicorn reads ./gunicorn.conf.py when
started from the repository's root (the Dockerfile's working directory, and the benchmark's).
"""

import gc
import os

from portal.observability import logging_config

# LOG_FORMAT=json: gunicorn's own lines (its access log included) as JSON too.
if os.environ.get("LOG_FORMAT") == "json":
    logconfig_dict = logging_config(log_format="json", level=os.environ.get("LOG_LEVEL", "INFO"))
    logconfig_dict["loggers"] = {
        "gunicorn.error": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "gunicorn.access": {"handlers": ["console"], "level": "INFO", "propagate": False},
    }


def post_worker_init(worker):
    # What the worker has loaded by now (Django, the apps, the URLconf) lives as long as the
    # worker does. Frozen out of the garbage collector's sight, a full collection walks only
    # what requests allocate: without it, one in every few requests paid ~5 ms for walking
    # ~75,000 long-lived objects (measured with cProfile on the review queue API).
    gc.freeze()


def child_exit(server, worker):
    # prometheus-client's multiprocess mode (PROMETHEUS_MULTIPROC_DIR, see scripts/serve):
    # a dead worker's live gauges must leave the scrape; its counters stay, as they should.
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
