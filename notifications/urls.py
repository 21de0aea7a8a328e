from django.urls import path

import portal.converters  # noqa: F401  (registers <id:...>: ids a 64-bit integer holds)
from notifications import views

app_name = "notifications"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("<id:notification_id>/open/", views.notification_open, name="open"),
    path("<id:notification_id>/read/", views.notification_read, name="read"),
    path("read-all/", views.notification_read_all, name="read_all"),
]
