"""The portal's URLs plus references, never part of the portal's own URLconf: the bare view at
/bench/bare/ and /bench/bare-no-middleware/ (the two ceilings, see bench/bare_app.py) and the
token-authenticated empty answer at /bench/signed-in/."""

from django.http import JsonResponse
from django.urls import path
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from portal.urls import handler404, handler500  # noqa: F401 - the portal's error pages here too
from portal.urls import urlpatterns as portal_urlpatterns


def bare_json(request):
    """The ceiling: no database, no template, no authentication, through the portal's middleware."""
    return JsonResponse({"status": "ok", "service": "case-portal", "items": [1, 2, 3]})


class SignedInJson(APIView):
    """The floor of every API endpoint: the portal's DRF settings and token sign-in (one query),
    then a small JSON answer. No endpoint can go faster than this; the gap to the ceiling is
    the price of knowing who asks."""

    permission_classes = [IsAuthenticated]

    def get(self, request):
        return Response({"status": "ok", "user": request.user.pk})


urlpatterns = [
    path("bench/bare/", bare_json, name="bench-bare"),
    # Served without middleware by bench.bare_app (through the full stack if reached any other way).
    path("bench/bare-no-middleware/", bare_json, name="bench-bare-no-middleware"),
    path("bench/signed-in/", SignedInJson.as_view(), name="bench-signed-in"),
    *portal_urlpatterns,
]
