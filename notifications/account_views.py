"""A person's settings: the time zone they read times in, and how they are emailed."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone

from notifications import preferences
from notifications.forms import PreferencesForm
from notifications.models import NotificationKind
from portal import times
from portal.errors import InvalidInput


@login_required
def account_settings(request):
    saved = preferences.preferences_of(request.user)
    form = PreferencesForm(
        request.POST if request.method == "POST" else None,
        initial={"time_zone": saved.time_zone, "email_mode": saved.email_mode},
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                preferences.preferences_save(user=request.user, **form.cleaned_data)
            except InvalidInput as error:
                for field, message in error.errors.items():
                    form.add_error(field if field in form.fields else None, message)
            else:
                # This session shows the new zone from the next page on (portal.times).
                times.remember_zone(request, request.user)
                messages.success(request, "Your settings are saved.")
                return redirect("account:settings")
        status = 400
    default_zone = times.zone_names_of([request.user], own_setting=False).get(request.user.pk)
    shown_zone = saved.time_zone or default_zone
    kinds = [kind for kind in NotificationKind if kind != NotificationKind.DAILY_DIGEST]
    return render(
        request,
        "notifications/preferences_form.html",
        {
            "form": form,
            "zone_names": times.zone_names(),
            "default_zone": default_zone,
            "shown_zone": shown_zone,
            "now_in_zone": times.format_instant(timezone.now(), times.zone_named(shown_zone)),
            # What the digest holds back and what it never does (notifications.preferences.is_alert).
            "alert_kinds": [kind.label for kind in kinds if preferences.is_alert(kind)],
            "digest_kinds": [kind.label for kind in kinds if not preferences.is_alert(kind)],
            "digest_hour": f"{preferences.digest_hour():02d}:00",
        },
        status=status,
    )
