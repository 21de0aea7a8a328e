from functools import cached_property

from notifications import selectors


class NotificationBell:
    """The header's unread count, counted on first use: a page that never shows the bell
    (the admin, an error page) runs no query, one that does runs exactly one."""

    BADGE_MAX = 99

    def __init__(self, user):
        self._user = user

    @cached_property
    def unread(self) -> int:
        """The unread count, up to one more than the badge shows (enough to say "99+")."""
        return selectors.unread_count(self._user, up_to=self.BADGE_MAX + 1)

    @property
    def badge(self) -> str:
        """The count as shown, capped so it stays small ("99+")."""
        return f"{self.BADGE_MAX}+" if self.unread > self.BADGE_MAX else str(self.unread)

    @property
    def spoken(self) -> str:
        """The count as a screen reader says it ("more than 99")."""
        return f"more than {self.BADGE_MAX}" if self.unread > self.BADGE_MAX else str(self.unread)


def notification_bell(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"notification_bell": NotificationBell(user)}
