"""The demo's content: who works here, which customers, and what happened in each demo case.

Read by ``manage.py load_demo``; kept apart so the command reads as logic and this as a script.
"""

from dataclasses import dataclass
from datetime import timedelta

from cases import people as roles
from cases.models import CaseStatus, CustomerPriority, Severity
from escalations.models import EscalationStatus

DEMO_PASSWORD = "demo-pass-2026"
EMAIL_DOMAIN = "example.com"
ACCEPTED, NOT_ACCEPTED = EscalationStatus.ACCEPTED, EscalationStatus.NOT_ACCEPTED


def ago(*, days=0, hours=0, minutes=0) -> timedelta:
    return timedelta(days=days, hours=hours, minutes=minutes)


# --- People -------------------------------------------------------------------------------------
# `to_try` may name demo cases by key, as {key}: the command prints their numbers there.


@dataclass(frozen=True)
class DemoUser:
    username: str
    first_name: str
    last_name: str
    role: str
    to_try: str
    groups: tuple[str, ...] = ()
    is_superuser: bool = False


EMEA_SENIOR_MANAGEMENT = "EMEA Senior Management"
AMER_SENIOR_MANAGEMENT = "AMER Senior Management"

USERS = [
    DemoUser("customer", "Ada", "Customer", "customer, Acme Corp (premium, EMEA)",
             "case list: every state at once; countdown on {too_early}; Escalate Case on {eligible_l1}; "
             "escalate higher on {eligible_l2} and {eligible_l4}"),
    DemoUser("customer2", "Ben", "Customer", "customer, Acme Corp (second member)",
             "escalate any Acme case: membership counts, not who opened it ({eligible_l2} is his)"),
    DemoUser("standard", "Sam", "Standard", "customer, Globex Ltd (standard, EMEA)",
             "standard windows: {globex_too_early} opens at 16 h, {globex_question} at 24 h; "
             "escalate {globex_eligible}"),
    DemoUser("northwind", "Nora", "North", "customer, Northwind Traders (premium, AMER)",
             "{northwind_pending}: a review due on New York business hours"),
    DemoUser("manager", "Max", "Manager", "Escalation Managers (decide Levels 1-2)",
             "review queue: decide the pending Level 1 on {review_pending}", (roles.ESCALATION_MANAGERS,)),
    DemoUser("supportlead", "Lena", "Lead", "Support Management (alerted from Level 2)",
             "review queue; alerted once {eligible_l2} goes to Level 2", (roles.SUPPORT_MANAGEMENT,)),
    DemoUser("senior", "Sofia", "Senior", "EMEA Senior Management (decides Level 3)",
             "her Level 3 decision on {eligible_l4}; decide {eligible_l2} once at Level 3", (EMEA_SENIOR_MANAGEMENT,)),
    DemoUser("vp", "Vera", "Vance", "VP of Support (decides Level 4, files the RCA)",
             "file the root cause analysis for the Level 4 on {max_level}; decide {eligible_l4} once at Level 4",
             (roles.VP_OF_SUPPORT,)),
    DemoUser("oncall", "Otto", "Oncall", "On-call support engineer (paged for Severity 1)",
             "the outage page for {severity_1}; the support replies in every thread", (roles.ON_CALL,)),
    DemoUser("csm", "Carla", "Success", "Customer Success Manager of Acme and Northwind",
             "informed of every Acme and Northwind escalation, at every level"),
    DemoUser("admin", "Alex", "Admin", "superuser",
             "/admin/: escalation windows, levels, the EMEA calendar and its holidays", is_superuser=True),
]


# --- Places -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoCalendar:
    name: str
    timezone: str
    country: str  # holidays are imported for it with the `holidays` package


@dataclass(frozen=True)
class DemoRegion:
    name: str
    senior_management: str
    calendar: DemoCalendar


@dataclass(frozen=True)
class DemoOrganization:
    name: str
    tier: str
    region: str
    csm: str | None
    members: tuple[str, ...]


REGIONS = [
    DemoRegion("EMEA", EMEA_SENIOR_MANAGEMENT, DemoCalendar("EMEA business hours", "Europe/Berlin", "DE")),
    DemoRegion("AMER", AMER_SENIOR_MANAGEMENT, DemoCalendar("AMER business hours", "America/New_York", "US")),
]

ACME, GLOBEX, NORTHWIND = "Acme Corp", "Globex Ltd", "Northwind Traders"
ORGANIZATIONS = [
    DemoOrganization(ACME, "premium", "EMEA", "csm", ("customer", "customer2")),
    DemoOrganization(GLOBEX, "standard", "EMEA", None, ("standard",)),
    DemoOrganization(NORTHWIND, "premium", "AMER", "csm", ("northwind",)),
]


# --- Cases and what happened in them --------------------------------------------------------------


@dataclass(frozen=True)
class Say:
    """A comment in the thread; a public one from staff is the first response."""

    ago: timedelta
    author: str
    body: str
    public: bool = True


@dataclass(frozen=True)
class Escalate:
    """Press Escalate Case: through the service, so the rules of that moment apply."""

    ago: timedelta
    by: str
    reason: str
    summary: str


@dataclass(frozen=True)
class Decide:
    """Decide the case's latest escalation."""

    ago: timedelta
    by: str
    decision: str
    message: str


@dataclass(frozen=True)
class RaiseToOutage:
    """The customer sets Severity 1, which pages on-call (the outage process)."""

    ago: timedelta
    by: str


@dataclass(frozen=True)
class DemoCase:
    key: str
    organization: str
    requester: str
    subject: str  # with the organization, the stable key of the demo case
    severity: int  # at opening; a RaiseToOutage step changes it
    opened: timedelta
    description: str
    story: tuple = ()  # Say, Escalate, Decide and RaiseToOutage steps, oldest first
    status: str = CaseStatus.OPEN
    priority: str = CustomerPriority.NORMAL


CASES = [
    DemoCase(
        "too_early", ACME, "customer", "Dashboard charts stay blank for the EU workspace", Severity.MAJOR,
        ago(minutes=30),
        "Since this morning every chart on our main analytics dashboard shows an empty frame with a spinner. "
        "Tables on the same page load fine. All 40 users of our EU workspace are affected; the US workspace "
        "works. The browser console shows 504 responses from /api/charts/render.",
        (
            Say(ago(minutes=20), "oncall",
                "Thanks, Ada. I can reproduce this in your workspace: the chart rendering pool for eu-central is "
                "saturated. I have asked the platform team to add capacity and will update you within the hour."),
            Say(ago(minutes=10), "customer",
                "Thank you. We present these dashboards to our board this afternoon, so an ETA would help a lot."),
        ),
    ),
    DemoCase(
        "eligible_l1", ACME, "customer", "CSV import rejects files saved with a UTF-8 BOM", Severity.MINOR,
        ago(days=2),
        "Importing a contacts CSV exported from Excel fails with \"Unknown column: email\" although the column "
        "is there. Re-saving the file without the byte order mark works, but our operations team imports files "
        "from three partner systems every morning and cannot edit each of them by hand.",
        (
            Say(ago(days=1, hours=22), "oncall",
                "Confirmed: the importer reads the byte order mark as part of the first header. Until the fix "
                "ships, choosing \"CSV (comma delimited)\" instead of \"CSV UTF-8\" in Excel avoids it. I have "
                "filed this with engineering as IMP-2231."),
            Say(ago(days=1), "customer",
                "The workaround does not help with the partner feeds, which we do not export ourselves. "
                "Is there a date for the fix?"),
        ),
    ),
    DemoCase(
        "review_pending", ACME, "customer", "SSL certificate renewal failing before Friday's expiry", Severity.MAJOR,
        ago(hours=6),
        "Automatic renewal of the certificate for portal.acme.example has failed three nights in a row with "
        "\"DNS-01 challenge timed out\". The current certificate expires on Friday; after that our "
        "customer-facing portal will show browser warnings. The _acme-challenge CNAME is still in place.",
        (
            Say(ago(hours=5), "oncall",
                "The DNS-01 validation is timing out because the challenge record resolves to an old target. "
                "I have raised it with our certificate team. Did you change DNS providers recently?"),
            Say(ago(hours=4, minutes=30), "customer",
                "No provider change, but we moved the zone to a new account last month. We cannot let this "
                "certificate expire: our customers sign in through that portal."),
            Escalate(ago(minutes=20), "customer", "time_constraint",
                     "The certificate for portal.acme.example expires on Friday and renewal has failed three "
                     "nights running. We need the certificate team engaged today so that it is renewed in time."),
            Say(ago(minutes=10), "manager",
                "Picked up. The certificate team confirms the CNAME still points at the old zone; checking "
                "whether we can issue this one manually while the customer fixes DNS.", public=False),
        ),
        priority=CustomerPriority.HIGH,
    ),
    DemoCase(
        "eligible_l2", ACME, "customer2", "Webhook deliveries delayed by up to 40 minutes", Severity.MINOR,
        ago(days=3),
        "Order-created webhooks reach our fulfilment endpoint 20 to 40 minutes after the order is placed. "
        "Our endpoint answers in under 200 ms. This started after last week's maintenance window, and "
        "orders now ship a day late.",
        (
            Say(ago(days=2, hours=22), "oncall",
                "Thanks, Ben. Delivery metrics show a backlog on the webhook workers for your region; "
                "engineering is rebalancing them. I will update you tomorrow morning."),
            Say(ago(days=2, hours=1), "customer2", "We still see delays of 35 minutes this morning."),
            Escalate(ago(days=2), "customer2", "no_updates",
                     "Webhooks have been delayed by up to 40 minutes for two days and our orders ship late. "
                     "We need a clear plan and a date for the fix."),
            Decide(ago(days=1, hours=22), "manager", NOT_ACCEPTED,
                   "Hello Ben, I have reviewed this case with the webhook team. The backlog is understood and "
                   "the fix, dedicated workers per region, is rolling out this week; your case is linked to it, "
                   "so an escalation would not make it faster. Your engineer will post progress here every day. "
                   "If delays get worse or events are lost, escalate again and we will look at it once more."),
            Say(ago(days=1), "customer2",
                "Delays are still above 30 minutes. If this is not fixed by tomorrow we will escalate further."),
            Say(ago(hours=20), "oncall",
                "Update: the regional workers now serve 40% of your traffic; the rest follows after tonight's "
                "deployment."),
        ),
    ),
    DemoCase(
        "eligible_l4", ACME, "customer", "Data export jobs stuck in \"queued\" since the 4.12 upgrade",
        Severity.MAJOR, ago(days=6),
        "Since the upgrade to 4.12 every scheduled data export stays in \"queued\" and never starts. Manual "
        "exports work. Our finance team depends on the nightly export for the month-end close.",
        (
            Say(ago(days=5, hours=22), "oncall",
                "Thanks, Ada. The export scheduler changed in 4.12; I am checking with the export team "
                "whether your schedules were migrated correctly."),
            Escalate(ago(days=5), "customer", "major_impairment",
                     "No scheduled export has run for a day and finance cannot start the month-end close."),
            Decide(ago(days=4, hours=23), "manager", ACCEPTED,
                   "Accepted. I am the escalation manager on this case now; the export team has reproduced the "
                   "scheduler problem and is working on a fix."),
            Escalate(ago(days=4), "customer", "no_updates",
                     "A day after the escalation was accepted, exports are still stuck and we have no ETA."),
            Decide(ago(days=3, hours=22), "manager", ACCEPTED,
                   "Accepted at Level 2, which the escalation managers decide. Support Management and Carla, "
                   "your Customer Success Manager, are alerted and following it. A hotfix is being built; we will "
                   "post the rollout time here."),
            Escalate(ago(days=2), "customer", "time_constraint",
                     "Month-end close is in two days and the hotfix has not shipped. We need management attention."),
            Decide(ago(days=1, hours=21), "senior", ACCEPTED,
                   "I am Sofia, Senior Manager for EMEA support, and I am following this case personally. "
                   "The hotfix is in final testing; I will confirm the rollout time here today."),
            Say(ago(days=1), "oncall",
                "The hotfix is deployed to staging. As a stopgap, manual exports of the finance datasets run "
                "every hour from our side until it reaches production."),
            Say(ago(hours=18), "customer", "Thank you. Please confirm once it is in production."),
        ),
        priority=CustomerPriority.HIGH,
    ),
    DemoCase(
        "max_level", ACME, "customer", "SSO sign-ins failing for users provisioned through SCIM", Severity.MAJOR,
        ago(days=9),
        "Users created in our identity provider through SCIM cannot sign in with SSO: they get \"account not "
        "linked\". Users created before the SCIM rollout sign in fine. 120 new employees start next week.",
        (
            Say(ago(days=8, hours=23), "oncall",
                "Thanks, Ada. The SCIM-created accounts lack the external id that SSO matches on. I am working "
                "with the identity team on the mapping."),
            Escalate(ago(days=8), "customer", "major_impairment",
                     "No new employee can sign in, and 120 start next week."),
            Decide(ago(days=7, hours=23), "manager", NOT_ACCEPTED,
                   "Hello Ada, the identity team is already working on the mapping and has a fix in review. "
                   "We will update you tomorrow; escalate again if that is not enough."),
            Escalate(ago(days=7), "customer", "no_updates",
                     "There was no update as promised, and onboarding starts in four days."),
            Decide(ago(days=6, hours=22), "manager", ACCEPTED,
                   "Accepted at Level 2. Support Management and your CSM are alerted and following the case."),
            Escalate(ago(days=5), "customer", "time_constraint",
                     "The fix is still not deployed and onboarding starts in two days."),
            Decide(ago(days=4, hours=22), "senior", ACCEPTED,
                   "Accepted. I am following this personally; engineering has given it top priority."),
            Escalate(ago(days=3), "customer", "time_constraint",
                     "New employees started today and cannot sign in. We need this resolved now."),
            Decide(ago(days=2, hours=23), "vp", ACCEPTED,
                   "I am Vera, VP of Support. I have accepted this escalation and I am in daily contact with "
                   "engineering. A full root cause analysis will follow in this case."),
            Say(ago(days=2), "oncall",
                "The fix is live: SCIM-created users are linked on their next sign-in. Please let us know if "
                "any user still sees \"account not linked\"."),
            Say(ago(days=1), "customer", "All new employees can sign in. We are waiting for the root cause analysis."),
        ),
    ),
    DemoCase(
        "severity_1", ACME, "customer", "Checkout API returning 503 for every request", Severity.MAJOR,
        ago(minutes=50),
        "Since a few minutes ago every call to POST /v2/checkout answers 503 Service Unavailable. No order "
        "can be placed in our web shop.",
        (
            RaiseToOutage(ago(minutes=45), "customer"),
            Say(ago(minutes=40), "oncall",
                "On-call here. We see 503s from the payment gateway in eu-west; incident INC-4471 is open and "
                "engineers are on a bridge. Next update in 30 minutes."),
            Say(ago(minutes=30), "customer", "Every order is failing. Please keep us posted."),
            Say(ago(minutes=10), "oncall",
                "Update: failover to the secondary gateway is under way and the error rate is dropping."),
        ),
        priority=CustomerPriority.HIGH,
    ),
    DemoCase(
        "case_closed", ACME, "customer2", "Invoice PDF shows last year's VAT number", Severity.MINOR,
        ago(days=10),
        "Our November invoice shows the VAT number we replaced in January. Accounts payable cannot book it.",
        (
            Say(ago(days=9, hours=20), "oncall",
                "Billing profiles cached the old number. I have corrected it and re-issued the invoice; you will "
                "find it under Billing > Invoices."),
            Say(ago(days=9), "customer2", "The new invoice is correct. Thank you!"),
            Say(ago(days=8), "oncall", "Glad to hear it. I am marking this case solved."),
        ),
        status=CaseStatus.SOLVED,
        priority=CustomerPriority.LOW,
    ),
    DemoCase(
        "globex_question", GLOBEX, "standard", "How do we rotate API keys without downtime?", Severity.GENERAL,
        ago(hours=20),
        "We want to rotate our production API keys every 90 days. Can two keys be valid at the same time, "
        "and for how long, so that we can roll the new one out to all services first?",
        (
            Say(ago(hours=18), "oncall",
                "Hello Sam, yes: each project can have two active keys. Create the second key, roll it out, "
                "then revoke the first. Do you also need to rotate webhook signing secrets?"),
            Say(ago(hours=16), "standard", "Yes, the signing secrets too, if that is possible the same way."),
        ),
        priority=CustomerPriority.LOW,
    ),
    DemoCase(
        "globex_too_early", GLOBEX, "standard", "Scheduled reports arrive with an empty attachment", Severity.MINOR,
        ago(hours=10),
        "Our weekly sales report still arrives by email on schedule, but the attached XLSX is 0 bytes. "
        "Downloading the same report in the app works.",
        (
            Say(ago(hours=9), "standard", "It happens to the monthly report too, so probably to all scheduled ones."),
            Say(ago(hours=8), "oncall",
                "Thanks, Sam. Could you send us the id of one affected schedule (Reports > Schedules > Details)? "
                "It lets us trace the job that built the attachment."),
        ),
        status=CaseStatus.PENDING_CUSTOMER,
    ),
    DemoCase(
        "globex_eligible", GLOBEX, "standard", "Password reset emails not reaching globex.example addresses",
        Severity.MINOR, ago(days=3),
        "Users at globex.example do not receive password reset emails. Other addresses do. Our mail gateway "
        "shows no incoming message from your domain.",
        (
            Say(ago(days=2, hours=20), "oncall",
                "Hello Sam, our mail logs show the messages deferred by your gateway with \"451 greylisted\". "
                "Could your mail team allow-list our sending range?"),
            Say(ago(days=2), "standard",
                "Our mail team allow-listed it yesterday, but the emails still do not arrive."),
            Say(ago(days=1, hours=18), "oncall", "Thanks, I have asked our email provider to check the deferrals."),
        ),
    ),
    DemoCase(
        "northwind_pending", NORTHWIND, "northwind", "Search results missing documents uploaded in the last day",
        Severity.MAJOR, ago(hours=8),
        "Documents uploaded since yesterday do not appear in search results, although they open from their "
        "folders. Our support agents rely on search to answer customers.",
        (
            Say(ago(hours=7), "oncall",
                "Thanks, Nora. The indexing queue for your account is behind; I am checking why it is not "
                "catching up."),
            Say(ago(hours=3), "northwind", "Still missing. Our agents are answering customers blind."),
            Escalate(ago(hours=2), "northwind", "major_impairment",
                     "Search has been missing a day of documents for hours and our support team depends on it."),
        ),
        priority=CustomerPriority.HIGH,
    ),
]
