"""/metrics as Prometheus scrapes it: the portal's state gauges and the request latency histogram."""

from datetime import timedelta

import pytest
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from escalations.tests.factories import many_escalations
from notifications.models import Notification
from ops import heartbeat


def scrape(client, **headers):
    response = client.get("/metrics", **headers)
    assert response.status_code == 200, response.content
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.content.decode())
        for sample in family.samples
    }


def notification(customer, key, *, minutes_ago, **fields):
    return Notification.objects.create(
        recipient=customer,
        kind="escalation_received",
        subject="s",
        body="b",
        dedupe_key=key,
        created_at=timezone.now() - timedelta(minutes=minutes_ago),
        **fields,
    )


@pytest.mark.django_db
def test_metrics_show_the_outbox_failures_overdue_escalations_and_heartbeats(client, customer, organization, csm):
    notification(customer, "a", minutes_ago=4)
    notification(customer, "b", minutes_ago=1)
    notification(customer, "c", minutes_ago=9, sent_at=timezone.now())
    notification(customer, "d", minutes_ago=20, failed_at=timezone.now())
    notification(customer, "e", minutes_ago=20, failed_at=timezone.now())
    # Deadlines 2 and 1 minutes ago, now, and in a minute: three have passed by the scrape.
    many_escalations(4, organization, customer, csm, now=timezone.now())
    heartbeat.record(heartbeat.WORKER, now=timezone.now() - timedelta(seconds=40))

    samples = scrape(client)

    assert samples[("portal_outbox_backlog", ())] == 2
    assert 240 <= samples[("portal_outbox_oldest_unsent_age_seconds", ())] < 250
    assert samples[("portal_notifications_failed", ())] == 2
    assert samples[("portal_escalations_overdue", ())] == 3
    assert 40 <= samples[("portal_heartbeat_age_seconds", (("process", "worker"),))] < 50


@pytest.mark.django_db
def test_overdue_escalations_count_those_the_sweep_marked_and_leave_out_decided_ones(client, customer, organization):
    from escalations.models import Escalation

    many_escalations(2, organization, customer, None, now=timezone.now() + timedelta(hours=1))
    first, second = Escalation.objects.order_by("id")
    Escalation.objects.filter(pk=first.pk).update(overdue_at=timezone.now())
    Escalation.objects.filter(pk=second.pk).update(review_due_at=timezone.now() - timedelta(hours=1), status="accepted")

    assert scrape(client)[("portal_escalations_overdue", ())] == 1


@pytest.mark.django_db
def test_an_empty_outbox_reports_zero_backlog_and_zero_age(client):
    samples = scrape(client)

    assert samples[("portal_outbox_backlog", ())] == 0
    assert samples[("portal_outbox_oldest_unsent_age_seconds", ())] == 0


@pytest.mark.django_db
def test_a_scrape_costs_four_queries_however_many_rows(client, customer, organization, csm, django_assert_num_queries):
    for n in range(5):
        notification(customer, f"n{n}", minutes_ago=n)
    many_escalations(6, organization, customer, csm, now=timezone.now())

    with django_assert_num_queries(4):
        scrape(client)


@pytest.mark.django_db
def test_the_latency_histogram_counts_a_request_by_view_method_and_status(client):
    labels = (("method", "GET"), ("status", "200"), ("view", "healthz"))
    before = scrape(client).get(("portal_http_request_duration_seconds_count", labels), 0)

    client.get("/healthz")
    client.get("/healthz")

    samples = scrape(client)
    assert samples[("portal_http_request_duration_seconds_count", labels)] == before + 2
    assert samples[("portal_http_request_duration_seconds_bucket", tuple(sorted((*labels, ("le", "+Inf")))))] >= 2


@pytest.mark.django_db
def test_an_unknown_path_and_an_odd_method_stay_in_a_few_series(client):
    client.get("/no-such-page-12345")
    client.generic("BREW", "/healthz")

    samples = scrape(client)

    views = {dict(labels).get("view") for name, labels in samples if name.startswith("portal_http_request")}
    methods = {dict(labels).get("method") for name, labels in samples if name.startswith("portal_http_request")}
    assert "<unmatched>" in views
    assert not any(view and "no-such-page" in view for view in views)
    assert "OTHER" in methods and "BREW" not in methods


@pytest.mark.django_db
@pytest.mark.parametrize(
    "headers",
    [
        {"REMOTE_ADDR": "203.0.113.7"},
        {"REMOTE_ADDR": "10.0.0.5"},
        # A reverse proxy on this machine connects from loopback for every client.
        {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "203.0.113.7"},
        {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_REAL_IP": "203.0.113.7"},
    ],
)
def test_metrics_without_a_token_are_refused_to_anyone_but_this_machine(client, headers):
    response = client.get("/metrics", **headers)

    assert response.status_code == 403
    assert b"portal_outbox" not in response.content


@pytest.mark.django_db
def test_metrics_are_served_over_ipv6_loopback(client):
    assert client.get("/metrics", REMOTE_ADDR="::1").status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("authorization", [None, "Bearer wrong", "Bearer s3cret-metrics-tok", "s3cret-metrics-token"])
def test_with_a_token_metrics_need_exactly_that_bearer_token_even_from_this_machine(client, settings, authorization):
    settings.METRICS_TOKEN = "s3cret-metrics-token"
    headers = {"HTTP_AUTHORIZATION": authorization} if authorization else {}

    response = client.get("/metrics", **headers)

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="metrics"'


@pytest.mark.django_db
def test_with_a_token_metrics_are_served_to_whoever_bears_it(client, settings):
    settings.METRICS_TOKEN = "s3cret-metrics-token"

    samples = scrape(client, REMOTE_ADDR="203.0.113.7", HTTP_AUTHORIZATION="Bearer s3cret-metrics-token")

    assert ("portal_outbox_backlog", ()) in samples
