"""The outcome of an escalation reaches the customer (issue 12): resolving it, and filing the
Level 4 root cause analysis, tell who escalated, the case's requester and the account's CSM.
The analysis has a summary for the customer, readable on the case page; its other fields are
the review team's and never reach a customer, by page, email or the customer's API."""

import pytest
from django.urls import reverse

from escalations.models import EscalationStatus, RootCauseAnalysis
from escalations.review import escalation_resolve, rca_file
from escalations.services import decide, escalate
from escalations.tests.factories import escalated_to
from notifications.delivery import deliver
from notifications.models import Notification
from portal.errors import InvalidInput

INTERNAL = {
    "root_cause": "Ops pushed config 7f3 without the canary stage.",
    "contributing_factors": "Friday deploy; the on-call engineer was new.",
    "corrective_actions": "Canary made mandatory in the pipeline (PR 1234).",
}
FOR_THE_CUSTOMER = "A configuration change skipped our test stage. Every change now passes it first."


def told(kind):
    return sorted(n.recipient.username for n in Notification.objects.filter(kind=kind).select_related("recipient"))


@pytest.fixture
def level_4(old_case, customer, vp):
    escalation = escalated_to(4, old_case, customer)
    decide(escalation, vp, EscalationStatus.ACCEPTED, "I own this personally.")
    return escalation


def file_rca(escalation, user, **overrides):
    return rca_file(escalation=escalation, user=user, **{**INTERNAL, "customer_summary": FOR_THE_CUSTOMER, **overrides})


def test_filing_the_rca_tells_the_requester_and_the_csm_once(level_4, vp, csm, customer, mailoutbox):
    file_rca(level_4, vp)

    assert told("rca_filed") == ["csm", "customer"]
    for row in Notification.objects.filter(kind="rca_filed"):
        assert (row.case_id, row.escalation_id) == (level_4.case_id, level_4.pk)
        assert row.dedupe_key == f"rca_filed:rca-{level_4.pk}:user-{row.recipient_id}"
        assert FOR_THE_CUSTOMER in row.body
        assert not any(text in row.body for text in INTERNAL.values()), "internal RCA text in a customer's email"
        assert deliver(row.pk)
    assert sorted(email.to[0] for email in mailoutbox) == sorted([csm.email, customer.email])
    assert all(FOR_THE_CUSTOMER in email.body for email in mailoutbox)


def test_resolving_tells_the_requester_and_the_csm_once(level_4, vp, csm, customer):
    file_rca(level_4, vp)

    escalation_resolve(escalation=level_4, user=vp)

    assert told("escalation_resolved") == ["csm", "customer"]
    row = Notification.objects.get(kind="escalation_resolved", recipient=customer)
    assert "is resolved" in row.body and "I own this personally." in row.body
    assert row.dedupe_key == f"escalation_resolved:resolved-{level_4.pk}:user-{customer.pk}"


def test_resolving_a_lower_level_tells_them_too(old_case, customer, escalation_manager, csm):
    escalation = escalate(old_case, customer, "other", "Please look.")
    decide(escalation, escalation_manager, EscalationStatus.ACCEPTED, "On it.")

    escalation_resolve(escalation=escalation, user=escalation_manager)

    assert told("escalation_resolved") == ["csm", "customer"]
    assert told("rca_filed") == []


def test_a_colleague_who_escalated_and_the_cases_requester_both_hear(old_case, customer, colleague, escalation_manager):
    escalation = escalate(old_case, colleague, "other", "My colleague's case needs this.")
    decide(escalation, escalation_manager, EscalationStatus.ACCEPTED, "On it.")

    escalation_resolve(escalation=escalation, user=escalation_manager)

    assert told("escalation_resolved") == ["colleague", "csm", "customer"]


def test_a_refused_resolution_or_analysis_tells_nobody(level_4, vp, escalation_manager):
    with pytest.raises(Exception):  # noqa: B017, PT011 - the RCA is missing
        escalation_resolve(escalation=level_4, user=vp)
    with pytest.raises(InvalidInput) as missing:
        file_rca(level_4, vp, customer_summary="  ")

    assert set(missing.value.errors) == {"customer_summary"}
    assert not RootCauseAnalysis.objects.exists()
    assert told("escalation_resolved") == told("rca_filed") == []


# Reading the analysis


def test_the_customer_reads_the_summary_on_the_case_page_and_never_the_internal_text(client, level_4, vp, customer):
    file_rca(level_4, vp)
    client.force_login(customer)

    page = client.get(reverse("cases:detail", args=[level_4.case_id])).content.decode()

    assert 'id="rca-4"' in page
    assert FOR_THE_CUSTOMER in page
    assert not any(text in page for text in INTERNAL.values())


def test_the_csm_reads_the_summary_too(client, level_4, vp, csm):
    file_rca(level_4, vp)
    client.force_login(csm)

    response = client.get(reverse("cases:detail", args=[level_4.case_id]))

    assert response.status_code == 200
    page = response.content.decode()
    assert FOR_THE_CUSTOMER in page
    assert not any(text in page for text in INTERNAL.values())


def test_the_customer_api_never_carries_the_internal_text(api_as, level_4, vp, customer):
    file_rca(level_4, vp)

    for url in (f"/api/v1/cases/{level_4.case_id}/", f"/api/v1/cases/{level_4.case_id}/comments/", "/api/v1/cases/"):
        body = api_as(customer).get(url).content.decode()
        assert not any(text in body for text in INTERNAL.values()), url


def test_the_review_team_reads_every_field_on_the_escalation_page(client, level_4, vp):
    file_rca(level_4, vp)
    client.force_login(vp)

    page = client.get(reverse("escalations:detail", args=[level_4.pk])).content.decode()

    assert FOR_THE_CUSTOMER in page
    assert all(text in page for text in INTERNAL.values())


def test_the_rca_form_asks_for_the_summary_for_the_customer(client, level_4, vp):
    client.force_login(vp)
    url = reverse("escalations:rca", args=[level_4.pk])

    form = client.get(reverse("escalations:detail", args=[level_4.pk])).content.decode()
    missing = client.post(url, INTERNAL)
    filed = client.post(url, {**INTERNAL, "customer_summary": FOR_THE_CUSTOMER})

    assert 'name="customer_summary"' in form and "Summary for the customer" in form
    assert missing.status_code == 400 and 'name="customer_summary"' in missing.content.decode()
    assert filed.status_code == 302
    assert RootCauseAnalysis.objects.get().customer_summary == FOR_THE_CUSTOMER
    assert told("rca_filed") == ["csm", "customer"]


def test_the_rca_api_requires_the_summary_and_returns_it(api_as, level_4, vp):
    url = f"/api/v1/escalations/{level_4.pk}/rca/"

    missing = api_as(vp).post(url, INTERNAL, format="json")
    filed = api_as(vp).post(url, {**INTERNAL, "customer_summary": FOR_THE_CUSTOMER}, format="json")

    assert missing.status_code == 400 and "customer_summary" in missing.content.decode()
    assert filed.status_code == 201 and filed.json()["customer_summary"] == FOR_THE_CUSTOMER
    detail = api_as(vp).get(f"/api/v1/escalations/{level_4.pk}/").json()
    assert detail["rca"]["customer_summary"] == FOR_THE_CUSTOMER


def test_the_case_page_needs_no_extra_query_for_the_analysis(
    client, level_4, vp, customer, django_assert_max_num_queries
):
    client.force_login(customer)
    with django_assert_max_num_queries(50) as before:
        client.get(reverse("cases:detail", args=[level_4.case_id]))
    queries_without = len(before.captured_queries)
    file_rca(level_4, vp)

    with django_assert_max_num_queries(queries_without):
        page = client.get(reverse("cases:detail", args=[level_4.case_id])).content.decode()
    assert FOR_THE_CUSTOMER in page


def test_each_link_opens_the_case_page_at_the_escalation(client, level_4, vp, customer, csm):
    file_rca(level_4, vp)
    escalation_resolve(escalation=level_4, user=vp)

    for row in Notification.objects.filter(kind__in=["rca_filed", "escalation_resolved"]).select_related("recipient"):
        client.force_login(row.recipient)
        opened = client.post(reverse("notifications:open", args=[row.pk]), follow=True)
        assert opened.redirect_chain[-1][0] == f"/cases/{level_4.case_id}/#escalation-4"
        assert opened.status_code == 200
        assert FOR_THE_CUSTOMER in opened.content.decode()
