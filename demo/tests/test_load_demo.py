"""load_demo: a live demo of every Escalate Case state, safe to run again at any time."""

import os
import re
import socket
import subprocess
import sys
from datetime import timedelta
from io import StringIO

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core import mail
from django.core.management import CommandError, call_command
from django.utils import timezone

from cases.models import Case, CaseComment, Organization, Region
from escalations.models import BusinessCalendar, Escalation, EscalationLevel, Holiday
from escalations.services import check_eligibility, escalate, review_deadline
from notifications.models import Notification

PASSWORD = "demo-pass-2026"
USERNAMES = ["customer", "customer2", "standard", "northwind", "manager", "supportlead", "senior", "vp",
             "oncall", "csm", "admin"]

SSL_CASE = "SSL certificate renewal failing before Friday's expiry"
# What each demo case's customer sees on it: (who looks, code, next level).
EXPECTED = {
    "Dashboard charts stay blank for the EU workspace": ("customer", "too_early", None),
    "CSV import rejects files saved with a UTF-8 BOM": ("customer", "eligible", 1),
    SSL_CASE: ("customer", "review_pending", None),
    "Webhook deliveries delayed by up to 40 minutes": ("customer", "eligible", 2),
    'Data export jobs stuck in "queued" since the 4.12 upgrade': ("customer", "eligible", 4),
    "SSO sign-ins failing for users provisioned through SCIM": ("customer", "max_level", None),
    "Checkout API returning 503 for every request": ("customer", "severity_1", None),
    "Invoice PDF shows last year's VAT number": ("customer", "case_closed", None),
    "How do we rotate API keys without downtime?": ("standard", "too_early", None),
    "Scheduled reports arrive with an empty attachment": ("standard", "too_early", None),
    "Password reset emails not reaching globex.example addresses": ("standard", "eligible", 1),
    "Search results missing documents uploaded in the last day": ("northwind", "review_pending", None),
}


def load_demo() -> str:
    out = StringIO()
    call_command("load_demo", "--force", stdout=out)
    return out.getvalue()


def counts() -> dict[str, int]:
    models = [get_user_model(), Group, Organization, Region, BusinessCalendar, Holiday, Case, CaseComment,
              Escalation, Notification]
    return {model.__name__: model.objects.count() for model in models}


def states() -> dict[str, tuple]:
    users = {user.username: user for user in get_user_model().objects.filter(username__in=USERNAMES)}
    result = {}
    for case in Case.objects.filter(subject__in=EXPECTED).select_related("organization__tier"):
        who = EXPECTED[case.subject][0]
        verdict = check_eligibility(case, users[who])
        result[case.subject] = (who, verdict.code, verdict.next_level)
    return result


def case(subject) -> Case:
    return Case.objects.select_related("organization__tier", "organization__region").get(subject=subject)


@pytest.mark.django_db
def test_each_demo_case_shows_its_escalation_state():
    load_demo()

    assert states() == EXPECTED
    assert Case.objects.filter(organization__name="Acme Corp").count() == 8


@pytest.mark.django_db
def test_running_it_twice_duplicates_nothing():
    load_demo()
    before = counts()
    case_ids = dict(Case.objects.values_list("subject", "id"))

    load_demo()

    assert counts() == before
    assert dict(Case.objects.values_list("subject", "id")) == case_ids
    assert states() == EXPECTED


@pytest.mark.django_db
def test_a_run_days_later_brings_every_state_back():
    with time_machine.travel(timezone.now() - timedelta(days=5), tick=True):
        load_demo()
    before = counts()
    # Five days on, the countdowns are over and the reviews overdue ...
    assert states() != EXPECTED
    assert states()["Dashboard charts stay blank for the EU workspace"][1] == "eligible"

    load_demo()

    # ... and a second run moves the demo to now again, in the same rows.
    assert states() == EXPECTED
    assert counts() == before
    assert case("Dashboard charts stay blank for the EU workspace").created_at > timezone.now() - timedelta(hours=1)


@pytest.mark.django_db
def test_the_countdowns_run_from_now():
    load_demo()
    now = timezone.now()

    def time_left(subject, username):
        verdict = check_eligibility(case(subject), get_user_model().objects.get(username=username), now)
        return verdict.available_at - now

    # Premium Severity 2 opened 30 minutes ago: 4 h window; standard Severity 3 (16 h), opened 10 h
    # ago; standard Severity 4 (24 h), opened 20 h ago.
    assert abs(time_left("Dashboard charts stay blank for the EU workspace", "customer")
               - timedelta(hours=3, minutes=30)) < timedelta(minutes=1)
    assert abs(time_left("Scheduled reports arrive with an empty attachment", "standard")
               - timedelta(hours=6)) < timedelta(minutes=1)
    assert abs(time_left("How do we rotate API keys without downtime?", "standard")
               - timedelta(hours=4)) < timedelta(minutes=1)


@pytest.mark.django_db
def test_the_pending_review_is_due_in_emea_business_hours():
    load_demo()
    ssl_case = case(SSL_CASE)
    escalation = ssl_case.escalations.get()

    calendar = ssl_case.organization.region.calendar
    assert (calendar.name, calendar.timezone) == ("EMEA business hours", "Europe/Berlin")
    assert calendar.holidays.filter(date__year=timezone.now().year, name="German Unity Day").exists()
    assert escalation.status == "pending"
    assert escalation.requested_by.username == "customer"
    assert escalation.created_at < timezone.now() - timedelta(minutes=19)
    assert escalation.review_due_at == review_deadline(
        ssl_case, EscalationLevel.objects.get(number=1), escalation.created_at
    )
    assert escalation.review_due_at > timezone.now()


@pytest.mark.django_db
def test_the_staff_are_in_the_groups_that_decide():
    load_demo()
    emea = Region.objects.get(name="EMEA")
    acme = Organization.objects.get(name="Acme Corp")

    def groups(username):
        return set(get_user_model().objects.get(username=username).groups.values_list("name", flat=True))

    assert emea.senior_management.name == "EMEA Senior Management"
    assert groups("senior") == {"EMEA Senior Management"}
    assert groups("manager") == {"Escalation Managers"}
    assert groups("supportlead") == {"Support Management"}
    assert groups("vp") == {"VP of Support"}
    assert groups("oncall") == {"On-call"}
    assert (acme.tier.slug, acme.region, acme.csm.username) == ("premium", emea, "csm")
    assert set(acme.members.values_list("username", flat=True)) == {"customer", "customer2"}
    assert Organization.objects.get(name="Globex Ltd").tier.slug == "standard"


@pytest.mark.django_db
def test_the_history_was_made_by_the_people_who_may_make_it():
    load_demo()

    webhook_case = case("Webhook deliveries delayed by up to 40 minutes")
    declined = webhook_case.escalations.get()
    assert (declined.level, declined.status, declined.reviewed_by.username) == (1, "not_accepted", "manager")
    assert webhook_case.comments.filter(body=declined.decision_message, public=True).exists()
    sso_case = case("SSO sign-ins failing for users provisioned through SCIM")
    assert list(sso_case.escalations.values_list("level", "reviewed_by__username")) == [
        (1, "manager"), (2, "manager"), (3, "senior"), (4, "vp")
    ]
    outage = case("Checkout API returning 503 for every request")
    assert outage.severity == 1 and outage.comments.filter(kind="system", body__contains="Severity raised").exists()


@pytest.mark.django_db
def test_a_rerun_undoes_what_a_visitor_did_to_a_demo_case():
    load_demo()
    before = counts()
    csv_case = case("CSV import rejects files saved with a UTF-8 BOM")
    escalate(csv_case, get_user_model().objects.get(username="customer"), "other", "Trying the demo.")

    load_demo()

    assert states() == EXPECTED
    assert counts() == before


@pytest.mark.django_db
def test_every_demo_user_can_sign_in(client):
    load_demo()

    for username in USERNAMES:
        # Through the sign-in form, as a person would (and as sign-in throttling requires).
        response = client.post("/login/", {"username": username, "password": PASSWORD})
        assert response.status_code == 302, username
        assert "_auth_user_id" in client.session, username
        assert client.post("/logout/").status_code == 302, username
    admin = get_user_model().objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff
    assert not get_user_model().objects.filter(username__in=USERNAMES, is_staff=True).exclude(pk=admin.pk).exists()
    assert all(email.endswith("@example.com")
               for email in get_user_model().objects.filter(username__in=USERNAMES).values_list("email", flat=True))


@pytest.mark.django_db
def test_nobody_is_mailed_about_the_demo_history():
    load_demo()

    notifications = Notification.objects.filter(case__in=Case.objects.filter(subject__in=EXPECTED))
    assert notifications.filter(kind="escalation_alert", recipient__username="manager").exists()
    assert notifications.filter(kind="outage_alert", recipient__username="oncall").exists()
    assert not notifications.filter(sent_at=None).exists()
    assert mail.outbox == []


@pytest.mark.django_db
def test_it_prints_the_sign_ins_and_the_states():
    output = load_demo()

    for username in USERNAMES:
        assert re.search(rf"^{username}\s+{PASSWORD}\s+\S", output, re.MULTILINE), username
    too_early_case = case("Dashboard charts stay blank for the EU workspace")
    assert f"countdown on #{too_early_case.pk}" in output
    assert re.search(rf"^#{too_early_case.pk}\s.*too_early \(opens in 3 hours (29|30) minutes\)", output, re.MULTILINE)


def test_it_refuses_to_run_in_production_without_force(db):
    with pytest.raises(CommandError, match="--force"):
        call_command("load_demo", stdout=StringIO())

    assert not get_user_model().objects.filter(username="admin").exists()


def test_it_needs_no_broker(tmp_path):
    """The real command in its own process, committing for real, with nothing listening for Celery."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        dead_port = probe.getsockname()[1]
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}  # a fresh SQLite file
    env.update(
        PORTAL_VAR_DIR=str(tmp_path),
        CELERY_BROKER_URL=f"redis://127.0.0.1:{dead_port}/0",
        EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
        EMAIL_FILE_PATH=str(tmp_path / "mail"),
    )

    def manage(*args):
        return subprocess.run([sys.executable, str(settings.BASE_DIR / "manage.py"), *args], env=env,
                              capture_output=True, text=True, timeout=120, check=False)

    assert manage("migrate", "-v0").returncode == 0
    for _ in range(2):
        result = manage("load_demo", "--force")
        assert result.returncode == 0, result.stderr
        assert "Demo data loaded in" in result.stdout
    assert not (tmp_path / "mail").exists() or not any((tmp_path / "mail").iterdir())
