"""A person's own account pages, beside the password change (portal.urls)."""

from django.urls import path

from notifications import account_views as views

app_name = "account"

urlpatterns = [
    path("settings/", views.account_settings, name="settings"),
]
