from django import forms
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from console.phone import dial_code, example_national, region_name
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
    """A phone number as dialled in the chosen country (or with its +country code), as Logto's input takes it.

    `country` may be missing from a post (a client that only sends `phone`): the tenant's default country."""
    country = forms.ChoiceField(label=_("Country or region"), required=False, choices=(),
                                widget=forms.Select(attrs={"autocomplete": "tel-country-code"}))
    phone = forms.CharField(
        label=_("Phone number"), max_length=40,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel-national", "inputmode": "tel"}),
    )
    agree = forms.BooleanField(required=False, label=_("I agree to the terms of use and privacy policy"))

    def __init__(self, *args, regions=("CN",), default_region="CN", **kwargs):
        super().__init__(*args, **kwargs)
        language = translation.get_language()
        self.default_region = default_region if default_region in regions else regions[0]
        names = {region: region_name(region, language) for region in regions}
        ordered = sorted(regions, key=lambda region: (region != self.default_region, names[region]))
        self.fields["country"].choices = [(region, f"{names[region]} +{dial_code(region)}") for region in ordered]
        self.fields["country"].initial = self.default_region
        self.fields["phone"].widget.attrs["placeholder"] = example_national(self.default_region)

    @classmethod
    def for_experience(cls, experience, data=None):
        return cls(data, regions=experience.phone_regions, default_region=experience.default_region)

    def region(self):
        """The chosen country, for numbers typed without a country code."""
        return self.cleaned_data.get("country") or self.default_region


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
