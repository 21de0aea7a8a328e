from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"

    def ready(self):
        # Registered here, not in portal/celery.py: the step is the outbox's, and the
        # kernel does not import the apps above it. Django is set up before the worker
        # builds its consumer, so the step is in place for the first connection.
        from notifications.worker import HandUnsentOnConnect
        from portal.celery import app

        app.steps["consumer"].add(HandUnsentOnConnect)
