"""Pages that can show a one-time secret or code: a new client secret, a password an admin reset."""
from django.views.decorators.cache import never_cache


def shows_secret(view):
    """Cache-Control: no-store (with private, no-cache, max-age=0), so neither a browser cache, a proxy nor the
    back button keeps a copy of the secret once the page is gone. Every such view wears this decorator."""
    return never_cache(view)
