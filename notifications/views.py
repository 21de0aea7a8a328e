"""The in-app inbox. Reading is GET; every change of read state is a POST with CSRF."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from notifications import links, selectors
from notifications.inbox import mark_all_read, mark_read

PAGE_SIZE = 25


@login_required
def inbox(request):
    unread_only = request.GET.get("show") == "unread"
    page = Paginator(selectors.inbox(request.user, unread_only=unread_only), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    # Staff open their alerts on the escalation page, others on the case page (notifications.links).
    is_staff = links.is_staff(request.user)
    for notification in page.object_list:
        notification.url = selectors.notification_url(notification, recipient_is_staff=is_staff)
        notification.excerpt = selectors.excerpt(notification.body_head)
    return render(
        request,
        "notifications/notification_inbox.html",
        {
            "page": page,
            "unread_only": unread_only,
            "query": "show=unread" if unread_only else "",
            "here": request.get_full_path(),
        },
    )


@login_required
@require_POST
def notification_open(request, notification_id):
    """Mark one of the user's notifications as read and go to what it is about."""
    notification = selectors.own_notification(request.user, notification_id)
    if notification is None:
        raise Http404("No such notification.")
    mark_read(user=request.user, notification_id=notification.pk)
    url = selectors.notification_url(notification, recipient_is_staff=links.is_staff(request.user))
    return redirect(url or reverse("notifications:inbox"))


@login_required
@require_POST
def notification_read(request, notification_id):
    """Mark one of the user's notifications as read and stay in the inbox."""
    if not mark_read(user=request.user, notification_id=notification_id):
        raise Http404("No such notification.")
    messages.success(request, "Marked as read.")
    return redirect(_back_to_inbox(request))


@login_required
@require_POST
def notification_read_all(request):
    count = mark_all_read(user=request.user)
    if count:
        messages.success(request, f"Marked {count} notification{'s' if count != 1 else ''} as read.")
    else:
        messages.info(request, "Nothing was unread.")
    return redirect(_back_to_inbox(request))


def _back_to_inbox(request) -> str:
    """The inbox page the form was on (its filter and page), never another site."""
    target = request.POST.get("next", "")
    inbox_url = reverse("notifications:inbox")
    if target.startswith(inbox_url) and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return inbox_url
