"""The portal's one settings module: every deployment difference is an environment variable.

Read through django-environ, which fails loudly on malformed values. With nothing set,
the portal runs on the embedded default: SQLite and a file-based Celery broker under
``var/``, so ``make run`` works on a machine with only Python.
"""

from datetime import timedelta
from pathlib import Path

import environ

from portal import observability
from portal.startup import INSECURE_SECRET_KEY

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(environ.Env().str("PORTAL_VAR_DIR", default=str(BASE_DIR / "var")))

env = environ.Env()

DEBUG = env.bool("DJANGO_DEBUG", default=False)
# Without DJANGO_SECRET_KEY, a development key; web, worker and beat refuse it in production
# (portal.startup.refuse_insecure_defaults).
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default=INSECURE_SECRET_KEY)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "csp",
    "axes",
    "auditlog",
    "cases",
    "escalations",
    "notifications",
    "demo",
    # /healthz, /readyz, /metrics and the heartbeats behind them (ops.heartbeat).
    "ops",
]

MIDDLEWARE = [
    # First, so that the latency histogram includes every other middleware's time.
    "ops.middleware.RequestLatencyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "portal.middleware.RequestSizeLimitMiddleware",
    "portal.middleware.DatabaseUnavailableMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Pages (and the emails a request writes) in the signed-in person's time zone.
    "portal.middleware.ViewerTimeZoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Records who made each change for the audit trail (django-auditlog).
    "auditlog.middleware.AuditlogMiddleware",
    # Last: it answers a locked-out sign-in after the rest has run.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    # First, so that a throttled sign-in is refused before the password is even checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# Sign-in throttling: after 5 failures for one username from one address, that pair waits
# 15 minutes. Never a permanent lock: an attacker must not be able to lock a user out.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# The pause ends 15 minutes after the failure that started it, as the locked-out page says:
# trying again meanwhile (the user, impatient, with the right password) does not restart it.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_IPWARE_PROXY_COUNT = env.int("AXES_PROXY_COUNT", default=0)


def axes_client_address(request):
    """The address sign-in throttling counts failures against: the client's, never a proxy's.

    Behind AXES_PROXY_COUNT trusted proxies (each appending the address it saw to
    X-Forwarded-For), that is the AXES_PROXY_COUNT-th entry from the right: entries further
    left come from the client and may be forged. Without proxies, REMOTE_ADDR. Counting the
    proxy's own address instead would put every user behind one address, and five wrong
    passwords from anywhere would lock that username out for everyone.
    """
    from django.conf import settings

    proxies = settings.AXES_IPWARE_PROXY_COUNT
    if proxies:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [part for part in forwarded if part]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR")


AXES_CLIENT_IP_CALLABLE = axes_client_address
AXES_VERBOSE = False

# Content-Security-Policy: no inline script anywhere, scripts and styles from our own origin.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "cases.context_processors.portal",
                "notifications.context_processors.notification_bell",
            ],
            # {{ value|when }}: the one format of a time people read, in the reader's zone.
            "builtins": ["portal.templatetags.times"],
        },
    },
]

DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'portal.sqlite3'}"),
}
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DATABASE_CONN_MAX_AGE", default=60))
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Bounded waits: a request blocked on a row lock or a runaway query fails cleanly
    # (and is retried by the user) instead of piling up workers.
    DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = env.int("DATABASE_CONNECT_TIMEOUT", default=5)
    DATABASES["default"]["OPTIONS"]["options"] = (
        f"-c lock_timeout={env.int('DATABASE_LOCK_TIMEOUT_MS', default=5000)} "
        f"-c statement_timeout={env.int('DATABASE_STATEMENT_TIMEOUT_MS', default=30000)}"
    )
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded default serves web, worker and beat from one file: wait for locks
    # instead of failing, and take the write lock up front so transactions never deadlock.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    VAR_DIR.mkdir(parents=True, exist_ok=True)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "cases:list"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Uploads are not a feature: refuse large bodies early instead of reading them.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=256 * 1024)
DATA_UPLOAD_MAX_NUMBER_FIELDS = 200

# Email: written as files under var/mail/ by default (EMAIL_FILE_PATH), SMTP (or any backend) in production.
EMAIL_BACKEND = env.str(
    "EMAIL_BACKEND",
    default="django.core.mail.backends.filebased.EmailBackend",
)
EMAIL_FILE_PATH = env.str("EMAIL_FILE_PATH", default=str(VAR_DIR / "mail"))
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Case Portal <support@caseportal.invalid>")
PORTAL_BASE_URL = env.str("PORTAL_BASE_URL", default="http://127.0.0.1:8000").rstrip("/")

# Celery: Redis in production and CI. With no broker configured: the Redis that `make run`
# keeps on a socket under var/ while it runs (so that a manage.py command beside it
# publishes where its worker listens), else kombu's filesystem transport under var/ so that
# a real worker and beat run with no server installed.
_EMBEDDED_REDIS = VAR_DIR / "redis.sock"
CELERY_BROKER_URL = env.str(
    "CELERY_BROKER_URL",
    default=f"redis+socket://{_EMBEDDED_REDIS}" if _EMBEDDED_REDIS.exists() else "filesystem://localhost//",
)
if CELERY_BROKER_URL.startswith("filesystem://"):
    _queue_dir = VAR_DIR / "broker"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue_dir),
        "data_folder_out": str(_queue_dir),
        "processed_folder": str(VAR_DIR / "broker-processed"),
        # Broadcast/control messages (worker pings); kombu's default is ./control in the cwd.
        "control_folder": str(VAR_DIR / "broker-control"),
        "store_processed": False,
        # The file broker is polled: look often, so a message waits a tenth of a second.
        "polling_interval": 0.1,
    }
    _queue_dir.mkdir(parents=True, exist_ok=True)
    (VAR_DIR / "broker-control").mkdir(parents=True, exist_ok=True)
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": 3600,
        # Publishing to a dead broker fails at once instead of sleeping in retries inside
        # a web request; the outbox sweep redelivers. (The worker's reconnection loop has
        # its own settings and is not affected.)
        "max_retries": 0,
        "socket_connect_timeout": 1,
        "socket_timeout": 5,
    }
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 120
CELERY_TASK_SOFT_TIME_LIMIT = 90
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A worker keeps trying to reach the broker however long it is down (the default gives
# up after 100 tries, ~47 minutes): the outbox waits for it, nothing is lost.
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
# Deliveries are safe to repeat, so a task cut off by a lost connection may run again.
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
# Publishing must not hang a web request when the broker is down: fail fast, the
# outbox sweep redelivers.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TASK_PUBLISH_RETRY = False
# How often beat runs the sweeps, how long a message may stay unsent before the outbox
# sweep hands it to a worker again, and how long a delivery's claim on a message lasts
# (longer than any delivery can take: the task's hard time limit). Tests shorten them.
PORTAL_SWEEP_SECONDS = env.float("PORTAL_SWEEP_SECONDS", default=60)
PORTAL_REDELIVER_AFTER_SECONDS = env.float("PORTAL_REDELIVER_AFTER_SECONDS", default=60)
# A row the sweep hands to the broker is not handed again for this long: a slow or stalled
# broker holds one message per unsent row, never one more per sweep.
PORTAL_REQUEUE_LEASE_SECONDS = env.float("PORTAL_REQUEUE_LEASE_SECONDS", default=300)
# Delivery retries: the n-th failed send waits min(cap, base * 2**(n-1)) s, jittered down to half;
# after PORTAL_DELIVERY_MAX_ATTEMPTS failures the message is marked failed for an admin to retry.
# Keep the cap well under the Redis visibility timeout (3600 s): a retry is a broker ETA.
PORTAL_DELIVERY_RETRY_BASE_SECONDS = env.float("PORTAL_DELIVERY_RETRY_BASE_SECONDS", default=30)
PORTAL_DELIVERY_RETRY_CAP_SECONDS = env.float("PORTAL_DELIVERY_RETRY_CAP_SECONDS", default=600)
PORTAL_DELIVERY_MAX_ATTEMPTS = env.int("PORTAL_DELIVERY_MAX_ATTEMPTS", default=10)
PORTAL_CLAIM_LEASE_SECONDS = env.float("PORTAL_CLAIM_LEASE_SECONDS", default=CELERY_TASK_TIME_LIMIT + 30)
# Operations (ops/): how often beat runs the heartbeat task, and what /readyz counts as unhealthy.
# A heartbeat older than three periods fails it, so a dead worker or beat shows within two minutes.
PORTAL_HEARTBEAT_SECONDS = env.float("PORTAL_HEARTBEAT_SECONDS", default=30)
PORTAL_HEARTBEAT_STALE_SECONDS = env.float("PORTAL_HEARTBEAT_STALE_SECONDS", default=3 * PORTAL_HEARTBEAT_SECONDS)
PORTAL_READY_MAX_UNSENT = env.int("PORTAL_READY_MAX_UNSENT", default=1000)
PORTAL_READY_MAX_UNSENT_AGE_SECONDS = env.float("PORTAL_READY_MAX_UNSENT_AGE_SECONDS", default=600)
PORTAL_READY_BROKER_TIMEOUT_SECONDS = env.float("PORTAL_READY_BROKER_TIMEOUT_SECONDS", default=1)
# /metrics: with a token, only requests bearing it; without, only requests from this machine.
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
# The daily digest (notifications.digest): a person who chose it gets one email a day, from
# this hour in their own time zone; beat looks every PORTAL_DIGEST_SWEEP_SECONDS for digests due.
PORTAL_DIGEST_HOUR = env.int("PORTAL_DIGEST_HOUR", default=8)
PORTAL_DIGEST_SWEEP_SECONDS = env.float("PORTAL_DIGEST_SWEEP_SECONDS", default=600)
if not 0 <= PORTAL_DIGEST_HOUR <= 23:
    raise ValueError("PORTAL_DIGEST_HOUR must be an hour of the day, 0 to 23.")
# Task modules beside the apps' tasks.py (autodiscovered): the digest writes to the outbox,
# which sits above notifications.tasks, so its task lives with it.
CELERY_IMPORTS = ["notifications.digest"]
CELERY_BEAT_SCHEDULE = {
    "send-daily-digests": {
        "task": "notifications.digest.send_daily_digests_task",
        "schedule": timedelta(seconds=PORTAL_DIGEST_SWEEP_SECONDS),
        "options": {"expires": PORTAL_DIGEST_SWEEP_SECONDS},
    },
    "redeliver-unsent-notifications": {
        "task": "notifications.tasks.redeliver_unsent",
        "schedule": timedelta(seconds=PORTAL_SWEEP_SECONDS),
    },
    "review-deadline-sweep": {
        "task": "escalations.tasks.sweep_review_deadlines_task",
        "schedule": timedelta(seconds=PORTAL_SWEEP_SECONDS),
    },
    # Proves to /readyz that beat schedules and a worker executes (ops.heartbeat). Expires
    # after one period: a worker back from an outage skips the heartbeats it missed.
    "ops-heartbeat": {
        "task": "ops.tasks.heartbeat",
        "schedule": timedelta(seconds=PORTAL_HEARTBEAT_SECONDS),
        "options": {"expires": PORTAL_HEARTBEAT_SECONDS},
    },
}
CELERY_TIMEZONE = "UTC"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # DRF's JSONParser with the nesting of a body bounded: deeper JSON is a 400, not a RecursionError.
    "DEFAULT_PARSER_CLASSES": ["portal.parsers.BoundedJSONParser"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 25,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "portal.api_errors.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Case Portal API",
    "DESCRIPTION": "Support cases and the Escalate Case workflow.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI served from our own static files: no CDN, so the docs work offline
    # and under a strict Content-Security-Policy.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Cases and escalations both have a "status": name their enums, so the schema is stable
    # and `check --deploy --fail-level WARNING` sees no naming collision (drf_spectacular.W001).
    "ENUM_NAME_OVERRIDES": {
        "CaseStatusEnum": "cases.models.CaseStatus",
        "EscalationStatusEnum": "escalations.models.EscalationStatus",
    },
}

# Browser protections, in every mode: scripts cannot read the session cookie, cookies are
# not sent on cross-site subrequests or POSTs, no framing, no MIME sniffing, and no
# referrer leaves the site.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
# No script of ours reads the CSRF cookie (forms carry the token; the API docs get it in
# their served script), so page scripts may not read it either.
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SILENCED_SYSTEM_CHECKS = []
if not DEBUG:
    # Production is HTTPS only. DJANGO_SECURE_COOKIES=false is the one switch for running
    # with DEBUG off over plain HTTP (the test suite, CI's live server, docker compose on a
    # laptop): it turns off secure cookies and, unless said otherwise, the HTTPS redirect.
    SESSION_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=True)
    CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
    SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=SESSION_COOKIE_SECURE)
    # HSTS is sent on HTTPS responses only. One year, subdomains included: the portal is
    # never meant to be reached over HTTP once a browser has seen it over HTTPS.
    SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=365 * 24 * 60 * 60)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env.bool("DJANGO_HSTS_PRELOAD", default=False)
    if not SECURE_HSTS_PRELOAD:
        # security.W021 asks for HSTS preload. Being on the browsers' preload list binds the
        # whole registered domain, subdomains the portal does not own included, and takes
        # months to undo: that is the domain owner's decision (DJANGO_HSTS_PRELOAD=true),
        # not a default.
        SILENCED_SYSTEM_CHECKS.append("security.W021")
    # The TLS-terminating proxy says the request came over HTTPS (it must set or strip
    # X-Forwarded-Proto); otherwise the redirect would loop.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # Probes and scrapers call the process directly over HTTP; a redirect to HTTPS would fail them.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]

# Logs on the console: text lines, or JSON lines with LOG_FORMAT=json (portal/observability.py).
LOG_FORMAT = env.str("LOG_FORMAT", default="text")
LOGGING = observability.logging_config(log_format=LOG_FORMAT, level=env.str("LOG_LEVEL", default="INFO"))
# The worker and beat log through the same configuration instead of Celery's own format.
CELERY_WORKER_HIJACK_ROOT_LOGGER = LOG_FORMAT == "text"
# Errors to Sentry when a DSN is given (the sentry-sdk is installed either way).
SENTRY_DSN = env.str("SENTRY_DSN", default="")
if SENTRY_DSN:
    observability.sentry_init(
        dsn=SENTRY_DSN,
        environment=env.str("SENTRY_ENVIRONMENT", default="production"),
        traces_sample_rate=env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0),
    )
