"""The live preview: the real hosted templates, rendered for settings that are not saved yet, one step at a time.

The console shows it in a sandboxed frame that may neither run scripts nor submit forms; every link and form of a
previewed page points at the preview step it leads to (`#preview-step=verify`), which the console's script
renders in place. Nothing in it reaches the hosted pages' views: no code is sent, no session is touched.
"""
from django.shortcuts import render
from django.utils import translation

from console.phone import InvalidPhone, example_e164, normalize_phone
from signin_experience.experience import build_experience
from signin_experience.forms import CodeForm, PasswordSignInForm, PhoneForm, UsernameRegisterForm
from signin_experience.views import HostedPage, phone_shown

# Where each hosted URL leads in the preview; None: it would leave the sign-in page (back to the app), so a click
# there changes nothing.
LEADS_TO = {"sign_in": "sign_in", "code_send": "verify", "resend": "verify", "verify": None, "set_password": None,
            "register": "register", "forgot_password": "forgot_password"}
STEPS = ("sign_in", "verify", "register", "forgot_password")
STAY = "#preview-stay"


class PreviewPage(HostedPage):
    def url(self, name):
        step = LEADS_TO[name]
        return f"#preview-step={step}" if step else STAY


def preview_language(value):
    return "zh-hans" if (value or "").lower() in ("zh-hans", "zh") else "en"


def _shown_phone(typed, region, experience):
    """The number the code page names: the one typed in the preview, else an example of the default country."""
    if region not in experience.phone_regions:
        region = experience.default_region
    try:
        return phone_shown(normalize_phone(typed, region))
    except InvalidPhone:
        return phone_shown(example_e164(experience.default_region))


def _step_available(step, experience):
    return {"sign_in": True, "verify": experience.phone_code or experience.forgot_password_phone,
            "register": experience.register_with_username,
            "forgot_password": experience.forgot_password_phone and experience.password_form}.get(step, False)


def preview_render(request, tenant, settings, *, step="sign_in", language="en", theme="light", phone="", country="",
                   sms_available):
    """The hosted page of `step` for `settings`, in `language` (every string: the page is built inside it)."""
    with translation.override(preview_language(language)):
        experience = build_experience(tenant, settings, sms_available=sms_available)
        step = step if step in STEPS and _step_available(step, experience) else "sign_in"
        page = PreviewPage(tenant, None, settings, experience, "")
        context = {"tenant": tenant, "app": None, "experience": experience, "page": page, "preview": True,
                   "preview_step": step, "theme": "dark" if theme == "dark" else "light"}
        if step == "verify":
            template = "verify.html"
            context.update(form=CodeForm(), phone=_shown_phone(phone, country, experience), delivery_failed=False,
                           cooldown=settings["code_policy"]["resendCooldownSeconds"])
        elif step == "register":
            template = "register.html"
            context.update(form=UsernameRegisterForm(), policy_hint=experience.password_policy_hint)
        elif step == "forgot_password":
            template = "forgot_password.html"
            context.update(phone_form=PhoneForm.for_experience(experience))
        else:
            template = "sign_in.html"
            password_form = PasswordSignInForm()
            password_form.fields["identifier"].label = experience.password_label
            context.update(password_form=password_form, phone_form=PhoneForm.for_experience(experience))
        return render(request, f"signin_experience/{template}", context)
