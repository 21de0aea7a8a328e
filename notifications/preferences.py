"""What each person chose (notifications.Preferences) as the outbox reads it: the zone their
messages are written in, and whether an informational message waits for their daily digest.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import tzinfo

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import F

from notifications.models import EmailMode, NotificationKind, Preferences
from portal import times
from portal.errors import InvalidInput

# Messages that only inform: nothing in them has to be done, or can be done better, before
# tomorrow morning. A person who chose the daily digest gets these in it.
INFORMATIONAL_KINDS = frozenset(
    {
        NotificationKind.CSM_INFORMED,  # "no action is needed from you"
        NotificationKind.ESCALATION_RECEIVED,  # a receipt: the due time is on the case page
        NotificationKind.ESCALATION_ACCEPTED,  # the plan of action is posted in the case
        NotificationKind.CASE_REPLY,  # the conversation is in the case; the inbox has it at once
        NotificationKind.ESCALATION_RESOLVED,
        NotificationKind.RCA_FILED,
    }
)


def is_alert(kind: str) -> bool:
    """True when a message of ``kind`` is emailed at once, whatever its recipient chose.

    An alert asks its reader to act against a clock: staff to review an escalation before
    its business-hours deadline (escalation_alert, review_due_soon, review_overdue), to
    answer a customer on an escalated case (customer_reply), on-call to work an outage
    (outage_alert); a customer to decide whether to escalate higher, which they may do from
    that moment (escalation_not_accepted; review_overdue, the requester's copy). Holding
    any of these for a day would break the promise the deadlines make. Every other kind is
    informational (``INFORMATIONAL_KINDS``). A kind added later is an alert until it is
    listed there: a message sent too soon costs less than one held back.
    """
    return kind not in INFORMATIONAL_KINDS


@dataclass(frozen=True)
class Reader:
    """What the outbox needs to know about one recipient."""

    zone: tzinfo
    email_mode: str

    def wants_in_digest(self, kind: str) -> bool:
        """Whether this person's email of a message of ``kind`` waits for their daily digest."""
        return self.email_mode == EmailMode.DIGEST and not is_alert(kind)


def readers(users: Iterable) -> dict[int, Reader]:
    """{user id: Reader} for ``users``: one query for those whose user object does not carry
    its Reader yet, which each then keeps (``_portal_reader``), as a request keeps its user.

    A service that tells several groups of one event (an escalation: the alerted staff, the
    CSM, the requester) asks once for all of them first, so its builds ask nothing more.
    """
    users = [user for user in users if user is not None]
    unknown = {user.pk: user for user in users if getattr(user, "_portal_reader", None) is None}
    if unknown:
        rows = (
            get_user_model()
            .objects.filter(pk__in=unknown)
            .annotate(portal_zone=times.zone_expression(), portal_email_mode=F("portal_preferences__email_mode"))
            .values_list("pk", "portal_zone", "portal_email_mode")
        )
        found = {
            pk: Reader(zone=times.zone_named(zone), email_mode=mode or EmailMode.IMMEDIATE) for pk, zone, mode in rows
        }
        for pk, user in unknown.items():
            user._portal_reader = found.get(pk) or Reader(zone=times.zone_named(None), email_mode=EmailMode.IMMEDIATE)
    return {user.pk: user._portal_reader for user in users}


def digest_hour() -> int:
    """The hour of the day, in each person's own zone, from which their daily digest is sent."""
    return settings.PORTAL_DIGEST_HOUR


def preferences_of(user) -> Preferences:
    """The user's settings row, unsaved with the defaults when they never changed anything."""
    return Preferences.objects.filter(user=user).first() or Preferences(user=user)


def chosen_zone(text: str) -> str:
    """The zone name a person's ``text`` chooses: an offered name in any case, or "" (empty:
    the default). ValueError, saying what to do, for anything else."""
    if not text.strip():
        return ""
    zone = times.canonical_zone_name(text)
    if zone is None:
        raise ValueError(
            f"“{text.strip()[:64]}” is not a time zone we know. Choose one from the list, "
            "e.g. America/New_York or Europe/Berlin, or leave it empty for the default."
        )
    return zone


def preferences_save(*, user, time_zone: str, email_mode: str) -> Preferences:
    """Store the user's choices: ``time_zone`` an offered zone name in any case ("" for the
    default), ``email_mode`` an EmailMode. Raises InvalidInput, field by field, otherwise."""
    errors = {}
    try:
        zone = chosen_zone(time_zone)
    except ValueError as error:
        errors["time_zone"] = str(error)
    if email_mode not in EmailMode.values:
        errors["email_mode"] = "Choose how you want to be emailed."
    if errors:
        raise InvalidInput(errors)
    preferences, _ = Preferences.objects.update_or_create(
        user=user, defaults={"time_zone": zone, "email_mode": email_mode}
    )
    return preferences
