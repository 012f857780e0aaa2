from django import forms
from django.utils.translation import gettext_lazy as _

from console.applications.frameworks import FRAMEWORKS
from console.applications.models import Application

URI_HELP = _("One per line.")
NAME_MAX_LENGTH = Application._meta.get_field("name").max_length
DESCRIPTION_MAX_LENGTH = Application.DESCRIPTION_MAX_LENGTH


class ApplicationCreateForm(forms.Form):
    framework = forms.ChoiceField(choices=[(f.slug, f.name) for f in FRAMEWORKS], widget=forms.HiddenInput)
    name = forms.CharField(label=_("Application name"), max_length=NAME_MAX_LENGTH)
    description = forms.CharField(label=_("Description"), required=False, max_length=DESCRIPTION_MAX_LENGTH,
                                  widget=forms.Textarea(attrs={"rows": 2}))


class ApplicationSettingsForm(forms.Form):
    name = forms.CharField(label=_("Application name"), max_length=NAME_MAX_LENGTH)
    description = forms.CharField(label=_("Description"), required=False, max_length=DESCRIPTION_MAX_LENGTH,
                                  widget=forms.Textarea(attrs={"rows": 2}))
    redirect_uris = forms.CharField(label=_("Redirect URIs"), required=False, help_text=URI_HELP,
                                     widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "false"}))
    post_logout_redirect_uris = forms.CharField(label=_("Post sign-out redirect URIs"), required=False,
                                                help_text=URI_HELP,
                                                widget=forms.Textarea(attrs={"rows": 2, "spellcheck": "false"}))
    allowed_origins = forms.CharField(label=_("CORS allowed origins"), required=False,
                                      help_text=_("e.g. capacitor://localhost, http://localhost — one per line."),
                                      widget=forms.Textarea(attrs={"rows": 2, "spellcheck": "false"}))
    refresh_token_ttl_days = forms.IntegerField(label=_("Refresh token lifetime (days)"), min_value=1,
                                                max_value=365, initial=14)
    reuse_grace_seconds = forms.IntegerField(
        label=_("Reuse grace (seconds)"), min_value=0, max_value=60, required=False,
        help_text=_("A refresh token or code sent again within this time (parallel requests of the app) is refused "
                    "without signing the user out; later, reuse revokes the tokens it issued."))
    management_api_access = forms.ChoiceField(
        label=_("Management API access"), required=False, choices=Application.ManagementApiAccess.choices,
        widget=forms.RadioSelect,
        help_text=_("Lets this app call the tenant's Management API with its client credentials (scope “all”, "
                    "or “read” for read-only)."))

    @classmethod
    def for_application(cls, app, data=None):
        form = cls._for_application(app, data)
        if app.app_type == Application.AppType.M2M:
            form.fields["refresh_token_ttl_days"].required = False  # not shown: machine apps get no refresh token
        return form

    @classmethod
    def _for_application(cls, app, data):
        return cls(data, initial={
            "name": app.name, "description": app.description,
            "redirect_uris": "\n".join(app.redirect_uri_list),
            "post_logout_redirect_uris": "\n".join(app.post_logout_redirect_uri_list),
            "allowed_origins": "\n".join(app.allowed_origin_list),
            "refresh_token_ttl_days": app.refresh_token_ttl_days,
            "reuse_grace_seconds": app.reuse_grace_seconds,
            "management_api_access": app.management_api_access,
        })


class ConfirmDeleteForm(forms.Form):
    confirmation = forms.CharField(max_length=255)
