"""The OIDC endpoints of a tenant: discovery, JWKS, authorization, token, userinfo, revocation,
introspection and RP-initiated logout."""
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_protect
from console.oidc import client_auth, gate, grants, provider
from console.oidc.claims import claims_for
from console.oidc.discovery import discovery_json
from console.oidc.error_pages import authorization_error_page
from console.oidc.http import AppRedirect, oauth_error, oidc_endpoint
from console.oidc.keys import published_jwks_json
from console.oidc import logout
from console.oidc.pending import authorization_stash
from console.oidc.sessions import tenant_session_auth_time, tenant_session_user


def _oauthlib_response(headers, body, status):
    response = HttpResponse(body or "", status=status)
    for key, value in (headers or {}).items():
        response[key] = value
    response["Cache-Control"] = "no-store"
    return response


@oidc_endpoint(["GET"], cors=True)
def discovery(request, tenant):
    return HttpResponse(discovery_json(tenant.issuer), content_type="application/json")


@oidc_endpoint(["GET"], cors=True)
def jwks(request, tenant):
    response = HttpResponse(published_jwks_json(tenant.pk), content_type="application/json")
    response["Cache-Control"] = "public, max-age=60"
    return response


@oidc_endpoint(["GET", "POST"])
def authorize(request, tenant):
    query = request.GET.urlencode() if request.method == "GET" else request.POST.urlencode()
    try:
        auth_request = provider.authorization_validate(tenant, query)
        user = None if auth_request.forces_sign_in else tenant_session_user(request, tenant, auth_request.max_age)
        if user is None:
            if "none" in auth_request.prompt:
                raise provider.login_required_error(tenant, auth_request)
            stash_id = authorization_stash(request, tenant, auth_request)
            return redirect(f"{reverse('signin_experience:sign_in', args=[tenant.pk])}?authz={stash_id}")
        return AppRedirect(provider.authorization_complete(tenant, auth_request, user,
                                                           auth_time=tenant_session_auth_time(request, tenant)))
    except provider.AuthorizationError as exc:
        if exc.redirect_uri:
            return AppRedirect(exc.redirect_uri)
        return authorization_error_page(request, tenant, exc.error, exc.description)


@oidc_endpoint(["POST"], cors=True)
def token(request, tenant):
    return grants.token_response(tenant, request)


@oidc_endpoint(["GET", "POST"], cors=True)
def userinfo(request, tenant):
    access_token = _bearer_access_token(request, tenant)
    if access_token is None or "openid" not in access_token.scope.split():
        response = oauth_error("invalid_token", "The access token is invalid or expired.", status=401)
        response["WWW-Authenticate"] = 'Bearer error="invalid_token"'
        return response
    return JsonResponse(claims_for(access_token.user, access_token.scope.split()))


def _bearer_access_token(request, tenant):
    """The access token of `Authorization: Bearer …` (never one in the query: RFC 9700), through the gate."""
    parts = request.META.get("HTTP_AUTHORIZATION", "").split()
    if len(parts) != 2 or parts[0].lower() != "bearer" or request.GET.get("access_token"):
        return None
    return gate.access_token_at(tenant, parts[1])


@oidc_endpoint(["POST"], cors=True)
def revocation(request, tenant):
    _uri, headers, body, status = provider.oauth_core_for(tenant).create_revocation_response(request)
    return _oauthlib_response(headers, body, status)


@oidc_endpoint(["POST"])
def introspection(request, tenant):
    client = client_auth.client_authenticate(tenant, request.META.get("HTTP_AUTHORIZATION", ""),
                                             request.POST.get("client_id"), request.POST.get("client_secret"),
                                             public_allowed=False)
    if client is None or client.is_public:
        return oauth_error("invalid_client", "Introspection needs a confidential client's credentials.", 401)
    raw = request.POST.get("token", "")
    found = gate.access_token_at(tenant, raw) or gate.refresh_token_at(tenant, raw)
    if found is None:
        return JsonResponse({"active": False})
    is_access = isinstance(found, gate.AccessToken)
    body = {"active": True, "client_id": found.application.client_id, "iss": tenant.issuer,
            "token_type": "Bearer" if is_access else "refresh_token"}
    if is_access:
        body.update(scope=found.scope, exp=int(found.expires.timestamp()))
    if found.user:
        body["sub"] = found.user.uid
    return JsonResponse(body)


@oidc_endpoint(["GET", "POST"])
def session_end(request, tenant):
    params = request.GET if request.method == "GET" else request.POST
    hinted_client_id = logout.client_from_hint(tenant, params.get("id_token_hint"))
    if hinted_client_id is None:
        return render(request, "oidc/logout_confirm.html", {
            "tenant": tenant, "fields": logout.logout_confirm_fields(params)})
    return _signed_out(request, tenant, logout.end_session(request, tenant, params,
                                                           hinted_client_id=hinted_client_id))


@oidc_endpoint(["POST"])
@csrf_protect  # the endpoint above is CSRF-exempt (apps POST to it); this confirmation is not
def session_end_confirm(request, tenant):
    return _signed_out(request, tenant, logout.end_session(request, tenant, request.POST))


def _signed_out(request, tenant, target):
    if target:
        return AppRedirect(target)
    return render(request, "oidc/signed_out.html", {"tenant": tenant})
