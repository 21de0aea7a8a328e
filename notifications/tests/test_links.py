"""Where each notification leads (notifications.links): the one rule the emails and the inbox ask.
The full walk over every kind the services write, signed in as each recipient, is
tests/test_notification_links.py; these pin the rule itself."""

import pytest

from notifications import links
from notifications.models import NotificationKind

STAFF_KINDS = ["escalation_alert", "review_due_soon", "review_overdue", "customer_reply"]


@pytest.mark.parametrize("kind", STAFF_KINDS)
def test_staff_act_on_the_escalation_page(kind):
    link = links.notification_link(kind=kind, recipient_is_staff=True, case_id=7, escalation_id=12, level=2)

    assert link == links.Link("/review/12/", "Open the escalation")


@pytest.mark.parametrize("kind", NotificationKind.values)
def test_everyone_else_reads_the_case_page_at_the_escalation(kind):
    link = links.notification_link(kind=kind, recipient_is_staff=False, case_id=7, escalation_id=12, level=2)

    expected = "/cases/7/#thread" if kind == "case_reply" else "/cases/7/#escalation-2"
    assert link.path == expected


@pytest.mark.parametrize("kind", sorted(set(NotificationKind.values) - set(STAFF_KINDS)))
def test_staff_told_for_information_open_the_case_page(kind):
    link = links.notification_link(kind=kind, recipient_is_staff=True, case_id=7, escalation_id=None, level=None)

    assert link.path == ("/cases/7/#thread" if kind == "case_reply" else "/cases/7/")


def test_a_notification_about_no_case_leads_nowhere():
    assert (
        links.notification_link(
            kind="daily_digest", recipient_is_staff=True, case_id=None, escalation_id=None, level=None
        )
        is None
    )


def test_the_staff_rule_is_cases_people_one(
    customer, escalation_manager, senior_manager, csm, vp, django_assert_num_queries
):
    people = [customer, escalation_manager, senior_manager, csm, vp]

    with django_assert_num_queries(1):  # every person's groups in one query
        staff = links.staff_ids(people)

    assert staff == {escalation_manager.pk, senior_manager.pk, vp.pk}
    with django_assert_num_queries(0):  # then known to each user object
        assert links.is_staff(escalation_manager) and not links.is_staff(csm)
