"""The console's hook editor; the rules (URL, events, headers) are the services'."""
from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from webhooks import catalogue


class HookForm(forms.Form):
    name = forms.CharField(label=_("Name"), required=False, max_length=256)
    url = forms.CharField(label=_("Endpoint URL"), max_length=2048,
                          help_text=_("Where Postern POSTs the events: https, or http to this machine while not in "
                                      "production mode."),
                          widget=forms.URLInput(attrs={"placeholder": "https://example.com/hooks/logto",
                                                       "autocomplete": "off", "inputmode": "url"}))
    events = forms.MultipleChoiceField(label=_("Events"), widget=forms.CheckboxSelectMultiple,
                                       error_messages={"required": _("Choose at least one event.")})
    headers = forms.CharField(label=_("Custom headers"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
                              help_text=_("One per line, as Name: value. Sent with every request."))
    enabled = forms.BooleanField(label=_("Enabled"), required=False, initial=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["events"].choices = catalogue.choices()

    def clean_headers(self):
        headers = {}
        for number, line in enumerate(self.cleaned_data["headers"].splitlines(), start=1):
            if not line.strip():
                continue
            name, colon, value = line.partition(":")
            if not colon or not name.strip():
                raise ValidationError(_("Line %(number)d is not Name: value."), params={"number": number})
            headers[name.strip()] = value.strip()
        return headers

    @staticmethod
    def headers_text(headers):
        return "\n".join(f"{name}: {value}" for name, value in (headers or {}).items())


class TestEventForm(forms.Form):
    event = forms.ChoiceField(label=_("Event"))

    def __init__(self, *args, hook, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["event"].choices = [(event, event) for event in hook.events]
