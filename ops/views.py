"""/healthz, /readyz and /metrics: for load balancers, probes and Prometheus.

/healthz and /readyz need no credentials and say nothing secret; /metrics answers only a
request from this machine (loopback, not forwarded by a proxy) or, when METRICS_TOKEN is
set, only one bearing ``Authorization: Bearer <METRICS_TOKEN>``.
"""

import hmac
import ipaddress

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from prometheus_client import CONTENT_TYPE_LATEST

from ops import metrics, readiness

# A reverse proxy on this machine connects from 127.0.0.1: a request that carries any of
# these came through one and is not local, whatever REMOTE_ADDR says.
FORWARDING_HEADERS = ("HTTP_X_FORWARDED_FOR", "HTTP_X_REAL_IP", "HTTP_FORWARDED")


@never_cache
@require_safe
def healthz(request):
    """Alive: the process answers. No database, no session, no broker."""
    return JsonResponse({"status": "ok"})


@never_cache
@require_safe
def readyz(request):
    """200 when every check passes, else 503; the same body either way (ops.readiness)."""
    report = readiness.report(now=timezone.now())
    return JsonResponse(report.as_dict(), status=200 if report.ok else 503)


@never_cache
@require_safe
def prometheus_metrics(request):
    if settings.METRICS_TOKEN:
        if not _has_token(request):
            response = HttpResponse("A bearer token is required.\n", status=401, content_type="text/plain")
            response["WWW-Authenticate"] = 'Bearer realm="metrics"'
            return response
    elif not _is_local(request):
        return HttpResponse(
            "Metrics are served to this machine only (or set METRICS_TOKEN).\n", status=403, content_type="text/plain"
        )
    return HttpResponse(metrics.render(), content_type=CONTENT_TYPE_LATEST)


def _has_token(request):
    given = request.META.get("HTTP_AUTHORIZATION", "")
    return hmac.compare_digest(given.encode(), f"Bearer {settings.METRICS_TOKEN}".encode())


def _is_local(request):
    if any(request.META.get(header) for header in FORWARDING_HEADERS):
        return False
    try:
        return ipaddress.ip_address(request.META.get("REMOTE_ADDR", "")).is_loopback
    except ValueError:
        return False
