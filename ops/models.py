from django.db import models


class Heartbeat(models.Model):
    """When a background process last proved it works: one row per process kind, overwritten.

    ``beat`` is written by the beat process each time it schedules the heartbeat task;
    ``worker`` by a worker when it runs that task (ops.heartbeat says why that is honest).
    """

    name = models.CharField(max_length=32, primary_key=True)
    beat_at = models.DateTimeField()

    def __str__(self):
        return f"{self.name} at {self.beat_at:%Y-%m-%d %H:%M:%S}"
