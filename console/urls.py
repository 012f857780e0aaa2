from django.urls import include, path
from django.views.generic import RedirectView
from django.views.i18n import JavaScriptCatalog, set_language

from management_api.api import api as management_api

urlpatterns = [
    path("", RedirectView.as_view(url="/console/", permanent=False)),
    # Browsers ask for /favicon.ico where a page names no icon (a JSON endpoint opened in a tab).
    path("favicon.ico", RedirectView.as_view(url="/static/postern/favicon.svg", permanent=True)),
    path("i18n/setlang", set_language, name="set_language"),
    # The translations the console's scripts use (gettext() in static/postern/*.js; domain djangojs).
    path("i18n/js", JavaScriptCatalog.as_view(), name="javascript_catalog"),
    path("console/", include("console.accounts.urls")),
    path("console/", include("console.tenants.urls")),
    path("console/", include("console.oidc.console_urls")),
    path("console/", include("getting_started.urls")),
    path("console/", include("console.applications.urls")),
    path("console/", include("console.audit.urls")),
    path("console/", include("console.users.urls")),
    path("console/", include("connectors.urls")),
    path("console/", include("webhooks.urls")),
    path("console/", include("management_api.console_urls")),
    path("", include("connectors.hook_urls")),
    path("t/<str:tenant_id>/oidc/", include("console.oidc.urls")),
    path("t/<str:tenant_id>/api/", management_api.urls),
    path("", include("signin_experience.urls")),
]
