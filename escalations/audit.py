"""The audit trail: who changed what, when, with the values before and after.

Admin edits of the rules are recorded by django-auditlog's signals (registered in the
apps' ``ready()``, actor from ``AuditlogMiddleware``). What the signals cannot see is
recorded here, explicitly: the escalation services' conditional ``.update()``s, the
deadline sweep's, and bulk inserts. ``record_change`` writes its entry in the caller's
transaction, so a change that is rolled back leaves no entry behind.

Values are stored as django-auditlog stores them (strings; datetimes naive UTC, foreign
keys as primary keys, ``"None"`` for null), so its admin shows both kinds alike.
The read side (``entry_changes``, ``case_history``, ``escalation_history``) turns them
back into something a person reads: usernames, ISO times, empty for nothing.
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
    "due_soon_warned": "Responders warned: due within the hour",
    "imported": "Imported",
    "default_unset": "No longer the default calendar",
    "deadline_recomputed": "Review deadline recomputed: its calendar changed",
}
NONE = "None"  # django-auditlog's spelling of null (smart_str(None))


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
    field: str
    label: str
    before: str
    after: str


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

    @property
    def actor_name(self) -> str:
        """The actor's username; the address kept of an account since deleted; else "system"
        (nobody: the deadline sweep)."""
        if self.actor is not None:
            return self.actor.get_username()
        return self.entry.actor_email or "system"


def _model_field(model, name):
    try:
        return model._meta.get_field(name) if model else None
    except FieldDoesNotExist:
        return None


def _is_user_field(field) -> bool:
    return bool(field is not None and field.many_to_one and field.related_model is get_user_model())


def _readable(value, field, usernames: Mapping[str, str]) -> str:
    """A stored value as a person reads it: "" for null, a username, an ISO time in UTC."""
    if value is None or value == NONE:
        return ""
    value = str(value)
    if _is_user_field(field):
        return usernames.get(value, value)
    if isinstance(field, models.DateTimeField):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return value
        return (moment.replace(tzinfo=UTC) if timezone.is_naive(moment) else moment.astimezone(UTC)).isoformat()
    return value


def _usernames(entries) -> dict[str, str]:
    """Usernames of every user a foreign key in these entries points at: one query."""
    pks = set()
    for entry in entries:
        model = entry.content_type.model_class()
        for name, values in (entry.changes or {}).items():
            if isinstance(values, list) and _is_user_field(_model_field(model, name)):
                pks.update(str(v) for v in values if v not in (None, NONE))
    if not pks:
        return {}
    user_model = get_user_model()
    wanted = [pk for pk in pks if pk.isdigit()]
    found = user_model.objects.filter(pk__in=wanted).values_list("pk", user_model.USERNAME_FIELD)
    return {str(pk): name for pk, name in found}


def entry_changes(entry: LogEntry, usernames: Mapping[str, str]) -> tuple[FieldChange, ...]:
    """One FieldChange per changed field; a many-to-many change lists the objects added or removed."""
    model = entry.content_type.model_class()
    rows = []
    for name, values in sorted((entry.changes or {}).items()):
        field = _model_field(model, name)
        label = str(getattr(field, "verbose_name", name)) if field is not None else name
        if isinstance(values, dict) and values.get("type") == "m2m":
            objects = ", ".join(str(o) for o in values.get("objects", []))
            added = values.get("operation") == "add"
            rows.append(FieldChange(name, label, "" if added else objects, objects if added else ""))
        elif isinstance(values, list | tuple) and len(values) == 2:
            rows.append(
                FieldChange(name, label, _readable(values[0], field, usernames), _readable(values[1], field, usernames))
            )
    return tuple(rows)


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
    usernames = _usernames(entries)
    history = []
    for entry in entries:
        extra = entry.additional_data if isinstance(entry.additional_data, dict) else {}
        event = extra.get("event")
        label = _object_label(entry, levels)
        action = event or ACTION_WORDS.get(entry.action, str(entry.action))
        summary = EVENT_WORDS.get(event) or f"{label} {ACTION_WORDS.get(entry.action, 'changed')}"
        if event == "escalated" and label.startswith("Escalation "):
            summary = f"Escalated to {label.removeprefix('Escalation ')}"
        history.append(
            HistoryEntry(
                entry=entry,
                timestamp=entry.timestamp,
                actor=entry.actor,
                object_label=label,
                action=action,
                summary=summary,
                changes=entry_changes(entry, usernames),
                is_creation=entry.action == CREATE,
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
