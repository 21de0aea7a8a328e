"""Form widgets shared by the apps' forms and admin."""

from django import forms
from django.utils.html import format_html, format_html_join

from portal.times import zone_names


class ZoneNameInput(forms.TextInput):
    """A text box with a <datalist> of time zone names: typing "berl" offers Europe/Berlin,
    where a select would make an admin scroll through some 400 names."""

    def __init__(self, attrs=None):
        super().__init__({"autocomplete": "off", "spellcheck": "false", **(attrs or {})})

    def render(self, name, value, attrs=None, renderer=None):
        list_id = f"{(attrs or {}).get('id') or name}_names"
        field = super().render(name, value, {**(attrs or {}), "list": list_id}, renderer)
        options = format_html_join("", '<option value="{}">', ((zone,) for zone in zone_names()))
        return format_html('{}<datalist id="{}">{}</datalist>', field, list_id, options)
