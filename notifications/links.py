"""Where a notification leads: the page on which its recipient acts (DESIGN.md, "Every link in
a notification opens for its recipient").

One rule, ``notification_link``, asked by the email builder (the link in the text),
delivery (the button of the HTML part) and the inbox (the item's links and "open"). It
reads the notification's kind and its recipient's role:

- escalation staff told of work on an escalation (an alert, a review due soon or overdue, a
  customer's reply on it) act on the escalation page, where it is claimed and decided;
- everyone else (the customer, the account's CSM, on-call paged for an outage) acts on, or
  reads, the case page: at the escalation's entry in the history when there is one, at the
  conversation for a reply.

Who is escalation staff is cases.people's rule, and cases sits above this app: cases hands
it over at start-up (``use_staff_rule``, called by CasesConfig.ready). Until it does, nobody
counts as staff, and every link is the case page, which opens for every recipient.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.urls import reverse

from notifications.models import NotificationKind

# The kinds that ask staff to act on the escalation itself (claim, decide, answer the customer).
ACTED_ON_THE_ESCALATION_PAGE = frozenset(
    {
        NotificationKind.ESCALATION_ALERT,
        NotificationKind.REVIEW_DUE_SOON,
        NotificationKind.REVIEW_OVERDUE,
        NotificationKind.CUSTOMER_REPLY,
    }
)

# The kinds about the conversation: they open the case page at the thread.
ABOUT_THE_CONVERSATION = frozenset({NotificationKind.CASE_REPLY})

# ``staff_among(users) -> set of ids``: those of ``users`` who are escalation staff.
_staff_among: Callable[[list], set[int]] | None = None


def use_staff_rule(staff_among: Callable[[list], set[int]]) -> None:
    """Install the rule that tells escalation staff apart (cases.people.staff_among)."""
    global _staff_among
    _staff_among = staff_among


def staff_ids(users: Iterable) -> set[int]:
    """The ids of those of ``users`` who are escalation staff (one query for all of them)."""
    users = [user for user in users if user is not None]
    if _staff_among is None or not users:
        return set()
    return set(_staff_among(users))


def is_staff(user) -> bool:
    return user is not None and user.pk in staff_ids([user])


def needs_role(kind: str) -> bool:
    """Whether the link of this kind depends on who reads it (else the recipient's role need not be asked)."""
    return kind in ACTED_ON_THE_ESCALATION_PAGE


@dataclass(frozen=True)
class Link:
    path: str  # a path on this site; emails put PORTAL_BASE_URL before it
    label: str  # what a button or a line before the link says: "Open the escalation"


def notification_link(
    *, kind: str, recipient_is_staff: bool, case_id: int | None, escalation_id: int | None, level: int | None
) -> Link | None:
    """The page where the recipient of a notification of ``kind`` acts; None when it concerns no case.

    ``level`` is the escalation's level (its entry on the case page), when there is an escalation.
    """
    if escalation_id is not None and recipient_is_staff and kind in ACTED_ON_THE_ESCALATION_PAGE:
        return Link(reverse("escalations:detail", args=[escalation_id]), "Open the escalation")
    if case_id is None:
        return None
    path = reverse("cases:detail", args=[case_id])
    if kind in ABOUT_THE_CONVERSATION:
        return Link(path + "#thread", "Open the conversation")
    if escalation_id is not None and level is not None:
        return Link(path + f"#escalation-{level}", "Open the case")
    return Link(path, "Open the case")


def link_of(notification, *, recipient_is_staff: bool) -> Link | None:
    """``notification_link`` for a Notification row (its escalation loaded with it, for the level)."""
    escalation = notification.escalation if notification.escalation_id else None
    return notification_link(
        kind=notification.kind,
        recipient_is_staff=recipient_is_staff,
        case_id=notification.case_id or (escalation.case_id if escalation else None),
        escalation_id=notification.escalation_id,
        level=escalation.level if escalation else None,
    )
