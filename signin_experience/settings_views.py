"""Console pages: Sign-in experience → Sign-up and sign-in, with a live preview of the UNSAVED settings."""
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_sameorigin

from console.tenants.access import tenant_view
from signin_experience.experience import build_experience
from signin_experience.forms import PasswordSignInForm, PhoneForm
from signin_experience.selectors import experience_for, sms_connector_enabled
from signin_experience.services import (
    ExperienceInvalid, experience_update, with_sign_up_identifiers_in_sign_in,
)
from signin_experience.settings_forms import ExperienceForm


@tenant_view
def experience_settings(request, tenant):
    current = experience_for(tenant).as_settings()
    form = ExperienceForm(request.POST or None, initial=ExperienceForm.initial_from(current))
    has_sms = sms_connector_enabled(tenant)
    if request.method == "POST" and form.is_valid():
        try:
            experience_update(tenant=tenant, acting_user=request.user, settings=form.to_settings(current),
                              has_sms_connector=has_sms)
        except ExperienceInvalid as exc:
            form.add_rule_errors(exc.rule_errors)
        else:
            messages.success(request, _("Sign-in experience saved."))
            return redirect("signin_experience:settings", tenant_id=tenant.pk)
    return render(request, "signin_experience/settings.html", {
        "tenant": tenant, "form": form, "has_sms_connector": has_sms,
    }, status=400 if form.errors else 200)


@xframe_options_sameorigin
@tenant_view
def experience_preview(request, tenant):
    """The real hosted page template, rendered from the posted (unsaved) form; its forms go nowhere."""
    current = experience_for(tenant).as_settings()
    settings = current
    if request.method == "POST":
        form = ExperienceForm(request.POST)
        if form.is_valid():
            settings = with_sign_up_identifiers_in_sign_in(form.to_settings(current))
    experience = build_experience(tenant, settings, sms_available=sms_connector_enabled(tenant))
    language = "zh-hans" if request.POST.get("preview_language", request.GET.get("lang")) == "zh-Hans" else "en"
    password_form = PasswordSignInForm()
    password_form.fields["identifier"].label = experience.password_label
    with translation.override(language):
        return render(request, "signin_experience/sign_in.html", {
            "tenant": tenant, "experience": experience, "preview": True, "page": None,
            "password_form": password_form, "phone_form": PhoneForm(),
            "theme": request.POST.get("preview_theme", request.GET.get("theme", "light")),
        })
