"""Forms of the escalation pages: the customer's Escalate Case form, and the review team's
queue filters, decision and root cause analysis.

They only parse what the browser sent; the rules stay in escalations.services and
escalations.review, which raise InvalidInput for anything these forms let through.
"""

from django import forms

from cases.models import TEXT_MAX_LENGTH, Region
from escalations.models import SUMMARY_MAX_LENGTH, EscalationReason, EscalationStatus

ANY_STATUS = "any"


class EscalateForm(forms.Form):
    reason = forms.ChoiceField(
        choices=[("", "Choose a reason"), *EscalationReason.choices],
        label="Why does this case need an escalation?",
    )
    summary = forms.CharField(
        max_length=SUMMARY_MAX_LENGTH,
        label="Summary for the reviewer",
        widget=forms.Textarea(attrs={"rows": 7, "maxlength": SUMMARY_MAX_LENGTH}),
        help_text=f"What is at stake, and by when? At most {SUMMARY_MAX_LENGTH:,} characters.",
    )


class QueueFilterForm(forms.Form):
    """The review queue's filters; with nothing chosen, the pending escalations."""

    status = forms.ChoiceField(
        choices=[*EscalationStatus.choices, (ANY_STATUS, "Any status")],
        required=False,
        initial=EscalationStatus.PENDING,
    )
    level = forms.TypedChoiceField(
        choices=[("", "Any level"), *((n, f"Level {n}") for n in range(1, 5))],
        coerce=int,
        empty_value=None,
        required=False,
    )
    overdue = forms.ChoiceField(
        choices=[("", "Overdue or not"), ("yes", "Overdue only"), ("no", "Not overdue")],
        required=False,
        label="Overdue",
    )
    region = forms.ModelChoiceField(queryset=Region.objects.order_by("name"), required=False, empty_label="Any region")
    mine = forms.BooleanField(required=False, label="Assigned to me")

    def __init__(self, data=None, **kwargs):
        # Unbound when the queue is opened plain, so that the initial "pending" shows selected.
        super().__init__(data or None, **kwargs)

    def queue_filters(self) -> dict:
        """Keyword arguments for selectors.review_queue; the pending queue when nothing (valid) is chosen."""
        if not self.is_bound:
            return {"status": EscalationStatus.PENDING}
        self.is_valid()  # an invalid control is shown with its error; the others still filter
        data = self.cleaned_data
        status = data.get("status") or EscalationStatus.PENDING
        overdue = {"yes": True, "no": False}.get(data.get("overdue") or "")
        return {
            "status": None if status == ANY_STATUS else status,
            "level": data.get("level"),
            "overdue": overdue,
            "region": data.get("region"),
            "assigned_to_me": bool(data.get("mine")),
        }


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[
            (EscalationStatus.ACCEPTED, "Accept, with a plan of action"),
            (EscalationStatus.NOT_ACCEPTED, "Decline, with the reason"),
        ],
        widget=forms.RadioSelect,
        label="Your decision",
    )
    message = forms.CharField(
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 7}),
        label="Reply to the customer",
        help_text="Posted in the case's conversation as a public comment, in your name.",
    )


class RcaForm(forms.Form):
    root_cause = forms.CharField(
        max_length=TEXT_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 4}), label="Root cause"
    )
    contributing_factors = forms.CharField(
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        label="Contributing factors",
        help_text="Optional.",
    )
    corrective_actions = forms.CharField(
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        label="Corrective actions",
        help_text="What changes, so that this does not happen again.",
    )
    customer_summary = forms.CharField(
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        label="Summary for the customer",
        help_text=(
            "What happened and what changes, in plain words. The customer and their Customer Success "
            "Manager read this on the case page and by email; the fields above stay with the review team."
        ),
    )
