from django.urls import path

from cases import views

app_name = "cases"

urlpatterns = [
    path("", views.case_list, name="list"),
    path("support/", views.support_queue, name="support-queue"),
    path("cases/new/", views.case_create, name="create"),
    path("cases/<int:case_id>/", views.case_detail, name="detail"),
    path("cases/<int:case_id>/comments/", views.comment_add, name="comment"),
    path("cases/<int:case_id>/priority/", views.priority_change, name="priority"),
    path("cases/<int:case_id>/outage/", views.outage_raise, name="outage"),
    path("cases/<int:case_id>/escalate/", views.escalate, name="escalate"),
]
