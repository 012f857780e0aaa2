"""Bench setup against a running `make run`-style Postern: the demo tenant's end user gets a signed-in session.

Run with the server's own environment (DATABASE_URL, REDIS_URL, POSTERN_DATA_DIR...). Prints one JSON line:
tenant, Bookstore client ID and redirect URI, and the session cookie with which the real authorization
endpoint answers 302 + code (how the bench mints codes: nothing about the token endpoint is bypassed).

--raise-code-limits: the SMS section's run sends thousands of codes from one address to one tenant, so the
tenant's code policy limits (per IP, per tenant and hour, per number) are raised for it, as an operator would.
"""
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "console.settings")


def main():
    import argparse

    import django

    parser = argparse.ArgumentParser()
    parser.add_argument("--raise-code-limits", action="store_true")
    args = parser.parse_args()

    django.setup()
    from django.conf import settings
    from django.contrib.sessions.backends.cached_db import SessionStore as CachedDbStore
    from importlib import import_module

    from console.applications.models import Application
    from console.accounts.models import User
    from console.tenants.models import Tenant
    from demo.management.commands.seed_demo import APP_NAME, DEMO_USERNAME, REDIRECT_URI, TENANT_NAME

    tenant = Tenant.objects.filter(name=TENANT_NAME).order_by("created_at").first()
    app = Application.objects.get(tenant=tenant, name=APP_NAME)
    user = User.objects.get(tenant=tenant, username=DEMO_USERNAME)
    if args.raise_code_limits:
        from signin_experience.selectors import experience_for
        from signin_experience.services import experience_update

        current = experience_for(tenant).as_settings()
        policy = dict(current["code_policy"], perIpLimit=100_000, perTenantHourlyLimit=1_000_000,
                      perPhoneLimit=1_000)
        owner = tenant.memberships.order_by("pk").first().user
        experience_update(tenant=tenant, acting_user=owner, settings=dict(current, code_policy=policy),
                          has_sms_connector=True)
    store_class = import_module(settings.SESSION_ENGINE).SessionStore or CachedDbStore
    session = store_class()
    # What console.oidc.sessions.tenant_session_start stores after a hosted-page sign-in.
    session[f"postern.tenant.{tenant.pk}"] = {"uid": user.uid, "auth_time": int(time.time())}
    session.create()
    print(json.dumps({
        "tenant_id": tenant.pk,
        "issuer": tenant.issuer,
        "client_id": app.client_id,
        "app_type": app.app_type,
        "redirect_uri": REDIRECT_URI,
        "cookie": f"{settings.SESSION_COOKIE_NAME}={session.session_key}",
        "user_uid": user.uid,
    }))


if __name__ == "__main__":
    main()
