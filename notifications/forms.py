from django import forms

from notifications.models import EmailMode


class PreferencesForm(forms.Form):
    """A person's settings. The rules (which zone names, which modes) are checked where they
    are saved (notifications.preferences.preferences_save); this form carries the input."""

    time_zone = forms.CharField(
        required=False,
        max_length=64,
        label="Time zone",
        # A text field with a list to pick from (the page's <datalist>): typing "berl" finds
        # Europe/Berlin among some 400 names, which a dropdown would not.
        widget=forms.TextInput(attrs={"list": "time-zone-names", "autocomplete": "off", "spellcheck": "false"}),
    )
    email_mode = forms.ChoiceField(choices=EmailMode.choices, widget=forms.RadioSelect, label="Email me")
