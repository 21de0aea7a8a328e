"""The portal's URLs plus the bare view at /bench/bare/: never part of the portal's own URLconf."""

from django.http import JsonResponse
from django.urls import path

from portal.urls import handler404, handler500  # noqa: F401 - the portal's error pages here too
from portal.urls import urlpatterns as portal_urlpatterns


def bare_json(request):
    """The ceiling: no database, no template, no authentication, through the portal's middleware."""
    return JsonResponse({"status": "ok", "service": "case-portal", "items": [1, 2, 3]})


urlpatterns = [path("bench/bare/", bare_json, name="bench-bare"), *portal_urlpatterns]
