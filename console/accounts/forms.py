from django import forms
from django.utils.translation import gettext_lazy as _


class ConsoleLoginForm(forms.Form):
    username = forms.CharField(label=_("Username"), max_length=128,
                               widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}))
    password = forms.CharField(label=_("Password"), max_length=256,
                               widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))
