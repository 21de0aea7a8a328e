from celery import shared_task

from ops import heartbeat as heartbeats


@shared_task(name="ops.tasks.heartbeat", ignore_result=True)
def heartbeat():
    """Record that a worker ran a task just now (ops.heartbeat explains the design)."""
    heartbeats.record(heartbeats.WORKER)
