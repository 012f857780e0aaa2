"""The hosted sign-in pages of a tenant: plain HTML forms that work without JavaScript.

Every page carries the id of the app's authorization request, validated once and stashed in the session
(console.oidc.pending), and ends, on success, with a 302 to the app's redirect URI.
"""
import functools
from dataclasses import dataclass

from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_POST
from redis.exceptions import RedisError

from connectors.services import SmsQueueUnavailable
from console import events, ratelimit
from console.oidc import provider
from console.oidc.error_pages import authorization_error_page
from console.oidc.http import AppRedirect, tenant_or_404
from console.oidc.pending import authorization_stash, authorization_unstash
from console.oidc.sessions import tenant_session_start
from console.phone import format_international
from signin_experience import flows
from signin_experience.authentication import password_sign_in, record_sign_in
from signin_experience.codes import CodeError, cooldown_remaining
from signin_experience.experience import build_experience
from signin_experience.front_door import front_door
from signin_experience.forms import CodeForm, NewPasswordForm, PasswordSignInForm, PhoneForm, UsernameRegisterForm
from signin_experience.language import hosted_page_language
from signin_experience.selectors import experience_for, sms_connector_enabled


@dataclass
class HostedPage:
    tenant: object
    auth_request: object
    settings: dict
    experience: object
    stash_id: str

    def url(self, name):
        return f"{reverse(f'signin_experience:{name}', args=[self.tenant.pk])}?authz={self.stash_id}"

    # For templates, which cannot pass arguments.
    url_sign_in = property(lambda self: self.url("sign_in"))
    url_code_send = property(lambda self: self.url("code_send"))
    url_verify = property(lambda self: self.url("verify"))
    url_resend = property(lambda self: self.url("resend"))
    url_set_password = property(lambda self: self.url("set_password"))
    url_register = property(lambda self: self.url("register"))
    url_forgot = property(lambda self: self.url("forgot_password"))


def phone_shown(e164):
    """The number as people read it (`+86 139 0013 9001`), kept on one line."""
    return format_html('<span class="signin-phone-shown">{}</span>', format_international(e164))


def render_page(request, page, template, context=None, status=200):
    context = {"tenant": page.tenant, "app": page.auth_request.client if page.auth_request else None,
               "experience": page.experience, "page": page, **(context or {})}
    return render(request, f"signin_experience/{template}", context, status=status)


def _pending_sign_in(request, tenant):
    """(stash id, authorization request) of the page, from the stash; a link that carries the whole request (an
    app or a test that opens the page directly) has it validated and stashed here, once."""
    stash_id = request.GET.get("authz")
    if stash_id is None:
        auth_request = provider.authorization_validate(tenant, request.GET.urlencode())
        return authorization_stash(request, tenant, auth_request), auth_request
    auth_request = authorization_unstash(request, tenant, stash_id)
    if auth_request is None:
        raise provider.AuthorizationError(_("This sign-in has expired"),
                                          _("The page was open too long, or the app's sign-in was started in "
                                            "another browser."))
    return stash_id, auth_request


def hosted_page(view):
    @csrf_protect
    @functools.wraps(view)
    def wrapper(request, tenant_id):
        tenant = tenant_or_404(tenant_id)
        if not {"authz", "client_id"} & request.GET.keys():
            return front_door(request, tenant, status=200 if request.method == "GET" else 400)
        try:
            stash_id, auth_request = _pending_sign_in(request, tenant)
        except provider.AuthorizationError as exc:
            if exc.redirect_uri:
                return AppRedirect(exc.redirect_uri)
            language = hosted_page_language(request, request.GET.urlencode(), experience_for(tenant).as_settings())
            with translation.override(language):
                return authorization_error_page(request, tenant, exc.error, exc.description)
        settings = experience_for(tenant).as_settings()
        with translation.override(hosted_page_language(request, auth_request.query, settings)):
            # Built in the page's language: the password policy's hint is worded here.
            experience = build_experience(tenant, settings, sms_available=sms_connector_enabled(tenant))
            page = HostedPage(tenant, auth_request, settings, experience, stash_id)
            try:
                response = view(request, page)
            except (SmsQueueUnavailable, RedisError, ConnectionError):
                # Rate limits and the task queue need Redis: without it, "try again". (The page's own reads fall
                # back to the database: console.tenant_cache.)
                response = render_page(request, page, "unavailable.html", status=503)
                response["Retry-After"] = "5"
            response["Content-Language"] = translation.get_language()
        response["Cache-Control"] = "no-store"
        return response

    return wrapper


def _signed_in(request, page, user, interaction, method):
    tenant_session_start(request, page.tenant, user)
    record_sign_in(user)
    redirect_uri = provider.authorization_complete(page.tenant, page.auth_request, user)
    events.interaction_completed(tenant=page.tenant, interaction=interaction, user=user,
                                 application=page.auth_request.client, ip=ratelimit.client_ip(request),
                                 user_agent=request.headers.get("User-Agent", ""),
                                 session_id=request.session.session_key or "", method=method)
    return AppRedirect(redirect_uri)


def _limited(response, exc):
    response["Retry-After"] = str(exc.retry_after)
    return response


def _sign_in_page(request, page, *, password_form=None, phone_form=None, status=200, retry_after=None):
    experience = page.experience
    if password_form is None:
        password_form = PasswordSignInForm()
    password_form.fields["identifier"].label = experience.password_label
    response = render_page(request, page, "sign_in.html", {
        "password_form": password_form, "phone_form": phone_form or PhoneForm.for_experience(experience),
    }, status=status)
    if retry_after:
        response["Retry-After"] = str(retry_after)
    return response


@hosted_page
def sign_in(request, page):
    if request.method != "POST":
        return _sign_in_page(request, page)
    form = PasswordSignInForm(request.POST)
    if not page.experience.password_form:
        raise Http404
    if not form.is_valid():
        return _sign_in_page(request, page, password_form=form, status=400)
    try:
        user = password_sign_in(tenant=page.tenant, identifier=form.cleaned_data["identifier"].strip(),
                                password=form.cleaned_data["password"], allowed=page.experience.password_identifiers,
                                ip=ratelimit.client_ip(request), application=page.auth_request.client,
                                user_agent=request.headers.get("User-Agent", ""))
    except ratelimit.RateLimited as exc:
        form.add_error(None, exc.message)
        return _sign_in_page(request, page, password_form=form, status=429, retry_after=exc.retry_after)
    if user is None:
        form.add_error(None, _("The account or password is incorrect."))
        return _sign_in_page(request, page, password_form=form, status=400)
    return _signed_in(request, page, user, flows.SIGN_IN, events.BY_PASSWORD)


def _terms_missing(page, form):
    return page.experience.needs_terms and not form.cleaned_data.get("agree")


@hosted_page
@require_POST
def code_send(request, page):
    recovering = request.POST.get("recover") == "1"
    form = PhoneForm.for_experience(page.experience, request.POST)
    template = "forgot_password.html" if recovering else None
    if not (page.experience.forgot_password_phone if recovering else page.experience.phone_code):
        raise Http404
    error = None
    if not form.is_valid():
        error = (CodeError("phone.country_not_supported", _("This country is not supported."))
                 if "country" in form.errors else CodeError("phone.invalid", _("Enter a phone number.")))
    elif not recovering and _terms_missing(page, form):
        error = CodeError("terms.not_agreed", _("Agree to the terms of use and privacy policy to continue."))
    else:
        try:
            flows.code_send(request, page.tenant, page.settings, phone_raw=form.cleaned_data["phone"],
                            recovering=recovering, ip=ratelimit.client_ip(request),
                            language=translation.get_language(), region=form.region())
        except CodeError as exc:
            error = exc
    if error:
        form.add_error("phone", error.message)
        if template:
            response = render_page(request, page, template, {"phone_form": form}, status=error.status)
        else:
            response = _sign_in_page(request, page, phone_form=form, status=error.status)
        if error.retry_after:
            response["Retry-After"] = str(error.retry_after)
        response["X-Postern-Error"] = error.code
        return response
    return redirect(page.url("verify"))


def _verify_page(request, page, form=None, status=200, error_code=None):
    state = flows.flow_state(request, page.tenant)
    if not state.get("phone"):
        return redirect(page.url("sign_in"))
    failed = flows.delivery_failed(page.tenant, state)
    response = render_page(request, page, "verify.html", {
        "form": form or CodeForm(), "phone": phone_shown(state["phone"]),
        "recovering": state["purpose"] == flows.FORGOT_PASSWORD,
        # After a failed send, resending is offered at once; the POST that resends lifts the cooldown.
        "cooldown": 0 if failed else cooldown_remaining(page.tenant, state["phone"]),
        "delivery_failed": failed,
    }, status=status)
    if error_code:
        response["X-Postern-Error"] = error_code
    return response


@hosted_page
def verify(request, page):
    if request.method != "POST":
        return _verify_page(request, page)
    form = CodeForm(request.POST)
    if not form.is_valid():
        return _verify_page(request, page, form, status=400)
    try:
        outcome, user, interaction = flows.code_verify(request, page.tenant, page.settings, code=form.cleaned_data["code"],
                                          ip=ratelimit.client_ip(request))
    except CodeError as exc:
        form.add_error("code", exc.message)
        return _verify_page(request, page, form, status=exc.status, error_code=exc.code)
    except ratelimit.RateLimited as exc:
        form.add_error("code", exc.message)
        return _limited(_verify_page(request, page, form, status=429), exc)
    except flows.FlowError as exc:
        form.add_error("code", exc.message)
        return _verify_page(request, page, form, status=403)
    if outcome == "set_password":
        return redirect(page.url("set_password"))
    return _signed_in(request, page, user, interaction, events.BY_CODE)


@hosted_page
@require_POST
def resend(request, page):
    state = flows.flow_state(request, page.tenant)
    if not state.get("phone"):
        return redirect(page.url("sign_in"))
    try:
        flows.code_send(request, page.tenant, page.settings, phone_raw=state["phone"],
                        recovering=state["purpose"] == flows.FORGOT_PASSWORD, ip=ratelimit.client_ip(request),
                        language=translation.get_language())
    except CodeError as exc:
        form = CodeForm()
        form.cleaned_data = {}  # add_error needs it and an unbound form has none (a limit hit here was a 500)
        form.add_error(None, exc.message)
        response = _verify_page(request, page, form, status=exc.status, error_code=exc.code)
        if exc.retry_after:
            response["Retry-After"] = str(exc.retry_after)
        return response
    return redirect(page.url("verify"))


@hosted_page
def set_password(request, page):
    state = flows.flow_state(request, page.tenant)
    if not state.get("verified"):
        return redirect(page.url("sign_in"))
    form = NewPasswordForm(request.POST or None)
    context = {"form": form, "recovering": state["purpose"] == flows.FORGOT_PASSWORD,
               "policy_hint": page.experience.password_policy_hint}
    if request.method == "POST" and form.is_valid():
        try:
            user, interaction = flows.password_set(request, page.tenant, page.settings, password=form.cleaned_data["password"],
                                      ip=ratelimit.client_ip(request))
        except flows.FlowError as exc:
            form.add_error("password", exc.message)
        else:
            return _signed_in(request, page, user, interaction, events.BY_CODE)
    return render_page(request, page, "set_password.html", context, status=400 if form.errors else 200)


@hosted_page
def register(request, page):
    if not page.experience.register_with_username:
        raise Http404
    form = UsernameRegisterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if _terms_missing(page, form):
            form.add_error("agree", _("Agree to the terms of use and privacy policy to continue."))
        else:
            try:
                user = flows.username_register(page.tenant, page.settings, username=form.cleaned_data["username"],
                                               password=form.cleaned_data["password"],
                                               ip=ratelimit.client_ip(request))
            except flows.FlowError as exc:
                form.add_error(exc.field, exc.message)
            except ratelimit.RateLimited as exc:
                form.add_error(None, exc.message)
                return _limited(_register_page(request, page, form, status=429), exc)
            else:
                return _signed_in(request, page, user, flows.REGISTER, events.BY_PASSWORD)
    return _register_page(request, page, form, status=400 if form.errors else 200)


def _register_page(request, page, form, status):
    return render_page(request, page, "register.html",
                       {"form": form, "policy_hint": page.experience.password_policy_hint}, status=status)


@hosted_page
def forgot_password(request, page):
    # POST too: the sign-in page reaches it with a form, so clients that only submit forms can follow it.
    if not page.experience.forgot_password_phone:
        raise Http404
    return render_page(request, page, "forgot_password.html", {"phone_form": PhoneForm.for_experience(page.experience)})
