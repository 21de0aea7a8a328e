from django.urls import path

import portal.converters  # noqa: F401  (registers <id:...>: ids a 64-bit integer holds)
from escalations import views, views_actions, views_audit

app_name = "escalations"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("<id:escalation_id>/", views.escalation_detail, name="detail"),
    path("<id:escalation_id>/claim/", views_actions.claim, name="claim"),
    path("<id:escalation_id>/release/", views_actions.release, name="release"),
    path("<id:escalation_id>/decision/", views_actions.decide, name="decide"),
    path("<id:escalation_id>/rca/", views_actions.rca, name="rca"),
    path("<id:escalation_id>/resolve/", views_actions.resolve, name="resolve"),
    path("cases/<id:case_id>/history.csv", views_audit.case_history_csv, name="case_history"),
]
