from django import forms
from django.utils.translation import gettext_lazy as _

from signin_experience import code_policy


class PasswordSignInForm(forms.Form):
    identifier = forms.CharField(
        label=_("Username or email"), max_length=254,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none"}),
    )
    password = forms.CharField(
        label=_("Password"), max_length=256, strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class PhoneForm(forms.Form):
    phone = forms.CharField(
        label=_("Phone number"), max_length=40,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel"}),
    )
    agree = forms.BooleanField(required=False, label=_("I agree to the terms of use and privacy policy"))


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Verification code"), max_length=code_policy.LENGTH, min_length=code_policy.LENGTH,
        validators=[code_policy.code_validator],
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric",
                                      "pattern": code_policy.PATTERN}),
    )


class NewPasswordForm(forms.Form):
    password = forms.CharField(
        label=_("New password"), max_length=256, strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )


class UsernameRegisterForm(forms.Form):
    username = forms.CharField(label=_("Username"), max_length=128,
                               widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none"}))
    password = forms.CharField(label=_("Password"), max_length=256, strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    agree = forms.BooleanField(required=False, label=_("I agree to the terms of use and privacy policy"))
