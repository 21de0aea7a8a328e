"""Replies that reach people (DESIGN.md, "Replies"; issue 12): every public staff reply tells the
requester (``case_reply``); a customer's reply on an escalation in review, or accepted and not
yet resolved, tells its assignee, else the level's responders (``customer_reply``). Internal
notes tell nobody outside staff. Each through the outbox, exactly once per reply, whatever
path the reply takes (the service, the case page, the API)."""

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.models import CaseStatus
from cases.tests.factories import UserFactory, days_ago
from escalations import recipients
from escalations.models import Escalation, EscalationStatus
from escalations.review import escalation_assign
from escalations.services import comment_post, decide, escalate
from escalations.tests.factories import escalated_to
from notifications.delivery import deliver
from notifications.models import Notification


def told(kind):
    """{username: number of rows} of ``kind``."""
    rows = Notification.objects.filter(kind=kind).select_related("recipient")
    counted = {}
    for row in rows:
        counted[row.recipient.username] = counted.get(row.recipient.username, 0) + 1
    return counted


@pytest.fixture
def open_case(make_case):
    return make_case(created_at=days_ago(3), subject="Exports fail every night")


@pytest.fixture
def second_manager(db):
    return UserFactory(username="em2", first_name="Eve", last_name="Second", groups=["Escalation Managers"])


# case_reply: a public staff reply tells the requester


def test_a_public_staff_reply_is_sent_to_the_requester_once(open_case, customer, escalation_manager, mailoutbox):
    comment = comment_post(case=open_case, user=escalation_manager, body="We found the failing job; a fix is coming.")

    [row] = Notification.objects.filter(kind="case_reply")
    assert row.recipient == customer
    assert (row.case_id, row.escalation_id) == (open_case.pk, None)
    assert row.dedupe_key == f"case_reply:comment-{comment.pk}:user-{customer.pk}"
    assert "We found the failing job; a fix is coming." in row.body
    assert str(open_case.pk) in row.subject and "Exports fail every night" in row.subject

    assert deliver(row.pk)
    [email] = mailoutbox
    assert email.to == [customer.email]
    assert "We found the failing job" in email.body
    assert f"/cases/{open_case.pk}/#thread" in email.body


def test_every_public_staff_reply_is_sent_not_only_the_first(open_case, customer, escalation_manager):
    comment_post(case=open_case, user=escalation_manager, body="Looking into it.")
    comment_post(case=open_case, user=escalation_manager, body="Still on it.")

    assert told("case_reply") == {"customer": 2}


def test_an_internal_note_tells_nobody(open_case, escalation_manager, customer):
    escalate(open_case, customer, "other", "Please look.")
    before = Notification.objects.count()

    comment_post(
        case=open_case, user=escalation_manager, body="Customer runs v1; check the old importer.", public=False
    )

    assert Notification.objects.count() == before


def test_a_customer_reply_does_not_tell_the_customer(open_case, customer, colleague):
    comment_post(case=open_case, user=colleague, body="Here are the logs.")
    comment_post(case=open_case, user=customer, body="And the config.")

    assert told("case_reply") == {}


def test_a_reply_on_a_case_with_an_inactive_requester_tells_nobody(open_case, customer, escalation_manager):
    customer.is_active = False
    customer.save()

    comment_post(case=open_case, user=escalation_manager, body="Looking into it.")

    assert told("case_reply") == {}


# customer_reply: a customer's reply on an escalation in review or accepted


def test_a_customer_reply_on_an_escalation_in_review_tells_the_levels_responders(
    open_case, customer, colleague, escalation_manager, second_manager, support_manager
):
    escalation = escalate(open_case, customer, "other", "Please look.")

    comment = comment_post(case=open_case, user=colleague, body="It failed again at 02:00.")

    assert told("customer_reply") == {"em": 1, "em2": 1}  # Level 1's responders; not Support Management
    row = Notification.objects.get(kind="customer_reply", recipient=escalation_manager)
    assert (row.case_id, row.escalation_id) == (open_case.pk, escalation.pk)
    assert row.dedupe_key == f"customer_reply:comment-{comment.pk}:user-{escalation_manager.pk}"
    assert "It failed again at 02:00." in row.body
    assert "nobody has claimed" in row.body


def test_once_claimed_only_the_assignee_hears_of_a_customer_reply(
    open_case, customer, escalation_manager, second_manager
):
    escalation = escalate(open_case, customer, "other", "Please look.")
    escalation_assign(escalation=escalation, assignee_id=second_manager.pk, by=second_manager)

    comment_post(case=open_case, user=customer, body="Any news?")

    assert told("customer_reply") == {"em2": 1}
    assert "working this escalation" in Notification.objects.get(kind="customer_reply").body


def test_an_inactive_assignee_leaves_the_reply_to_the_responders(
    open_case, customer, escalation_manager, second_manager
):
    escalation = escalate(open_case, customer, "other", "Please look.")
    escalation_assign(escalation=escalation, assignee_id=second_manager.pk, by=second_manager)
    second_manager.is_active = False
    second_manager.save()

    comment_post(case=open_case, user=customer, body="Any news?")

    assert told("customer_reply") == {"em": 1}


def test_an_accepted_escalation_still_hears_the_customer(open_case, customer, escalation_manager):
    escalation = escalate(open_case, customer, "other", "Please look.")
    decide(escalation, escalation_manager, EscalationStatus.ACCEPTED, "On it.")

    comment_post(case=open_case, user=customer, body="Thanks, when will it ship?")

    assert told("customer_reply") == {"em": 1}


def test_level_3_replies_go_to_the_regions_senior_management(
    old_case, customer, escalation_manager, senior_manager, vp
):
    escalated_to(3, old_case, customer)

    comment_post(case=old_case, user=customer, body="Production is still slow.")

    assert told("customer_reply") == {"senior": 1}


@pytest.mark.parametrize("status", [EscalationStatus.NOT_ACCEPTED, EscalationStatus.RESOLVED])
def test_a_declined_or_resolved_escalation_hears_nothing(open_case, customer, escalation_manager, status):
    escalation = escalate(open_case, customer, "other", "Please look.")
    Escalation.objects.filter(pk=escalation.pk).update(status=status)

    comment_post(case=open_case, user=customer, body="One more thing.")

    assert told("customer_reply") == {}


def test_a_reply_on_a_case_never_escalated_tells_no_reviewer(open_case, customer, escalation_manager):
    comment_post(case=open_case, user=customer, body="Hello?")

    assert told("customer_reply") == {}


def test_staff_replies_on_an_escalated_case_tell_no_reviewer(open_case, customer, escalation_manager, second_manager):
    escalate(open_case, customer, "other", "Please look.")

    comment_post(case=open_case, user=second_manager, body="I am taking this.")

    assert told("customer_reply") == {}
    assert told("case_reply") == {"customer": 1}


def test_the_audience_is_decided_in_one_pure_function():
    audience = recipients.customer_reply_audience
    assert audience(status=None, superseded=False, assignee_id=None) is None
    assert audience(status="pending", superseded=False, assignee_id=None) == recipients.ReplyAudience.RESPONDERS
    assert audience(status="pending", superseded=False, assignee_id=7) == recipients.ReplyAudience.ASSIGNEE
    assert audience(status="accepted", superseded=False, assignee_id=None) == recipients.ReplyAudience.RESPONDERS
    assert audience(status="pending", superseded=True, assignee_id=None) is None
    assert audience(status="not_accepted", superseded=False, assignee_id=7) is None
    assert audience(status="resolved", superseded=False, assignee_id=None) is None
    assert recipients.is_customer_reply(by_staff=False, public=True)
    assert not recipients.is_customer_reply(by_staff=True, public=True)
    assert not recipients.is_customer_reply(by_staff=True, public=False)


# The paths a reply takes: the case page and the API reach the same notifications


def test_a_reply_on_the_case_page_tells_the_reviewers(client, open_case, customer, escalation_manager):
    escalate(open_case, customer, "other", "Please look.")
    client.force_login(customer)

    response = client.post(reverse("cases:comment", args=[open_case.pk]), {"body": "Logs attached."})

    assert response.status_code == 302
    assert told("customer_reply") == {"em": 1}


def test_a_reply_through_the_api_tells_the_reviewers(api_as, open_case, customer, escalation_manager):
    escalate(open_case, customer, "other", "Please look.")

    response = api_as(customer).post(f"/api/v1/cases/{open_case.pk}/comments/", {"body": "Logs."}, format="json")

    assert response.status_code == 201
    assert told("customer_reply") == {"em": 1}


def test_a_staff_reply_through_the_api_tells_the_requester(api_as, open_case, customer, escalation_manager):
    response = api_as(escalation_manager).post(
        f"/api/v1/cases/{open_case.pk}/comments/", {"body": "Fixed in 5.2."}, format="json"
    )

    assert response.status_code == 201
    assert told("case_reply") == {"customer": 1}


def test_a_reply_refused_writes_no_notification(api_as, open_case, customer, escalation_manager):
    escalate(open_case, customer, "other", "Please look.")
    open_case.status = CaseStatus.CLOSED
    open_case.save()
    before = Notification.objects.count()

    customer_reply = api_as(customer).post(f"/api/v1/cases/{open_case.pk}/comments/", {"body": "Hi"}, format="json")
    staff_reply = api_as(escalation_manager).post(
        f"/api/v1/cases/{open_case.pk}/comments/", {"body": "Hi"}, format="json"
    )

    assert (customer_reply.status_code, staff_reply.status_code) == (409, 409)
    assert Notification.objects.count() == before


def test_a_second_write_of_the_same_reply_is_not_a_second_message(open_case, customer, escalation_manager):
    """The dedupe key (kind, comment, recipient): a redelivered event writes no second row."""
    from notifications.outbox import notify

    comment = comment_post(case=open_case, user=escalation_manager, body="Looking into it.")
    notify(
        recipients=[customer],
        kind="case_reply",
        context={"case": open_case, "comment": comment, "author": escalation_manager},
        case=open_case,
        event=f"comment-{comment.pk}",
        now=timezone.now(),
    )

    assert told("case_reply") == {"customer": 1}


# Links: each opens where its recipient acts, and opens for them


def test_the_reviewer_opens_a_customer_reply_on_the_escalation_page(client, open_case, customer, escalation_manager):
    escalation = escalate(open_case, customer, "other", "Please look.")
    comment_post(case=open_case, user=customer, body="Logs attached.")
    row = Notification.objects.get(kind="customer_reply")
    client.force_login(escalation_manager)

    assert f"/review/{escalation.pk}/" in row.body
    opened = client.post(reverse("notifications:open", args=[row.pk]), follow=True)
    assert opened.redirect_chain[-1][0] == f"/review/{escalation.pk}/"
    assert opened.status_code == 200
    assert "Logs attached." in opened.content.decode()


def test_the_customer_opens_a_staff_reply_on_the_case_page(client, open_case, customer, escalation_manager):
    comment_post(case=open_case, user=escalation_manager, body="Fixed in 5.2.")
    row = Notification.objects.get(kind="case_reply")
    client.force_login(customer)

    opened = client.post(reverse("notifications:open", args=[row.pk]), follow=True)
    assert opened.redirect_chain[-1][0] == f"/cases/{open_case.pk}/#thread"
    assert opened.status_code == 200
    assert "Fixed in 5.2." in opened.content.decode()
