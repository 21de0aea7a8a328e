"""What the portal tells the outside about itself beyond /healthz, /readyz and /metrics:
logs as JSON lines on request (LOG_FORMAT=json) and errors to Sentry (SENTRY_DSN).

Both are read once from settings.py, so the web app, the worker and beat behave alike.
"""

# One JSON object per line, with these names: what log shippers (Loki, Elasticsearch,
# CloudWatch) index without a parsing rule. Fields passed in `extra=` are added as they are.
JSON_FORMATTER = {
    "()": "pythonjsonlogger.json.JsonFormatter",
    "fmt": "%(asctime)s %(levelname)s %(name)s %(process)d %(message)s",
    "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger", "process": "pid"},
    "timestamp": False,
}


def logging_config(*, log_format: str, level: str) -> dict:
    """Django's LOGGING: text lines on the console, or JSON lines when ``log_format`` is "json"."""
    if log_format not in ("text", "json"):
        raise ValueError(f"LOG_FORMAT must be text or json, not {log_format!r}.")
    handler = {"class": "logging.StreamHandler"}
    if log_format == "json":
        handler["formatter"] = "json"
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": JSON_FORMATTER},
        "handlers": {"console": handler},
        "root": {"handlers": ["console"], "level": level},
        "loggers": {"django.db.backends": {"level": "INFO"}},
    }


def sentry_init(*, dsn: str, environment: str, traces_sample_rate: float):
    """Report unhandled errors and error logs of the web app and the worker to Sentry.

    No personal data is sent (``send_default_pii`` off: no user emails, cookies or bodies),
    only the stack trace and the request's method and path.
    """
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        send_default_pii=False,
        traces_sample_rate=traces_sample_rate,
    )
