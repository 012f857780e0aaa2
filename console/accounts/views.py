"""Console sign-in and sign-out."""
from django.contrib.auth import login, logout
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from console import ratelimit
from console.accounts.authentication import admin_password_sign_in
from console.accounts.forms import ConsoleLoginForm


def login_view(request):
    if request.user.is_authenticated and getattr(request.user, "is_console_admin", False):
        return redirect("tenants:home")
    form = ConsoleLoginForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            user = admin_password_sign_in(request=request, username=form.cleaned_data["username"],
                                          password=form.cleaned_data["password"], ip=ratelimit.client_ip(request))
        except ratelimit.RateLimited as exc:
            form.add_error(None, exc.message)
            status, retry_after = 429, exc.retry_after
        else:
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
        response["Retry-After"] = str(retry_after)
    return response


@require_POST
def logout_view(request):
    logout(request)
    return redirect("accounts:login")
