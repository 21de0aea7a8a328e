from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "ops"
    verbose_name = "Operations"

    def ready(self):
        # Connects the beat process's heartbeat to Celery's signals. Beat sets Django up
        # (Celery's Django fixup) before it sends beat_init, so the receivers are in place.
        from ops import heartbeat  # noqa: F401
