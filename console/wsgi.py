import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "console.settings")
django_application = get_wsgi_application()

# After Django is set up: both read the URL conf.
from console.oidc.document_cache import DocumentCache  # noqa: E402
from console.oidc.middleware import OidcApiLane  # noqa: E402

application = DocumentCache(OidcApiLane(django_application))
