"""Times for people: one format, in the reader's time zone, with the zone named.

Every time a page or an email shows a person reads ``format_instant`` ("Wed 2 Dec 2026,
10:33 CET"), through the ``when`` template filter (portal.templatetags.times, a builtin of
every template) or directly. The API keeps ISO 8601 with offset and never calls this.

Which zone a person reads in is a rule of cases (their own setting, else their
organization's calendar zone: cases.people.time_zone_expression), and cases sits above this
kernel: it hands the rule over at start-up (``use_zone_rule``, called by CasesConfig.ready),
as an expression over a user queryset, so that whoever needs zones reads them in the query
it makes anyway. Until it does, everyone reads settings.TIME_ZONE.

A signed-in person's zone is activated for each of their requests by
portal.middleware.ViewerTimeZoneMiddleware from the copy their session keeps
(``remember_zone``: at sign-in, when they change it, and again every
``ZONE_RECHECK_SECONDS``), so a page costs no query for it; an email is rendered in its
recipient's zone (notifications.outbox).
"""

import time
import zoneinfo
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta, tzinfo
from functools import cache

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Expression, Value
from django.utils import dateformat, timezone

# Where a session keeps its person's zone: [IANA name, when it was read (epoch seconds)].
SESSION_KEY = "portal_time_zone"
# A session reads its zone again after this long, so that a change made elsewhere (their
# organization's region or calendar, their setting changed on another device) shows within
# minutes, at one query per session per period rather than one per page.
ZONE_RECHECK_SECONDS = 300

# Names a person is offered and may choose: "Region/City" names and UTC. Left out: the
# POSIX-style "Etc/GMT+5" (its sign is the reverse of what it reads), the system's
# "localtime", "Factory", and old aliases without a region ("EST", "Japan").
_NOT_OFFERED_PREFIXES = ("Etc/", "posix/", "right/", "SystemV/")

# ``rule(own_setting=True) -> Expression``: a user's zone name, over a User queryset.
_zone_rule: Callable[..., Expression] | None = None


def format_instant(moment: datetime, zone: tzinfo | None = None) -> str:
    """'Wed 2 Dec 2026, 10:33 CET': ``moment`` in ``zone``, else the active time zone (the
    reader's, on a page or in an email), with the zone named so that the reader never has to
    guess. A naive datetime raises ValueError: its zone, and so the instant, is unknown."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("format_instant needs an aware datetime")
    local = moment.astimezone(zone or timezone.get_current_timezone())
    return f"{dateformat.format(local, 'D j M Y, H:i')} {zone_label(local)}"


def zone_label(local: datetime) -> str:
    """The zone's abbreviation ("CET", "EST", "UTC"); where the zone has none, its offset
    from UTC ("UTC-03", "UTC+05:45") rather than a bare "-03"."""
    name = local.tzname() or ""
    if name and name[0] not in "+-":
        return name
    offset = local.utcoffset() or timedelta(0)
    sign = "-" if offset < timedelta(0) else "+"
    minutes = abs(int(offset.total_seconds())) // 60
    hours, minutes = divmod(minutes, 60)
    return f"UTC{sign}{hours:02d}" + (f":{minutes:02d}" if minutes else "")


@cache
def zone_names() -> tuple[str, ...]:
    """Every zone a person may choose, sorted: the datalist of the settings page."""
    return tuple(
        sorted(
            name
            for name in zoneinfo.available_timezones()
            if name == "UTC" or ("/" in name and not name.startswith(_NOT_OFFERED_PREFIXES))
        )
    )


def canonical_zone_name(text: str) -> str | None:
    """The offered zone name ``text`` means, whatever its case or surrounding spaces
    ("europe/berlin" -> "Europe/Berlin"); None when it names no zone offered."""
    wanted = text.strip().casefold()
    return next((name for name in zone_names() if name.casefold() == wanted), None)


def zone_named(name: str | None) -> tzinfo:
    """The zone called ``name``; settings.TIME_ZONE for an empty or unknown name (a calendar
    saved with a typo must not break every page of its organization)."""
    for candidate in (name, settings.TIME_ZONE):
        if candidate:
            try:
                return zoneinfo.ZoneInfo(candidate)
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                continue
    return UTC


def use_zone_rule(rule: Callable[..., Expression]) -> None:
    """Install the rule that says in which zone each person reads (cases.people)."""
    global _zone_rule
    _zone_rule = rule


def zone_expression(*, own_setting: bool = True) -> Expression:
    """A user's zone name as an expression over a User queryset: with ``own_setting``, their
    own choice when they made one; else the zone they would read in by default."""
    if _zone_rule is None:
        return Value(settings.TIME_ZONE)
    return _zone_rule(own_setting=own_setting)


def zone_names_of(users: Iterable, *, own_setting: bool = True) -> dict[int, str]:
    """{user id: zone name} for ``users``, in one query."""
    ids = {user.pk for user in users if user is not None}
    if not ids:
        return {}
    rows = (
        get_user_model()
        .objects.filter(pk__in=ids)
        .annotate(portal_zone=zone_expression(own_setting=own_setting))
        .values_list("pk", "portal_zone")
    )
    return dict(rows)


def remember_zone(request, user, *, now: float | None = None) -> tzinfo:
    """Read ``user``'s zone and keep it in the request's session; return it."""
    name = zone_names_of([user]).get(user.pk) or settings.TIME_ZONE
    request.session[SESSION_KEY] = [name, now if now is not None else time.time()]
    return zone_named(name)


def remember_zone_on_sign_in(sender, request=None, user=None, **kwargs):
    """user_logged_in receiver: the first page after signing in costs no query for the zone."""
    if request is not None and getattr(request, "session", None) is not None and user is not None:
        remember_zone(request, user)


def viewer_zone(request) -> tzinfo | None:
    """The signed-in person's zone, from their session's copy (read again once it is
    ``ZONE_RECHECK_SECONDS`` old); None for an anonymous visitor (settings.TIME_ZONE applies)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    now = time.time()
    kept = request.session.get(SESSION_KEY)
    if isinstance(kept, list) and len(kept) == 2 and isinstance(kept[1], int | float):
        if 0 <= now - kept[1] < ZONE_RECHECK_SECONDS:
            return zone_named(kept[0])
    return remember_zone(request, user, now=now)
