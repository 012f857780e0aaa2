import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "console.settings")

from console.oidc.document_cache import DocumentCache  # noqa: E402 — after the settings module is chosen

application = DocumentCache(get_wsgi_application())
