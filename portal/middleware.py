"""Two guards at the edge: refuse oversized bodies before reading them, and answer
503 (try again) rather than 500 when the database is unreachable or a lock wait ran out.
"""

import logging

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 5


def _is_api(request):
    return request.path.startswith("/api/")


class RequestSizeLimitMiddleware:
    """413 for a body larger than the portal ever needs, judged by Content-Length alone."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
            limit_kib = settings.DATA_UPLOAD_MAX_MEMORY_SIZE // 1024
            detail = f"The request is too large: the portal accepts at most {limit_kib} KiB."
            if _is_api(request):
                return JsonResponse({"code": "too_large", "detail": detail}, status=413)
            return HttpResponse(detail, status=413, content_type="text/plain; charset=utf-8")
        return self.get_response(request)


def is_database_unavailable(exc) -> bool:
    """Connection lost or refused, or a lock/statement timeout: transient, worth a retry."""
    return isinstance(exc, (OperationalError, InterfaceError))


def database_unavailable_response(request):
    detail = "The portal cannot reach its database right now. Nothing was lost; please try again in a moment."
    if _is_api(request):
        response = JsonResponse({"code": "service_unavailable", "detail": detail}, status=503)
    else:
        response = HttpResponse(render_to_string("503.html", {"detail": detail}), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if is_database_unavailable(exception):
            logger.warning("Database unavailable for %s %s: %s", request.method, request.path, exception)
            return database_unavailable_response(request)
        return None
