import phonenumbers
from django import forms
from django.utils.translation import gettext_lazy as _

from console.tenants.models import Membership, Tenant


class TenantForm(forms.Form):
    name = forms.CharField(label=_("Tenant name"), max_length=128)
    tag = forms.ChoiceField(label=_("Environment tag"), choices=Tenant.Tag.choices, initial=Tenant.Tag.DEVELOPMENT)

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError(_("Give the tenant a name."))
        return name


class TenantSettingsForm(TenantForm):
    default_country = forms.CharField(
        label=_("Default phone country"), max_length=2,
        help_text=_("ISO 3166 code (e.g. CN, US) used for phone numbers typed without a country code."),
    )

    def clean_default_country(self):
        value = self.cleaned_data["default_country"].strip().upper()
        if value not in phonenumbers.SUPPORTED_REGIONS:
            raise forms.ValidationError(_("Unknown country code “%(c)s”.") % {"c": value})
        return value


class TenantDeleteForm(forms.Form):
    confirmation = forms.CharField(label=_("Type the tenant ID to confirm"), max_length=32)


class MemberInviteForm(forms.Form):
    username = forms.CharField(label=_("Admin username"), max_length=128)
    role = forms.ChoiceField(label=_("Role"), choices=Membership.Role.choices, initial=Membership.Role.ADMIN)
