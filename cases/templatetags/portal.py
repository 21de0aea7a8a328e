from django import template

register = template.Library()


@register.filter
def display_name(user) -> str:
    """A person's full name, else their username; "" for nobody (a deleted account)."""
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()
