"""One mapping from errors to JSON: every error answer is ``{code, detail, ...}``."""

import logging

from django.core.exceptions import PermissionDenied
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from portal.errors import DomainError, InvalidInput
from portal.middleware import RETRY_AFTER_SECONDS, is_database_unavailable

logger = logging.getLogger(__name__)


def _first_message(detail):
    if isinstance(detail, list):
        return _first_message(detail[0]) if detail else ""
    if isinstance(detail, dict):
        key, value = next(iter(detail.items()))
        message = _first_message(value)
        return message if key == "non_field_errors" else f"{key}: {message}"
    return str(detail)


def _field_errors(detail):
    return {key: [str(m) for m in (value if isinstance(value, list) else [value])] for key, value in detail.items()}


def exception_handler(exc, context):
    if isinstance(exc, InvalidInput):
        body = {"code": exc.code, "detail": exc.detail, "errors": {k: [v] for k, v in exc.errors.items()}}
        return Response(body, status=exc.status)
    if isinstance(exc, DomainError):
        body = {"code": exc.code, "detail": exc.detail}
        body.update({k: v for k, v in exc.extra.items()})
        if "available_at" in body and body["available_at"] is not None:
            body["available_at"] = body["available_at"].isoformat().replace("+00:00", "Z")
        return Response(body, status=exc.status)
    if is_database_unavailable(exc):
        logger.warning("Database unavailable during an API request: %s", exc)
        return Response(
            {
                "code": "service_unavailable",
                "detail": "The portal cannot reach its database right now. "
                "Nothing was lost; please try again in a moment.",
            },
            status=status.HTTP_503_SERVICE_UNAVAILABLE,
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        # An unexpected error: log it with its traceback, answer JSON, never a bare 500 page.
        logger.exception("Unhandled API error", exc_info=exc)
        return Response(
            {"code": "server_error", "detail": "Something went wrong on our side. Please try again."},
            status=status.HTTP_500_INTERNAL_SERVER_ERROR,
        )
    detail = response.data
    if isinstance(exc, exceptions.ValidationError):
        errors = detail if isinstance(detail, dict) else {"non_field_errors": detail}
        response.data = {"code": "invalid", "detail": _first_message(errors), "errors": _field_errors(errors)}
    else:
        code = exc.get_codes() if isinstance(exc, exceptions.APIException) else "error"
        response.data = {
            "code": code if isinstance(code, str) else "error",
            "detail": _first_message(detail.get("detail", detail) if isinstance(detail, dict) else detail),
        }
    return response
