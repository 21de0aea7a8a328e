from django import forms

from cases.models import SUBJECT_MAX_LENGTH, TEXT_MAX_LENGTH, CaseStatus, CustomerPriority, Severity, SupportTier

SORT_CHOICES = [
    ("newest", "Newest first"),
    ("oldest", "Oldest first"),
    ("severity", "Most severe first"),
    ("priority", "Highest priority first"),
    ("updated", "Recently updated"),
]

SEVERITY_HELP = {
    1: "Production is down or unusable. On-call is paged at once and works it 24/7.",
    2: "A major function is impaired, with no workaround.",
    3: "A minor function is impaired, or there is a workaround.",
    4: "A question, or a request for information.",
}


class CaseFilterForm(forms.Form):
    status = forms.MultipleChoiceField(choices=CaseStatus.choices, required=False, widget=forms.CheckboxSelectMultiple)
    severity = forms.MultipleChoiceField(
        choices=[(str(v), f"Sev {v}") for v in Severity.values], required=False, widget=forms.CheckboxSelectMultiple
    )
    sort = forms.ChoiceField(choices=SORT_CHOICES, required=False, label="Sort by")


class CaseForm(forms.Form):
    organization = forms.ModelChoiceField(queryset=None, required=False)
    subject = forms.CharField(max_length=SUBJECT_MAX_LENGTH, help_text="One line that says what is wrong.")
    description = forms.CharField(
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="What happens, since when, what you expected, and what you have tried.",
    )
    severity = forms.TypedChoiceField(
        coerce=int,
        initial=Severity.MINOR,
        widget=forms.RadioSelect,
        choices=[(v, f"{label} - {SEVERITY_HELP[v]}") for v, label in Severity.choices],
    )
    customer_priority = forms.ChoiceField(
        choices=CustomerPriority.choices,
        initial=CustomerPriority.NORMAL,
        label="Customer Priority",
        help_text="High moves the case up the support queue for your tier.",
    )

    def __init__(self, *args, organizations, **kwargs):
        super().__init__(*args, **kwargs)
        if organizations.count() > 1:
            self.fields["organization"].queryset = organizations
            self.fields["organization"].required = True
        else:
            del self.fields["organization"]


class CommentForm(forms.Form):
    body = forms.CharField(label="Add a comment", max_length=TEXT_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 4}))


class PriorityForm(forms.Form):
    customer_priority = forms.ChoiceField(choices=CustomerPriority.choices, label="Customer Priority")


class SupportQueueFilterForm(forms.Form):
    """The support queue's filters."""

    tier = forms.ModelChoiceField(
        queryset=SupportTier.objects.order_by("rank", "name"),
        to_field_name="slug",
        required=False,
        empty_label="Any tier",
        label="Support tier",
    )
    severity = forms.TypedChoiceField(
        choices=[("", "Any severity"), *Severity.choices],
        coerce=int,
        empty_value=None,
        required=False,
    )

    def __init__(self, data=None, **kwargs):
        super().__init__(data or None, **kwargs)

    def queue_filters(self) -> dict:
        if not self.is_bound:
            return {"tier": None, "severity": None}
        self.is_valid()
        tier = self.cleaned_data.get("tier")
        return {"tier": tier.slug if tier else None, "severity": self.cleaned_data.get("severity")}
