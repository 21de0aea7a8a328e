from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

import portal.converters  # noqa: F401  (registers <id:...>: ids a 64-bit integer holds)

urlpatterns = [
    # /healthz, /readyz, /metrics: first, so no other route can shadow them.
    path("", include("ops.urls")),
    path("", include("escalations.case_urls")),
    path("inbox/", include("notifications.urls")),
    path("review/", include("escalations.urls")),
    path("review/report/", include("escalations.report_urls")),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    # Changing the password keeps this session (update_session_auth_hash) and signs out
    # every other one: their stored password hash no longer matches.
    path("account/", include("notifications.account_urls")),
    path("account/password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("account/password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("api/v1/", include(("escalations.api_urls", "api"))),
    path("admin/", admin.site.urls),
]

handler404 = "portal.views.not_found"
handler500 = "portal.views.server_error"
