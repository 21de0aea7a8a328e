"""The escalation policy's answers for templates whose view does not pass them in.

``{% load escalation_policy %}`` then ``{% if escalation.level|can_escalate_higher %}``:
the rule stays in escalations.policy; the template only asks.
"""

from django import template

from escalations import policy

register = template.Library()


@register.filter
def can_escalate_higher(level) -> bool:
    """policy.can_escalate_higher for a level number."""
    return policy.can_escalate_higher(int(level))
