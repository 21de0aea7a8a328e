"""The compliance report: how many escalations were decided within the review time.

For a window of days ending ``now`` (half-open: ``[now - days, now)`` on ``created_at``),
per level, per responder and overall:

* ``escalations``: made in the window;
* ``decided``: with a decision (``reviewed_at`` set; accepted, not accepted or since resolved);
* ``within_sla``: decided with at most the level's ``review_within`` of business time elapsed,
  i.e. ``business_time_between(calendar, created_at, reviewed_at) <= review_within``;
* ``missed``: decided later than that, or still undecided with more business time elapsed
  than allowed (no decision could still be in time);
* ``open``: undecided and still within the allowance; left out of the share;
* ``share_within_sla`` = within / (within + missed); ``None`` when nothing was judged yet;
* ``median_business_time``: the median business time to decision over the decided ones.

Business time is measured on the calendar of the case's organization's region, else the
default calendar (one ``CalendarMap`` for the whole report). The only queries are the
levels and the escalations of the window (one each, whatever their number); everything
after that is plain Python over frozen dataclasses, and the clock is a parameter.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from escalations import policy
from escalations.business_hours import business_time_between
from escalations.models import Escalation, EscalationLevel
from escalations.selectors import CalendarMap

PERIOD_DAYS = (7, 30, 90)
DEFAULT_PERIOD_DAYS = 30
# The share of escalations the review team aims to decide in time; drawn on the chart.
SLA_TARGET = 0.9
UNDECIDED_LABEL = "Not yet decided"
FORMER_RESPONDER_LABEL = "Former staff member"


class Scope(StrEnum):
    LEVEL = "level"
    RESPONDER = "responder"
    OVERALL = "overall"


class Outcome(StrEnum):
    WITHIN = "within"  # decided in time
    LATE = "late"  # decided, but after the allowance
    OVERDUE = "overdue"  # undecided, allowance used up
    OPEN = "open"  # undecided, still in time


@dataclass(frozen=True)
class LevelRule:
    number: int
    name: str
    review_within: timedelta


@dataclass(frozen=True)
class EscalationFacts:
    """What the report needs of one escalation: plain values, no model instance."""

    level: int
    created_at: datetime
    reviewed_at: datetime | None
    reviewer_id: int | None
    reviewer_name: str
    region_id: int | None


@dataclass(frozen=True)
class ComplianceRow:
    scope: Scope
    level: int | None
    level_name: str
    review_within: timedelta | None
    responder: str
    escalations: int
    decided: int
    within_sla: int
    missed: int
    open: int
    median_business_time: timedelta | None

    @property
    def judged(self) -> int:
        """Escalations whose outcome is settled: decided, or undecided past the allowance."""
        return self.within_sla + self.missed

    @property
    def share_within_sla(self) -> float | None:
        """within / (within + missed), from 0 to 1; None when none is settled yet."""
        return self.within_sla / self.judged if self.judged else None

    @property
    def percent_within_sla(self) -> int | None:
        """Whole percent, rounded down: 89.6 % reads 89 %, never a target it missed."""
        return None if self.share_within_sla is None else self.within_sla * 100 // self.judged

    @property
    def meets_target(self) -> bool | None:
        return None if self.share_within_sla is None else self.share_within_sla >= SLA_TARGET

    @property
    def median_display(self) -> str:
        return format_business_time(self.median_business_time)

    @property
    def review_within_display(self) -> str:
        return format_business_time(self.review_within)


@dataclass(frozen=True)
class ComplianceReport:
    start: datetime
    end: datetime
    days: int
    levels: tuple[ComplianceRow, ...]
    responders: tuple[ComplianceRow, ...]
    overall: ComplianceRow

    @property
    def is_empty(self) -> bool:
        return self.overall.escalations == 0

    @property
    def people(self) -> tuple[ComplianceRow, ...]:
        """The responder rows of the people who decided, without the undecided row."""
        return tuple(row for row in self.responders if row.decided)

    @property
    def undecided(self) -> ComplianceRow | None:
        return next((row for row in self.responders if not row.decided), None)

    @property
    def rows(self) -> tuple[ComplianceRow, ...]:
        """Every row, in the order of the CSV export."""
        return (*self.levels, *self.responders, self.overall)


def format_business_time(span: timedelta | None) -> str:
    """'1 h 25 m', '4 h', '25 m', to the nearest minute; an em dash for None."""
    if span is None:
        return "\N{EM DASH}"
    minutes = round(span.total_seconds() / 60)
    hours, minutes = divmod(minutes, 60)
    if hours and minutes:
        return f"{hours} h {minutes} m"
    return f"{hours} h" if hours else f"{minutes} m"


# --- Reads: two queries, whatever the number of escalations ------------------------------


def level_rules() -> dict[int, LevelRule]:
    return {
        number: LevelRule(number, name, within)
        for number, name, within in EscalationLevel.objects.values_list("number", "name", "review_within")
    }


def escalation_facts(*, start: datetime, end: datetime) -> list[EscalationFacts]:
    """The escalations made in [start, end), with their reviewer and region, in one query."""
    rows = Escalation.objects.filter(created_at__gte=start, created_at__lt=end).values_list(
        "level",
        "created_at",
        "reviewed_at",
        "reviewed_by_id",
        "reviewed_by__username",
        "reviewed_by__first_name",
        "reviewed_by__last_name",
        "case__organization__region_id",
    )
    return [
        EscalationFacts(
            level=level,
            created_at=created_at,
            reviewed_at=reviewed_at,
            reviewer_id=reviewer_id,
            reviewer_name=f"{first or ''} {last or ''}".strip() or username or "",
            region_id=region_id,
        )
        for level, created_at, reviewed_at, reviewer_id, username, first, last, region_id in rows
    ]


def compliance_report(*, now: datetime, days: int, calendars: CalendarMap) -> ComplianceReport:
    """The report for the ``days`` before ``now``; ``calendars`` is the request's one CalendarMap."""
    start = now - timedelta(days=days)
    return summarize(
        escalation_facts(start=start, end=now), rules=level_rules(), calendars=calendars, start=start, now=now
    )


# --- Pure aggregation ---------------------------------------------------------------------


def classify(
    facts: EscalationFacts, *, allowed: timedelta, calendars: CalendarMap, now: datetime
) -> tuple[Outcome, timedelta | None]:
    """(Outcome, business time to decision or None when undecided)."""
    calendar = calendars.for_region(facts.region_id)
    if facts.reviewed_at is not None:
        taken = business_time_between(calendar, facts.created_at, facts.reviewed_at)
        return (Outcome.WITHIN if taken <= allowed else Outcome.LATE), taken
    # Undecided: missed once more business time has passed than allowed, since a decision
    # made now would already be late by the same measure; otherwise still open.
    elapsed = business_time_between(calendar, facts.created_at, now)
    return (Outcome.OVERDUE if elapsed > allowed else Outcome.OPEN), None


class _Tally:
    __slots__ = ("outcomes", "times")

    def __init__(self) -> None:
        self.outcomes: dict[Outcome, int] = defaultdict(int)
        self.times: list[timedelta] = []

    def add(self, outcome: Outcome, taken: timedelta | None) -> None:
        self.outcomes[outcome] += 1
        if taken is not None:
            self.times.append(taken)

    def row(self, scope: Scope, *, rule: LevelRule | None = None, responder: str = "") -> ComplianceRow:
        counts = self.outcomes
        return ComplianceRow(
            scope=scope,
            level=rule.number if rule else None,
            level_name=rule.name if rule else "",
            review_within=rule.review_within if rule else None,
            responder=responder,
            escalations=sum(counts.values()),
            decided=counts[Outcome.WITHIN] + counts[Outcome.LATE],
            within_sla=counts[Outcome.WITHIN],
            missed=counts[Outcome.LATE] + counts[Outcome.OVERDUE],
            open=counts[Outcome.OPEN],
            median_business_time=statistics.median(self.times) if self.times else None,
        )


def summarize(
    escalations: Iterable[EscalationFacts],
    *,
    rules: Mapping[int, LevelRule],
    calendars: CalendarMap,
    start: datetime,
    now: datetime,
) -> ComplianceReport:
    """Aggregate already-fetched escalations; every configured level gets a row, even an empty one."""
    by_level: dict[int, _Tally] = {number: _Tally() for number in rules}
    # Decided ones by reviewer id (None: the reviewer's account was deleted); undecided apart.
    by_reviewer: dict[int | None, tuple[str, _Tally]] = {}
    undecided, overall = _Tally(), _Tally()
    for facts in escalations:
        rule = rules.get(facts.level) or LevelRule(facts.level, "", policy.review_within(None))
        outcome, taken = classify(facts, allowed=rule.review_within, calendars=calendars, now=now)
        by_level.setdefault(facts.level, _Tally()).add(outcome, taken)
        overall.add(outcome, taken)
        if facts.reviewed_at is None:
            undecided.add(outcome, taken)
        else:
            name = facts.reviewer_name if facts.reviewer_id is not None else FORMER_RESPONDER_LABEL
            by_reviewer.setdefault(facts.reviewer_id, (name, _Tally()))[1].add(outcome, taken)

    levels = tuple(
        tally.row(Scope.LEVEL, rule=rules.get(number) or LevelRule(number, "", policy.review_within(None)))
        for number, tally in sorted(by_level.items())
    )
    ordered = sorted(by_reviewer.items(), key=lambda item: (item[0] is None, item[1][0].casefold(), item[0] or 0))
    responders = [tally.row(Scope.RESPONDER, responder=name) for _, (name, tally) in ordered]
    if undecided.outcomes:
        responders.append(undecided.row(Scope.RESPONDER, responder=UNDECIDED_LABEL))
    return ComplianceReport(
        start=start,
        end=now,
        days=round((now - start) / timedelta(days=1)),
        levels=levels,
        responders=tuple(responders),
        overall=overall.row(Scope.OVERALL),
    )


# --- The chart: geometry computed here, so that the SVG template only displays it ---------
# Whole SVG user units throughout: no float ever meets the template's number formatting.


@dataclass(frozen=True)
class ChartBar:
    label: str
    sublabel: str
    y: int
    width: int  # 0 when the share is 0 or there is none
    value_text: str
    css_class: str  # "meets", "below" or "none"

    @property
    def label_y(self) -> int:
        return self.y + 9

    @property
    def sublabel_y(self) -> int:
        return self.y + 26

    @property
    def value_y(self) -> int:
        return self.y + 17


@dataclass(frozen=True)
class ChartTick:
    x: int
    label: str


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    track_x: int
    track_width: int
    bar_height: int
    value_x: int
    plot_top: int
    plot_bottom: int
    overall_line_y: int
    tick_label_y: int
    target_x: int
    target_label_y: int
    target_label: str
    bars: tuple[ChartBar, ...]
    ticks: tuple[ChartTick, ...]
    title: str
    description: str


_CHART_WIDTH, _TRACK_X, _TRACK_WIDTH = 760, 230, 380
_ROW_HEIGHT, _BAR_HEIGHT, _PLOT_TOP, _AXIS_SPACE = 48, 24, 30, 30


def _share_words(row: ComplianceRow) -> str:
    if row.share_within_sla is None:
        return "nothing decided or past its deadline yet"
    return f"{row.percent_within_sla}% ({row.within_sla} of {row.judged})"


def compliance_chart(report: ComplianceReport) -> Chart:
    """Horizontal bars: the share decided in time per level and overall, with the target line.

    A row with nothing settled (no decision, nothing past its deadline) gets no bar and says
    so, rather than dividing by zero.
    """
    rows = [*report.levels, report.overall]
    bars = []
    for index, row in enumerate(rows):
        is_overall = row.scope == Scope.OVERALL
        share = row.share_within_sla
        bars.append(
            ChartBar(
                label="Overall" if is_overall else f"Level {row.level}",
                sublabel="" if is_overall else row.level_name,
                y=_PLOT_TOP + index * _ROW_HEIGHT + (_ROW_HEIGHT - _BAR_HEIGHT) // 2,
                width=0 if share is None else round(_TRACK_WIDTH * share),
                value_text="no data yet"
                if share is None
                else f"{row.percent_within_sla}% \N{MIDDLE DOT} {row.within_sla} of {row.judged}",
                css_class="none" if share is None else ("meets" if row.meets_target else "below"),
            )
        )
    plot_bottom = _PLOT_TOP + len(rows) * _ROW_HEIGHT
    target = round(SLA_TARGET * 100)
    start, end = report.start, report.end
    period = f"the last {report.days} days ({start.day} {start:%b} to {end.day} {end:%b %Y})"
    figures = "; ".join(
        f"{bar.label}{', ' + bar.sublabel if bar.sublabel else ''}: {_share_words(row)}"
        for bar, row in zip(bars, rows, strict=True)
    )
    return Chart(
        width=_CHART_WIDTH,
        height=plot_bottom + _AXIS_SPACE,
        track_x=_TRACK_X,
        track_width=_TRACK_WIDTH,
        bar_height=_BAR_HEIGHT,
        value_x=_TRACK_X + _TRACK_WIDTH + 12,
        plot_top=_PLOT_TOP,
        plot_bottom=plot_bottom,
        overall_line_y=plot_bottom - _ROW_HEIGHT,
        tick_label_y=plot_bottom + 18,
        target_x=_TRACK_X + round(_TRACK_WIDTH * SLA_TARGET),
        target_label_y=_PLOT_TOP - 10,
        target_label=f"Target {target}%",
        bars=tuple(bars),
        ticks=tuple(ChartTick(_TRACK_X + _TRACK_WIDTH * p // 100, f"{p}%") for p in (0, 25, 50, 75, 100)),
        title="Share of escalations decided within the review time, by level",
        description=(
            f"Escalations made in {period} and decided within their level's review time, out of "
            f"those decided or past their deadline. {figures}. The target is {target}%."
        ),
    )
