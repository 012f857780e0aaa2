from django import forms
from django.utils.translation import gettext_lazy as _


class EndUserForm(forms.Form):
    username = forms.CharField(label=_("Username"), required=False, max_length=128)
    email = forms.EmailField(label=_("Email"), required=False)
    phone = forms.CharField(label=_("Phone number"), required=False, max_length=40,
                            widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "tel"}))
    name = forms.CharField(label=_("Name"), required=False, max_length=128)


class EndUserCreateForm(EndUserForm):
    password = forms.CharField(label=_("Password"), required=False, strip=False, max_length=256,
                               help_text=_("Leave empty for a passwordless user (sign-in by verification code)."),
                               widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))


class PasswordResetForm(forms.Form):
    sign_out_everywhere = forms.BooleanField(
        label=_("Sign out everywhere"), required=False, initial=True,
        help_text=_("End the user's sessions and revoke their tokens, so only the new password signs in."))
