"""Every link in every notification opens for its recipient (DESIGN.md, "The account's CSM").

Each kind is produced by the real services (escalate, decide, the deadline sweep, the
outage paths), never by writing rows by hand, so a recipient a service adds is tested as
soon as it is told. For every row written, signed in as its recipient: each portal link
in the email's text, the link of its HTML part as sent, and the links of its inbox item
(the item's own links, and "open" that marks it read and goes on) must end on a page
that answers 200, is not the sign-in page, and holds the #anchor the link points to.
"""

import html
import re
from datetime import timedelta
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cases.models import Severity
from cases.services import case_create, case_update
from cases.tests.factories import UserFactory
from escalations.deadlines import sweep_review_deadlines
from escalations.models import EscalationStatus
from escalations.review import escalation_assign, escalation_resolve, rca_file
from escalations.services import comment_post, decide, escalate
from notifications.delivery import deliver
from notifications.models import Notification, NotificationKind

MINUTE = timedelta(minutes=1)

# Who must be told what in the scenario below: a recipient a service stops telling would
# otherwise leave the link test passing with nobody to test it for.
EXPECTED_RECIPIENTS = {
    ("escalation_alert", "em"),  # every level
    ("escalation_alert", "sm"),  # Levels 2-4
    ("escalation_alert", "csm"),  # Levels 2-4, through the level
    ("escalation_alert", "senior"),  # Levels 3-4, the region's Senior Management
    ("escalation_alert", "vp"),  # Level 4
    ("csm_informed", "csm"),  # Level 1: the CSM is told of every escalation
    ("escalation_received", "customer"),
    ("escalation_accepted", "customer"),
    ("escalation_not_accepted", "customer"),
    ("review_due_soon", "em"),
    ("review_due_soon", "senior"),
    ("review_overdue", "em"),
    ("review_overdue", "sm"),
    ("review_overdue", "vp"),
    ("review_overdue", "customer"),  # the requester's copy
    ("outage_alert", "oncall"),
    ("case_reply", "customer"),  # a public staff reply
    ("customer_reply", "em"),  # the customer's reply on a claimed Level 1: its assignee
    ("customer_reply", "senior"),  # on an accepted Level 3 nobody claimed: the level's responders
    ("escalation_resolved", "customer"),
    ("escalation_resolved", "csm"),
    ("rca_filed", "customer"),
    ("rca_filed", "csm"),
}


@pytest.fixture
def on_call(db):
    return UserFactory(username="oncall", groups=["On-call"])


@pytest.fixture
def every_notification(
    make_case, organization, customer, colleague, csm, escalation_manager, support_manager, senior_manager, vp, on_call
):
    """Every kind of notification, written by the services for every recipient they tell.

    One case climbs all four levels, each level ending another way (declined, overdue,
    accepted, overdue at the top then accepted, its root cause analysis filed and resolved),
    with the sweep's warnings and replies both ways on the way; two more cases become
    outages, one raised by a member and one opened as Severity 1.
    """
    case = make_case(created_at=timezone.now() - timedelta(days=10), subject="Exports fail every night")

    level_1 = escalate(case, customer, "no_updates", "No update for a week.", now=timezone.now())
    comment_post(case=case, user=escalation_manager, body="We are reading the logs.")
    escalation_assign(escalation=level_1, assignee_id=escalation_manager.pk, by=escalation_manager)
    comment_post(case=case, user=customer, body="Here are last night's logs too.")
    sweep_review_deadlines(now=level_1.due_soon_at)
    decide(
        level_1, escalation_manager, EscalationStatus.NOT_ACCEPTED, "We are on it.", now=level_1.due_soon_at + MINUTE
    )

    level_2 = escalate(case, customer, "no_updates", "Still nothing.", now=level_1.due_soon_at + 2 * MINUTE)
    sweep_review_deadlines(now=level_2.due_soon_at)
    sweep_review_deadlines(now=level_2.review_due_at)

    level_3 = escalate(case, customer, "other", "Nobody answered.", now=level_2.review_due_at + MINUTE)
    sweep_review_deadlines(now=level_3.due_soon_at)
    decide(
        level_3, senior_manager, EscalationStatus.ACCEPTED, "An engineer is assigned.", now=level_3.due_soon_at + MINUTE
    )
    comment_post(case=case, user=customer, body="When will the engineer call?")

    level_4 = escalate(case, customer, "other", "The fix is late.", now=level_3.due_soon_at + 2 * MINUTE)
    sweep_review_deadlines(now=level_4.review_due_at)
    decide(level_4, vp, EscalationStatus.ACCEPTED, "A fix ships tonight.", now=level_4.review_due_at + MINUTE)
    rca_file(
        escalation=level_4,
        user=vp,
        root_cause="A skipped canary.",
        contributing_factors="",
        corrective_actions="Canary is mandatory.",
        customer_summary="A change skipped our test stage; every change now passes it.",
    )
    escalation_resolve(escalation=level_4, user=vp)

    raised = make_case(created_at=timezone.now() - timedelta(days=1), subject="Checkout is down")
    case_update(case=raised, user=customer, severity=Severity.OUTAGE)
    case_create(user=colleague, subject="Login is down", description="Nobody can sign in.", severity=Severity.OUTAGE)

    return list(Notification.objects.select_related("recipient").order_by("id"))


def test_every_kind_of_notification_is_produced_for_everyone_it_tells(every_notification):
    produced = {(n.kind, n.recipient.username) for n in every_notification}

    # A new kind fails here until the scenario produces it, and so has its links tested. The
    # daily digest links the messages it covers (tests/test_daily_digest.py), none of its own.
    about_a_case = set(NotificationKind.values) - {NotificationKind.DAILY_DIGEST}
    assert about_a_case - {kind for kind, _ in produced} == set()
    assert EXPECTED_RECIPIENTS - produced == set()


def test_every_link_in_every_notification_opens_for_its_recipient(every_notification, mailoutbox):
    failures = []
    inboxes = {}
    for notification in every_notification:
        user = notification.recipient
        client = Client()
        client.force_login(user)
        if user.pk not in inboxes:
            inboxes[user.pk] = inbox_items(client, user, failures)
        where = (notification.kind, user.username)

        text_links = portal_links(notification.body)
        if not text_links:
            failures.append((*where, "-", "no portal link in the email text"))
        for url in text_links:
            failures += [(*where, url, problem) for problem in open_problems(client, "get", url)]

        html_links = sent_html_links(notification, mailoutbox)
        if not html_links:
            failures.append((*where, "-", "no link in the email's HTML part"))
        for href in html_links:
            if not href.startswith(settings.PORTAL_BASE_URL + "/"):
                failures.append((*where, href, "HTML link is not a portal link"))
                continue
            url = href.removeprefix(settings.PORTAL_BASE_URL)
            failures += [(*where, url, problem) for problem in open_problems(client, "get", url)]

        item = inboxes[user.pk].get(notification.pk)
        if item is None:
            failures.append((*where, reverse("notifications:inbox"), "no inbox item for it"))
            continue
        if not item.links:
            failures.append((*where, reverse("notifications:inbox"), "inbox item has no link"))
        for url in item.links:
            failures += [(*where, url, problem) for problem in open_problems(client, "get", url)]
        for url in item.opens:  # "Mark as read and open": a POST that redirects to what it is about
            failures += [(*where, url, problem) for problem in open_problems(client, "post", url)]

    assert failures == [], "links that do not open for their recipient (kind, recipient, url, status):\n" + "\n".join(
        map(repr, failures)
    )


# Staff act on the escalation page; the customer, the CSM and on-call on the case page.
STAFF = {"em", "sm", "senior", "vp", "oncall"}
ACTED_ON_THE_ESCALATION_PAGE = {"escalation_alert", "review_due_soon", "review_overdue", "customer_reply"}


def test_each_link_opens_the_page_where_its_recipient_acts(every_notification, mailoutbox):
    wrong = []
    inboxes = {}
    for notification in every_notification:
        user = notification.recipient
        if user.username in STAFF and notification.kind in ACTED_ON_THE_ESCALATION_PAGE:
            expected = reverse("escalations:detail", args=[notification.escalation_id])
        else:
            expected = reverse("cases:detail", args=[notification.case_id])
        if user.pk not in inboxes:
            client = Client()
            client.force_login(user)
            inboxes[user.pk] = inbox_items(client, user, wrong)
        item = inboxes[user.pk][notification.pk]
        html_links = [href.removeprefix(settings.PORTAL_BASE_URL) for href in sent_html_links(notification, mailoutbox)]
        for where, urls in (
            ("text", portal_links(notification.body)),
            ("html", html_links),
            ("inbox", item.links + item.opens),
        ):
            paths = {urlsplit(url).path for url in urls if not url.startswith("/inbox/")}
            # The inbox's "open" form posts to /inbox/<id>/open/: it must redirect where the links point.
            if where == "inbox" and item.opens:
                client = Client()
                client.force_login(user)
                paths.add(urlsplit(client.post(item.opens[0])["Location"]).path)
            if paths != {expected}:
                wrong.append((notification.kind, user.username, where, sorted(paths), expected))

    assert wrong == [], "\n".join(map(repr, wrong))


# Reading links


def portal_links(text: str) -> list[str]:
    """The paths of the portal URLs in a plain-text body (PORTAL_BASE_URL stripped)."""
    found = re.findall(re.escape(settings.PORTAL_BASE_URL) + r"(/[^\s<>\"']*)", text)
    # A sentence's full stop or a closing bracket after a URL is not part of it for a mail reader.
    return [url.rstrip(".,;:!?)") for url in found]


def sent_html_links(notification, mailoutbox) -> list[str]:
    """The hrefs of the HTML part of the email, as deliver() sends it to the recipient."""
    before = len(mailoutbox)
    assert deliver(notification.pk), f"notification {notification.pk} was not sent"
    assert len(mailoutbox) == before + 1
    message = mailoutbox[-1]
    assert message.to == [notification.recipient.email]
    parts = [content for content, mimetype in message.alternatives if mimetype == "text/html"]
    assert len(parts) == 1, "the email has no HTML part"
    return [html.unescape(href) for href in re.findall(r'href="([^"]*)"', parts[0])]


class InboxItem:
    def __init__(self):
        self.links = []  # <a href>: followed with GET
        self.opens = []  # <form method=post action=".../open/">: followed with POST
        self.notification_id = None


class InboxParser(HTMLParser):
    """The inbox page's items (<li class="inbox-item">): their links and the forms that open them."""

    def __init__(self):
        super().__init__()
        self.items = []
        self.depth = 0  # <li> nesting inside the current item; 0 outside any item

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "li":
            if self.depth:
                self.depth += 1
            elif "inbox-item" in (attrs.get("class") or "").split():
                self.items.append(InboxItem())
                self.depth = 1
            return
        if not self.depth:
            return
        item = self.items[-1]
        if tag == "a" and attrs.get("href"):
            item.links.append(attrs["href"])
        elif tag == "form" and attrs.get("action"):
            match = re.fullmatch(r"/inbox/(\d+)/(open|read)/", attrs["action"])
            if match:
                item.notification_id = int(match.group(1))
                if match.group(2) == "open":
                    item.opens.append(attrs["action"])

    def handle_endtag(self, tag):
        if tag == "li" and self.depth:
            self.depth -= 1


def inbox_items(client, user, failures) -> dict[int, InboxItem]:
    """Every item of the user's inbox, every page of it, by notification id."""
    items = {}
    url = reverse("notifications:inbox")
    for page in range(1, 100):
        response = client.get(url, {"page": page})
        if response.status_code != 200:
            failures.append(("inbox", user.username, url, response.status_code))
            return items
        parser = InboxParser()
        parser.feed(response.content.decode())
        items.update({item.notification_id: item for item in parser.items if item.notification_id})
        if not response.context["page"].has_next():
            return items
    raise AssertionError("the inbox never ends")


def open_problems(client, method: str, url: str) -> list:
    """What goes wrong when the signed-in client follows ``url``: [] when it opens.

    Redirects are followed; the last page must answer 200, must not be the sign-in page,
    and must hold the element a #fragment (of the link or of the last redirect) names.
    """
    if not url.startswith("/"):
        return [f"not a path on this site: {url!r}"]
    response = getattr(client, method)(url, follow=True)
    if response.status_code != 200:
        return [response.status_code]
    landed = response.redirect_chain[-1][0] if response.redirect_chain else url
    if response.request["PATH_INFO"] == reverse(settings.LOGIN_URL):
        return [f"200 but the sign-in page (via {landed})"]
    fragment = urlsplit(landed).fragment or urlsplit(url).fragment
    if fragment and f'id="{fragment}"' not in response.content.decode():
        return [f"200 but no #{fragment} on the page"]
    return []
