from django import forms
from django.utils.translation import gettext_lazy as _

from console.applications.frameworks import FRAMEWORKS

URI_HELP = _("One per line.")


class ApplicationCreateForm(forms.Form):
    framework = forms.ChoiceField(choices=[(f.slug, f.name) for f in FRAMEWORKS], widget=forms.HiddenInput)
    name = forms.CharField(label=_("Application name"), max_length=255)
    description = forms.CharField(label=_("Description"), required=False, max_length=2000,
                                  widget=forms.Textarea(attrs={"rows": 2}))


class ApplicationSettingsForm(forms.Form):
    name = forms.CharField(label=_("Application name"), max_length=255)
    description = forms.CharField(label=_("Description"), required=False, max_length=2000,
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

    @classmethod
    def for_application(cls, app, data=None):
        return cls(data, initial={
            "name": app.name, "description": app.description,
            "redirect_uris": "\n".join(app.redirect_uri_list),
            "post_logout_redirect_uris": "\n".join(app.post_logout_redirect_uri_list),
            "allowed_origins": "\n".join(app.allowed_origin_list),
            "refresh_token_ttl_days": app.refresh_token_ttl_days,
            "reuse_grace_seconds": app.reuse_grace_seconds,
        })


class ConfirmDeleteForm(forms.Form):
    confirmation = forms.CharField(max_length=255)
