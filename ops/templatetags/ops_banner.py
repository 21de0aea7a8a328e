"""The admin's banner when the worker or beat is down: the same heartbeat checks as /readyz
(ops.readiness.check_heartbeats), so the banner and the probe never disagree."""

from django import template
from django.utils import timezone

from ops.readiness import check_heartbeats

register = template.Library()


@register.inclusion_tag("admin/ops_banner.html")
def ops_banner():
    """The failing heartbeat checks, each with why (one query)."""
    return {"down": [check for check in check_heartbeats(now=timezone.now()) if not check.ok]}
