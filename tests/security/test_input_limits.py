"""Input no database column or parser can hold answers 404 or 400, never a 500.

* An id in a URL is read by ``<id:...>`` (portal.converters): digits a signed 64-bit integer holds.
  A larger one matches no URL, so it never reaches a query (SQLite's driver raised OverflowError
  binding it, in lookups Django does not range-check).
* A JSON body is parsed by portal.parsers.BoundedJSONParser, which refuses nesting deeper than it
  allows before parsing (the json decoder raised RecursionError at about 1,000 levels).

Oversized bodies (413), field lengths and NUL characters are tested in test_hostile_input.py.
"""

import io
import json
from datetime import timedelta

import pytest
from django.urls import Resolver404, get_resolver, resolve
from django.urls.converters import IntConverter
from django.utils import timezone
from rest_framework.exceptions import ParseError

from cases.models import Case, CaseComment
from escalations.models import Escalation, EscalationStatus, RootCauseAnalysis
from portal.converters import BIGINT_MAX, IdConverter
from portal.parsers import MAX_DEPTH, BoundedJSONParser, nesting_depth
from tests.security.test_hostile_input import created

# Every URL with an id in it, API and pages.
ID_URLS = [
    "/api/v1/cases/{}/",
    "/api/v1/cases/{}/comments/",
    "/api/v1/cases/{}/escalation-eligibility/",
    "/api/v1/cases/{}/escalations/",
    "/api/v1/escalations/{}/",
    "/api/v1/escalations/{}/decision/",
    "/api/v1/escalations/{}/assign/",
    "/api/v1/escalations/{}/resolve/",
    "/api/v1/escalations/{}/rca/",
    "/cases/{}/",
    "/cases/{}/comments/",
    "/cases/{}/priority/",
    "/cases/{}/outage/",
    "/cases/{}/escalate/",
    "/inbox/{}/open/",
    "/inbox/{}/read/",
    "/review/{}/",
    "/review/{}/claim/",
    "/review/{}/release/",
    "/review/{}/decision/",
    "/review/{}/rca/",
    "/review/{}/resolve/",
    "/review/cases/{}/history.csv",
]


# --- Ids too large for the database ---------------------------------------------------------------


def test_the_id_converter_reads_every_id_a_bigint_holds_and_no_more():
    converter = IdConverter()

    assert converter.to_python("0") == 0
    assert converter.to_python(str(BIGINT_MAX)) == 2**63 - 1
    with pytest.raises(ValueError):
        converter.to_python(str(BIGINT_MAX + 1))
    assert converter.to_url(42) == "42"


@pytest.mark.parametrize("url", ID_URLS)
def test_an_id_no_bigint_holds_matches_no_url(url):
    assert resolve(url.format(BIGINT_MAX))
    for too_large in (BIGINT_MAX + 1, 2**70, "9" * 5000):
        with pytest.raises(Resolver404):
            resolve(url.format(too_large))


@pytest.mark.parametrize("url", ID_URLS)
def test_an_id_too_large_for_the_database_is_not_found_never_a_500(client, escalation_manager, url):
    client.force_login(escalation_manager)
    url = url.format(2**70)

    for response in (client.get(url), client.post(url, "{}", content_type="application/json")):
        assert response.status_code == 404, (url, response.status_code)
        if url.startswith("/api/"):
            assert response.json() == {"code": "not_found", "detail": "Not found."}


def test_every_id_in_the_portals_urls_is_read_by_the_id_converter():
    def int_routes(patterns, prefix=""):
        for entry in patterns:
            route = prefix + str(entry.pattern)
            if any(isinstance(c, IntConverter) for c in getattr(entry.pattern, "converters", {}).values()):
                yield route
            if hasattr(entry, "url_patterns"):
                yield from int_routes(entry.url_patterns, route)

    assert list(int_routes(get_resolver("portal.urls").url_patterns)) == []


# --- Deeply nested JSON ---------------------------------------------------------------------------


def nested(depth):
    return "[" * depth + "]" * depth


def parse(text):
    return BoundedJSONParser().parse(io.BytesIO(text.encode()), "application/json", {})


def test_the_parser_takes_json_nested_as_deep_as_allowed_and_no_deeper():
    assert parse('{"a": ' + nested(MAX_DEPTH - 1) + "}") == {"a": json.loads(nested(MAX_DEPTH - 1))}
    with pytest.raises(ParseError, match="nested too deeply"):
        parse('{"a": ' + nested(MAX_DEPTH) + "}")


@pytest.mark.parametrize(("text", "depth"), [
    ("1", 0),
    ('"text"', 0),
    ("[1, 2]", 1),
    ('{"a": [{}, []]}', 3),
    ('"[[{"', 0),
    ('"\\"[[{"', 0),
    ('["\\\\", [1]]', 2),
    ('"\\', 0),
])
def test_nesting_depth_counts_the_brackets_outside_strings(text, depth):
    assert nesting_depth(text) == depth


@pytest.mark.parametrize("text", [
    '{"subject": "' + "[" * 1000 + '"}',
    '{"subject": "\\"' + "{" * 1000 + '\\\\"}',
    '{"subject": "\\\\", "x": ' + nested(3) + "}",
])
def test_brackets_inside_strings_are_not_nesting(text):
    assert parse(text) == json.loads(text)


@pytest.mark.parametrize("text", ['{"subject": "[[[', '{"subject": "\\', nested(3)[:-1], "\xff"])
def test_a_truncated_or_undecodable_body_is_still_a_parse_error(text):
    with pytest.raises(ParseError, match="JSON parse error"):
        BoundedJSONParser().parse(io.BytesIO(text.encode("latin-1")), "application/json", {})


@pytest.fixture
def json_endpoints(customer, escalation_manager, vp, make_case):
    """Each JSON endpoint that reads a body, with who may call it: (method, url, user)."""
    case = make_case(created_at=timezone.now() - timedelta(days=3))  # eligible: the body is read
    pending = Escalation.objects.create(case=make_case(), level=1, requested_by=customer, reason="other",
                                        summary="Help.", created_at=timezone.now(),
                                        review_due_at=timezone.now() + timedelta(hours=4))
    level4 = Escalation.objects.create(case=make_case(), level=4, requested_by=customer, reason="other",
                                       summary="Help.", status=EscalationStatus.ACCEPTED, created_at=timezone.now(),
                                       review_due_at=timezone.now() + timedelta(hours=4), reviewed_by=vp,
                                       reviewed_at=timezone.now())
    return {
        "create-case": ("post", "/api/v1/cases/", customer),
        "change-case": ("patch", f"/api/v1/cases/{case.pk}/", customer),
        "comment": ("post", f"/api/v1/cases/{case.pk}/comments/", customer),
        "escalate": ("post", f"/api/v1/cases/{case.pk}/escalations/", customer),
        "decision": ("post", f"/api/v1/escalations/{pending.pk}/decision/", escalation_manager),
        "assign": ("post", f"/api/v1/escalations/{pending.pk}/assign/", escalation_manager),
        "rca": ("post", f"/api/v1/escalations/{level4.pk}/rca/", vp),
    }


def counts():
    return (Case.objects.count(), CaseComment.objects.count(), Escalation.objects.count(),
            RootCauseAnalysis.objects.count())


@pytest.mark.parametrize("depth", [1_000, 100_000])
@pytest.mark.parametrize("endpoint", ["create-case", "change-case", "comment", "escalate", "decision", "assign",
                                      "rca"])
@pytest.mark.parametrize("wrapped", [False, True], ids=["bare", "in-a-field"])
def test_deeply_nested_json_is_a_400_never_a_500(api_as, json_endpoints, endpoint, depth, wrapped):
    method, url, user = json_endpoints[endpoint]
    body = f'{{"subject": {nested(depth)}, "description": "d"}}' if wrapped else nested(depth)
    before = counts()

    response = getattr(api_as(user), method)(url, body, content_type="application/json")

    assert response.status_code == 400, response.content[:300]
    assert response.json() == {
        "code": "parse_error",
        "detail": f"The JSON body is nested too deeply: at most {MAX_DEPTH} levels of arrays and objects are accepted.",
    }
    assert counts() == before
    assert not Escalation.objects.exclude(status=EscalationStatus.PENDING).exclude(level=4).exists()


def test_a_case_whose_text_is_full_of_brackets_is_opened_as_written(api_as, customer, organization):
    text = "[{" * 1000 + '"\\' + "}]" * 1000
    body = json.dumps({"subject": "Brackets", "description": text})

    case = created(api_as(customer).post("/api/v1/cases/", body, content_type="application/json"))

    assert case["description"] == text
    assert Case.objects.get().description == text
