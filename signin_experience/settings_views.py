"""Console pages: Sign-in experience → Sign-up and sign-in, with a live preview of the UNSAVED settings and
"Try it" (the real hosted sign-in, ending on a console page that shows the ID token's claims)."""
import json

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_POST

from console.tenants.access import tenant_view
from signin_experience.preview import preview_render
from signin_experience.experience import describe_method
from signin_experience.selectors import experience_for, hosted_sign_in_url, sms_connector_enabled
from signin_experience.services import (
    ExperienceInvalid, experience_update, sign_in_methods_missing, with_sign_up_identifiers_in_sign_in,
)
from signin_experience.settings_forms import ExperienceForm
from signin_experience.try_it import TryItError, claim_rows, try_it_finish, try_it_start


@tenant_view
def experience_settings(request, tenant):
    current = experience_for(tenant).as_settings()
    form = ExperienceForm(request.POST or None, initial=ExperienceForm.initial_from(current))
    has_sms = sms_connector_enabled(tenant)
    if request.method == "POST" and form.is_valid():
        settings = form.to_settings(current)
        added = sign_in_methods_missing(settings)
        try:
            experience_update(tenant=tenant, acting_user=request.user, settings=settings, has_sms_connector=has_sms)
        except ExperienceInvalid as exc:
            form.add_rule_errors(exc.rule_errors)
        else:
            messages.success(request, _("Sign-in experience saved."))
            if added:
                messages.info(request, _("Added to the sign-in methods: %(methods)s. Every sign-up identifier must "
                                         "also be a sign-in method (miss_sign_up_identifier_in_sign_in).")
                              % {"methods": ", ".join(describe_method(m) for m in added)})
            return redirect("signin_experience:settings", tenant_id=tenant.pk)
    return render(request, "signin_experience/settings.html", {
        "tenant": tenant, "form": form, "has_sms_connector": has_sms,
        "hosted_sign_in_url": hosted_sign_in_url(tenant),
        # The preview starts in the console's language; its own toggle then decides.
        "preview_language": "zh-Hans" if translation.get_language() == "zh-hans" else "en",
    }, status=400 if form.errors else 200)


@xframe_options_sameorigin
@tenant_view
def experience_preview(request, tenant):
    """The real hosted page templates, rendered from the posted (unsaved) form at the asked step; links and forms
    in it lead to other preview steps, never to the hosted pages (signin_experience.preview)."""
    settings = experience_for(tenant).as_settings()
    params = request.POST if request.method == "POST" else request.GET
    if request.method == "POST":
        form = ExperienceForm(request.POST)
        if form.is_valid():
            settings = with_sign_up_identifiers_in_sign_in(form.to_settings(settings))
    return preview_render(request, tenant, settings, step=params.get("preview_step", "sign_in"),
                          language=params.get("preview_language", params.get("lang", translation.get_language())),
                          theme=params.get("preview_theme", params.get("theme", "light")),
                          phone=params.get("preview_phone", ""), country=params.get("preview_country", ""),
                          sms_available=sms_connector_enabled(tenant))


@require_POST
@tenant_view
def experience_try_it(request, tenant):
    """Open the tenant's real sign-in (in the tab the button opened) through the built-in live-preview app."""
    callback = request.build_absolute_uri(reverse("signin_experience:try_it_callback", args=[tenant.pk]))
    try:
        return redirect(try_it_start(request, tenant, redirect_uri=callback,
                                     ui_locales=request.POST.get("ui_locales", "")))
    except ValidationError as exc:
        messages.error(request, _("“Try it” cannot use this console address as a redirect URI: %(reason)s")
                       % {"reason": " ".join(exc.messages)})
        return redirect("signin_experience:settings", tenant_id=tenant.pk)


@never_cache
@tenant_view
def experience_try_it_callback(request, tenant):
    """The live-preview app's redirect URI: the code is exchanged here, server-side, and the claims shown."""
    try:
        claims, error = try_it_finish(request, tenant, request.GET), None
    except TryItError as exc:
        claims, error = None, str(exc)
    return render(request, "signin_experience/try_it_result.html", {
        "tenant": tenant, "claims": claims, "error": error, "rows": claim_rows(claims) if claims else [],
        "claims_json": json.dumps(claims, indent=2, ensure_ascii=False) if claims else "",
    }, status=200 if claims else 400)
