"""Two guards at the edge: refuse oversized bodies before reading them, and answer
503 (try again) rather than 500 when the database is unreachable or a lock wait ran out;
and the reader's time zone, active for the whole request.
"""

import logging
import sys

from django.conf import settings
from django.core.signals import got_request_exception
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils import timezone

from portal import times

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


# Where the receiver below leaves a database error raised by a middleware inside this one.
_NOTED_ERROR = "_portal_database_error"


def _note_database_error(sender, request=None, **kwargs):
    """got_request_exception receiver: Django is about to answer 500 for this error."""
    exc = sys.exc_info()[1]
    if request is not None and is_database_unavailable(exc):
        setattr(request, _NOTED_ERROR, exc)


class DatabaseUnavailableMiddleware:
    """503 with Retry-After instead of 500 when the database is down or a bounded wait ran out.

    An error reaches this layer three ways. From the view: ``process_exception``. From a
    middleware inside this one, before any view runs (django-auditlog and the auth
    middleware load a signed-in user's session from the database): Django turns it into
    a 500 at that layer, and the receiver above has noted why. And from the 500 page
    itself, whose context processors read the database too, so that rendering it fails
    again and the error rises to ``__call__``.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        got_request_exception.connect(_note_database_error, dispatch_uid="portal.middleware.note_database_error")

    def __call__(self, request):
        try:
            response = self.get_response(request)
        except (OperationalError, InterfaceError) as exc:
            return self._unavailable(request, exc)
        noted = getattr(request, _NOTED_ERROR, None)
        if noted is not None and response.status_code == 500:
            return self._unavailable(request, noted)
        return response

    def process_exception(self, request, exception):
        if is_database_unavailable(exception):
            return self._unavailable(request, exception)
        return None

    def _unavailable(self, request, exc):
        logger.warning("Database unavailable for %s %s: %s", request.method, request.path, exc)
        return database_unavailable_response(request)


class ViewerTimeZoneMiddleware:
    """Pages and the emails a request writes show times in the signed-in person's zone.

    After the authentication middleware. The zone comes from the session's copy
    (portal.times.viewer_zone), so a page pays no query for it. The API is left in
    settings.TIME_ZONE: it answers ISO 8601 with an offset, the same for every caller.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if _is_api(request):
            return self.get_response(request)
        with timezone.override(times.viewer_zone(request)):
            return self.get_response(request)
