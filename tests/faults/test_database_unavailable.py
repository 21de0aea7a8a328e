"""503, not 500, wherever a lost database connection surfaces in a request.

The PostgreSQL restart test shows it against a real server; these pin each path in
process: an error in the view, in a middleware before any view runs (the signed-in user's
session is loaded by django-auditlog's middleware), and in the 500 page itself.
"""

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.db import OperationalError
from django.test import Client

from escalations import case_views

pytestmark = pytest.mark.django_db


def unreachable(*args, **kwargs):
    raise OperationalError("connection to server at 127.0.0.1 failed: Connection refused")


@pytest.fixture
def signed_in(customer):
    # The test client re-raises what the server logged by default; a browser sees the answer.
    client = Client(raise_request_exception=False)
    client.force_login(customer)
    return client


def test_a_page_whose_view_loses_the_database_answers_503_with_retry_after(signed_in, case, monkeypatch):
    monkeypatch.setattr(case_views, "_visible_case", unreachable)

    response = signed_in.get(f"/cases/{case.pk}/")

    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert "Try again in a moment" in response.content.decode()


@pytest.mark.parametrize(
    ("path", "expect"), [("/", "Try again in a moment"), ("/api/v1/cases/", '"code": "service_unavailable"')]
)
def test_a_signed_in_request_answers_503_when_its_session_cannot_be_loaded(signed_in, monkeypatch, path, expect):
    # Before any view: the middleware that loads the user meets the dead connection, and so
    # does the 500 page that would follow, whose context processors read the user too.
    monkeypatch.setattr(SessionStore, "load", unreachable)

    response = signed_in.get(path)

    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert expect in response.content.decode().replace('":"', '": "')
