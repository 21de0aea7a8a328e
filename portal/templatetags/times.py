"""``{{ escalation.review_due_at|when }}``: the site's one format for a time people read
(portal.times.format_instant), in the active zone, which is the reader's: the signed-in
person's on a page, the recipient's in an email. A builtin of every template
(settings.TEMPLATES), so no template needs to load it.

In HTML, keep the machine-readable instant beside it:
``<time datetime="{{ value|date:'c' }}">{{ value|when }}</time>``.
"""

from datetime import date, datetime

from django import template
from django.utils import dateformat, timezone

from portal import times

register = template.Library()


@register.filter(expects_localtime=False)
def when(value) -> str:
    """'Wed 2 Dec 2026, 10:33 CET'; a date alone as 'Wed 2 Dec 2026'; "" for nothing."""
    if isinstance(value, datetime):
        if timezone.is_naive(value):
            value = timezone.make_aware(value, timezone.get_default_timezone())
        return times.format_instant(value)
    if isinstance(value, date):
        return dateformat.format(value, "D j M Y")
    return ""
