"""Who is who in a support organisation: escalation staff and their groups, and the time
zone each person reads times in.

Group names are seeded by migration. Who answers an escalation level is the escalation
policy's (escalations.policy); this module only knows groups and memberships.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Case, Exists, F, OuterRef, Subquery, Value, When
from django.db.models.functions import Coalesce, NullIf

from cases.models import Organization, Region

ESCALATION_MANAGERS = "Escalation Managers"
SUPPORT_MANAGEMENT = "Support Management"
VP_OF_SUPPORT = "VP of Support"
ON_CALL = "On-call"
STAFF_GROUP_NAMES = (ESCALATION_MANAGERS, SUPPORT_MANAGEMENT, VP_OF_SUPPORT, ON_CALL)


def _memberships(user) -> tuple[frozenset[int], bool]:
    """(group ids, whether a group makes the user escalation staff): one query per user object.

    A request reuses its user object, so every role check of the request shares the query.
    """
    cached = getattr(user, "_portal_memberships", None)
    if cached is None:
        rows = list(
            user.groups.annotate(senior=Exists(Region.objects.filter(senior_management=OuterRef("pk")))).values_list(
                "id", "name", "senior"
            )
        )
        cached = user._portal_memberships = _memberships_of(rows)
    return cached


def _memberships_of(rows) -> tuple[frozenset[int], bool]:
    """(group ids, staff?) from one user's (group id, group name, is a region's senior management) rows."""
    return (
        frozenset(group_id for group_id, _, _ in rows),
        any(name in STAFF_GROUP_NAMES or senior for _, name, senior in rows),
    )


def staff_among(users) -> set[int]:
    """The ids of those of ``users`` who are escalation staff (``is_escalation_staff``), the
    groups of all of them read in one query (the outbox asks it of a message's recipients)."""
    unknown = {user.pk: user for user in users if getattr(user, "_portal_memberships", None) is None}
    if unknown:
        rows = {pk: [] for pk in unknown}
        memberships = get_user_model().groups.through.objects.filter(user_id__in=unknown)
        senior = Exists(Region.objects.filter(senior_management=OuterRef("group_id")))
        for user_id, group_id, name, is_senior in memberships.annotate(senior=senior).values_list(
            "user_id", "group_id", "group__name", "senior"
        ):
            rows[user_id].append((group_id, name, is_senior))
        for user in users:  # every object of a person, should one come twice
            if getattr(user, "_portal_memberships", None) is None:
                user._portal_memberships = _memberships_of(rows[user.pk])
    return {user.pk for user in users if is_escalation_staff(user)}


def user_group_ids(user) -> frozenset[int]:
    """The user's group ids, loaded once per user object (a request reuses it)."""
    return _memberships(user)[0] if user.is_authenticated else frozenset()


def is_escalation_staff(user) -> bool:
    """Members of the staff groups or of any region's Senior Management, and Django staff."""
    if not user.is_authenticated:
        return False
    return user.is_staff or user.is_superuser or _memberships(user)[1]


def group_members(name: str):
    return get_user_model().objects.filter(groups__name=name, is_active=True).order_by("pk")


def time_zone_expression(*, own_setting: bool = True):
    """The IANA name of the zone a person reads times in, as an expression over a User queryset
    (so that a page or an email batch reads it in the query it makes anyway).

    Their own choice (Settings page: notifications.Preferences.time_zone) when ``own_setting``
    and they made one; else the zone of their organization's calendar, which is the one its
    review deadlines are counted on: the region's calendar, else the default calendar; else,
    for people outside any organization (the support staff), settings.TIME_ZONE. A person in
    several organizations reads in the first one's (by id). Installed in portal.times at
    start-up (CasesConfig.ready), which everyone else asks.
    """
    calendar_model = Region._meta.get_field("calendar").related_model
    memberships = Organization.members.through.objects.filter(user_id=OuterRef("pk")).order_by("organization_id")
    organization_zone = Coalesce(
        Subquery(memberships.values("organization__region__calendar__timezone")[:1]),
        Subquery(calendar_model.objects.filter(is_default=True).values("timezone")[:1]),
    )
    default = Coalesce(
        Case(When(Exists(memberships), then=organization_zone), default=None),
        Value(settings.TIME_ZONE),
    )
    if not own_setting:
        return default
    return Coalesce(NullIf(F("portal_preferences__time_zone"), Value("")), default)
