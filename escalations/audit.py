"""The audit trail: who changed what, when, with the values before and after.

Admin edits of the rules are recorded by django-auditlog's signals (registered in the
apps' ``ready()``, actor from ``AuditlogMiddleware``). What the signals cannot see is
recorded here, explicitly: the escalation services' conditional ``.update()``s, the
deadline sweep's, and bulk inserts. ``record_change`` writes its entry in the caller's
transaction, so a change that is rolled back leaves no entry behind.

Values are stored as django-auditlog stores them (strings; datetimes naive UTC, foreign
keys as primary keys, ``"None"`` for null), so its admin shows both kinds alike.
The read side (``entry_changes``, ``case_history``, ``escalation_history``) turns them
back into values for the CSV (usernames, ISO times, empty for nothing) and into words for
the escalation page: a headline ("Claimed by Maria Manager"), field names in words, people
by name, choices by label and times as datetimes for the page's one time format.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from auditlog.models import LogEntry
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.encoding import smart_str

from cases.models import Case
from escalations import policy
from escalations.models import Escalation, RootCauseAnalysis

CREATE, UPDATE, DELETE = LogEntry.Action.CREATE, LogEntry.Action.UPDATE, LogEntry.Action.DELETE
ACTION_WORDS = {CREATE: "created", UPDATE: "updated", DELETE: "deleted", LogEntry.Action.ACCESS: "accessed"}
# What the services did, in words for the escalation page; the codes go into the CSV.
EVENT_WORDS = {
    "escalated": "Escalated",
    "accepted": "Accepted",
    "not_accepted": "Not accepted",
    "claimed": "Claimed",
    "assigned": "Assigned",
    "released": "Released",
    "resolved": "Resolved",
    "rca_filed": "Root cause analysis filed",
    "marked_overdue": "Marked overdue",
    "due_soon_warned": f"Responders warned: {policy.hours_in_words(policy.DUE_SOON_LEAD)} left",
    "imported": "Imported",
    "default_unset": "No longer the default calendar",
    "deadline_recomputed": "Review deadline recomputed: its calendar changed",
}
NONE = "None"  # django-auditlog's spelling of null (smart_str(None))
# A service's event, said with who did it: "Claimed by Maria Manager" ({by}: the actor's name,
# {level}: "Level 2", {assignee}: the new assignee's name).
EVENT_HEADLINES = {
    "escalated": "Escalated to {level} by {by}",
    "accepted": "Accepted by {by}",
    "not_accepted": "Not accepted by {by}",
    "claimed": "Claimed by {by}",
    "assigned": "Assigned to {assignee} by {by}",
    "released": "Released by {by}",
    "resolved": "Resolved by {by}",
    "rca_filed": "Root cause analysis filed by {by}",
    "deadline_recomputed": "Review deadline recomputed by {by}: its calendar changed",
}
# The fields an event's headline already says: the page lists only the others.
HEADLINE_SAYS = {
    "escalated": {"*"},
    "rca_filed": {"*"},
    "accepted": {"status", "reviewed_by", "reviewed_at"},
    "not_accepted": {"status", "reviewed_by", "reviewed_at"},
    "claimed": {"assignee", "assigned_at"},
    "assigned": {"assignee", "assigned_at"},
    "released": {"assignee", "assigned_at"},
    "resolved": {"status", "resolved_at"},
    "marked_overdue": {"overdue_at", "due_soon_sent_at"},
    "due_soon_warned": {"due_soon_sent_at"},
}
# Field names as the escalation page says them; any other field says its verbose name.
FIELD_WORDS = {
    "assignee": "Assignee",
    "assigned_at": "Assigned",
    "reviewed_by": "Decided by",
    "reviewed_at": "Decided",
    "decision_message": "Decision message",
    "review_due_at": "Decision due",
    "due_soon_at": "Due-soon warning due",
    "due_soon_sent_at": "Due-soon warning sent",
    "overdue_at": "Marked overdue",
    "resolved_at": "Resolved",
    "superseded_at": "Superseded",
    "requested_by": "Escalated by",
    "created_at": "Escalated",
    "completed_by": "Filed by",
    "completed_at": "Filed",
}


def logged_value(value) -> str:
    """A value as django-auditlog's diff stores it: see ``auditlog.diff.get_field_value``."""
    if isinstance(value, models.Model):
        value = value.pk
    if isinstance(value, datetime) and timezone.is_aware(value):
        value = timezone.make_naive(value, UTC)
    return smart_str(value)


def record_change(
    instance,
    *,
    actor,
    changes: Mapping[str, tuple],
    event: str,
    action: int = UPDATE,
    at: datetime | None = None,
    extra: Mapping | None = None,
) -> LogEntry | None:
    """Record one change of ``instance``: ``changes`` maps field names to (before, after).

    ``actor`` is the user who did it, None for the system (the deadline sweep). Fields whose
    value did not change are left out; an update that changed nothing records nothing and
    returns None. Must run inside the transaction that makes the change.
    """
    if not transaction.get_connection().in_atomic_block:
        # Outside the change's transaction the entry could outlive a rolled-back change.
        raise RuntimeError("record_change() must run in the transaction that makes the change.")
    logged = {}
    for field, (before, after) in changes.items():
        before, after = logged_value(before), logged_value(after)
        if before != after or action == CREATE:
            logged[field] = [before, after]
    if not logged and action == UPDATE:
        return None
    return LogEntry.objects.log_create(
        instance,
        force_log=True,
        action=action,
        changes=logged,
        # Explicit, even when None: the middleware fills in only an actor left unset, and
        # a system change made during a request must not be pinned on that request's user.
        actor=actor,
        actor_email=getattr(actor, "email", None) or None,
        timestamp=at or timezone.now(),
        additional_data={"event": event, **(extra or {})},
    )


def record_creation(instance, *, actor, fields: Iterable[str], event: str, at=None, extra=None):
    """Record that ``instance`` was created, with the values of ``fields`` (before: None)."""
    changes = {name: (None, getattr(instance, instance._meta.get_field(name).attname)) for name in fields}
    return record_change(instance, actor=actor, changes=changes, event=event, action=CREATE, at=at, extra=extra)


# --- Reading the trail -------------------------------------------------------------------


@dataclass(frozen=True)
class FieldChange:
    """One field's change. ``before``/``after`` as the CSV writes them (usernames, ISO times,
    "" for nothing); ``words`` and the ``*_text``/``*_at`` values as a page shows them: a
    time is in ``*_at`` (the page formats it), anything else in ``*_text``."""

    field: str
    label: str
    before: str
    after: str
    words: str = ""
    before_text: str = ""
    after_text: str = ""
    before_at: datetime | None = None
    after_at: datetime | None = None


@dataclass(frozen=True)
class HistoryEntry:
    entry: LogEntry
    timestamp: datetime
    actor: object  # the user, or None for the system (or an account since deleted)
    object_label: str
    action: str  # the service's event code, else auditlog's action: created/updated/deleted
    summary: str
    changes: tuple[FieldChange, ...]
    is_creation: bool
    headline: str = ""  # the summary with who did it: "Claimed by Maria Manager"
    details: tuple[FieldChange, ...] = ()  # the changes the headline does not already say

    @property
    def actor_name(self) -> str:
        """The actor's username; the address kept of an account since deleted; else "system"
        (nobody: the deadline sweep)."""
        if self.actor is not None:
            return self.actor.get_username()
        return self.entry.actor_email or "system"


def _model_field(model, name):
    """The model's own field of that name; None for a name it lacks or a reverse relation.

    A change logged under a name that is now a reverse relation (a related model's
    ``related_name``) is shown as the stored text.
    """
    try:
        field = model._meta.get_field(name) if model else None
    except FieldDoesNotExist:
        return None
    return field if field is not None and field.concrete else None


def _is_user_field(field) -> bool:
    return bool(field is not None and field.many_to_one and field.related_model is get_user_model())


def _moment(value: str) -> datetime | None:
    """A stored time as an aware datetime in UTC (auditlog stores naive UTC); None if it is not one."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment.replace(tzinfo=UTC) if timezone.is_naive(moment) else moment.astimezone(UTC)


def _readable(value, field, usernames: Mapping[str, str]) -> str:
    """A stored value as the CSV writes it: "" for null, a username, an ISO time in UTC."""
    if value is None or value == NONE:
        return ""
    value = str(value)
    if _is_user_field(field):
        return usernames.get(value, value)
    if isinstance(field, models.DateTimeField):
        moment = _moment(value)
        return moment.isoformat() if moment else value
    return value


def _shown(value, field, names: Mapping[str, str]) -> tuple[str, datetime | None]:
    """A stored value as the page shows it: (words, None), or ("", the time) for a time."""
    if value is None or value == NONE or value == "":
        return ("nobody" if _is_user_field(field) else "none"), None
    value = str(value)
    if _is_user_field(field):
        return names.get(value, "a deleted account"), None
    if isinstance(field, models.DateTimeField):
        moment = _moment(value)
        return ("", moment) if moment else (value, None)
    if isinstance(field, models.BooleanField):
        return {"True": "yes", "False": "no"}.get(value, value), None
    if isinstance(field, models.DurationField):
        return value, None
    if field is not None and field.choices:
        return str(dict(field.flatchoices).get(value, value)), None
    if field is not None and field.many_to_one:
        return f"{field.related_model._meta.verbose_name.capitalize()} #{value}", None
    return value, None


def _people(entries) -> dict[str, object]:
    """Every user a foreign key (or the actor) of these entries points at, by pk: one query."""
    pks = set()
    for entry in entries:
        model = entry.content_type.model_class()
        for name, values in (entry.changes or {}).items():
            if isinstance(values, list) and _is_user_field(_model_field(model, name)):
                pks.update(str(v) for v in values if v not in (None, NONE))
    if not pks:
        return {}
    wanted = [pk for pk in pks if pk.isdigit()]
    found = get_user_model().objects.filter(pk__in=wanted).only("pk", "username", "first_name", "last_name")
    return {str(user.pk): user for user in found}


def _display_name(user) -> str:
    return user.get_full_name() or user.get_username()


def entry_changes(
    entry: LogEntry, usernames: Mapping[str, str], names: Mapping[str, str] | None = None
) -> tuple[FieldChange, ...]:
    """One FieldChange per changed field; a many-to-many change lists the objects added or removed.

    ``usernames`` and ``names`` map user pks to usernames (for the CSV) and to names people
    read (for the page; the usernames when not given).
    """
    names = usernames if names is None else names
    model = entry.content_type.model_class()
    rows = []
    for name, values in sorted((entry.changes or {}).items()):
        field = _model_field(model, name)
        label = str(getattr(field, "verbose_name", name)) if field is not None else name
        words = FIELD_WORDS.get(name) or label[:1].upper() + label[1:]
        if isinstance(values, dict) and values.get("type") == "m2m":
            objects = ", ".join(str(o) for o in values.get("objects", []))
            added = values.get("operation") == "add"
            before, after = ("" if added else objects), (objects if added else "")
            rows.append(FieldChange(name, label, before, after, words, before or "none", after or "none"))
        elif isinstance(values, list | tuple) and len(values) == 2:
            (before_text, before_at), (after_text, after_at) = (_shown(v, field, names) for v in values)
            rows.append(
                FieldChange(
                    name,
                    label,
                    _readable(values[0], field, usernames),
                    _readable(values[1], field, usernames),
                    words,
                    before_text,
                    after_text,
                    before_at,
                    after_at,
                )
            )
    return tuple(rows)


def _headline(entry: LogEntry, event: str | None, summary: str, label: str, names: Mapping[str, str]) -> str:
    """What happened and who did it, as one line: "Assigned to Sam Staff by Maria Manager"."""
    if entry.actor is not None:
        by = _display_name(entry.actor)
    else:
        by = entry.actor_email or ""  # an account since deleted, else nobody: the system
    assignee = (entry.changes or {}).get("assignee")
    template = EVENT_HEADLINES.get(event) if by else None
    if template is None:
        return f"{summary} by {by}" if by else summary
    return template.format(
        by=by,
        level=label.removeprefix("Escalation "),
        assignee=names.get(str(assignee[1]), "a deleted account") if isinstance(assignee, list) else "someone",
    )


def _object_label(entry: LogEntry, levels: Mapping[tuple[int, int], int]) -> str:
    level = levels.get((entry.content_type_id, entry.object_id))
    model = entry.content_type.model_class()
    if model is Escalation and level is not None:
        return f"Escalation Level {level}"
    if model is RootCauseAnalysis and level is not None:
        return f"Root cause analysis, Level {level}"
    if model is Case:
        return f"Case #{entry.object_id}"
    return entry.object_repr


def _history(query: Q, levels: Mapping[tuple[int, int], int]) -> list[HistoryEntry]:
    entries = list(LogEntry.objects.filter(query).select_related("actor", "content_type").order_by("timestamp", "pk"))
    people = _people(entries)
    usernames = {pk: user.get_username() for pk, user in people.items()}
    names = {pk: _display_name(user) for pk, user in people.items()}
    history = []
    for entry in entries:
        extra = entry.additional_data if isinstance(entry.additional_data, dict) else {}
        event = extra.get("event")
        label = _object_label(entry, levels)
        action = event or ACTION_WORDS.get(entry.action, str(entry.action))
        summary = EVENT_WORDS.get(event) or f"{label} {ACTION_WORDS.get(entry.action, 'changed')}"
        if event == "escalated" and label.startswith("Escalation "):
            summary = f"Escalated to {label.removeprefix('Escalation ')}"
        changes = entry_changes(entry, usernames, names)
        said = HEADLINE_SAYS.get(event, set())
        shown = () if "*" in said or entry.action == CREATE else tuple(c for c in changes if c.field not in said)
        history.append(
            HistoryEntry(
                entry=entry,
                timestamp=entry.timestamp,
                actor=entry.actor,
                object_label=label,
                action=action,
                summary=summary,
                changes=changes,
                is_creation=entry.action == CREATE,
                headline=_headline(entry, event, summary, label, names),
                details=shown,
            )
        )
    return history


def _escalation_query(escalations) -> tuple[Q, dict[tuple[int, int], int]]:
    """Entries of these escalations and of their root cause analyses, and each object's level."""
    escalation_type = ContentType.objects.get_for_model(Escalation)
    rca_type = ContentType.objects.get_for_model(RootCauseAnalysis)
    levels = {(escalation_type.pk, e.pk): e.level for e in escalations}
    rcas = RootCauseAnalysis.objects.filter(escalation__in=[e.pk for e in escalations]).values_list(
        "pk", "escalation__level"
    )
    levels.update({(rca_type.pk, pk): level for pk, level in rcas})
    query = Q(content_type=escalation_type, object_id__in=[e.pk for e in escalations]) | Q(
        content_type=rca_type, object_id__in=[pk for (type_id, pk) in levels if type_id == rca_type.pk]
    )
    return query, levels


def escalation_history(escalation) -> list[HistoryEntry]:
    """Every recorded change of the escalation and of its root cause analysis, oldest first."""
    query, levels = _escalation_query([escalation])
    return _history(query, levels)


def case_history(case) -> list[HistoryEntry]:
    """Every recorded change of the case, its escalations and their analyses, oldest first."""
    query, levels = _escalation_query(list(Escalation.objects.filter(case=case).only("pk", "level")))
    case_type = ContentType.objects.get_for_model(Case)
    return _history(query | Q(content_type=case_type, object_id=case.pk), levels)
