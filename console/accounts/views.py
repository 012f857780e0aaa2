"""Console sign-in and sign-out."""
from django.contrib.auth import authenticate, login, logout
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from console import ratelimit
from console.accounts.forms import ConsoleLoginForm

LOGIN_LIMIT = {"limit": 10, "window": 300}


def login_view(request):
    if request.user.is_authenticated and getattr(request.user, "is_console_admin", False):
        return redirect("tenants:home")
    form = ConsoleLoginForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        username = form.cleaned_data["username"]
        ip_verdict = ratelimit.hit(f"login:ip:{ratelimit.client_ip(request)}", **LOGIN_LIMIT)
        user_verdict = ratelimit.hit(f"login:user:{username.lower()}", **LOGIN_LIMIT)
        verdict = ip_verdict if not ip_verdict.allowed else user_verdict
        if not verdict.allowed:
            form.add_error(None, _("Too many sign-in attempts. Try again in %(s)d seconds.") % {"s": verdict.retry_after})
            status = 429
        else:
            user = authenticate(request, username=username, password=form.cleaned_data["password"])
            if user is None:
                form.add_error(None, _("Wrong username or password."))
                status = 400
            else:
                login(request, user)
                target = request.GET.get("next", "")
                if url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
                    return redirect(target)
                return redirect("tenants:home")
    response = render(request, "accounts/login.html", {"form": form}, status=status)
    if status == 429:
        response["Retry-After"] = str(verdict.retry_after)
    return response


@require_POST
def logout_view(request):
    logout(request)
    return redirect("accounts:login")
