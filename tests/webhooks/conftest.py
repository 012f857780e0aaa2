"""A real receiver, and hooks pointing at it (made through the Management API, the way a script would)."""
import time

import pytest

from tests.fixtures_services import WORKER_WEBHOOK_SETTINGS
from tests.management_api.conftest import make_management_api, mapi  # noqa: F401 (fixtures used here too)
from tests.webhooks.receiver import Receiver
from webhooks.models import HookDelivery


@pytest.fixture(autouse=True)
def same_webhook_settings_as_the_worker(settings):
    """This process (test sends, the sweeper, the breaker as the API shows it) reads what the worker reads."""
    worker = WORKER_WEBHOOK_SETTINGS
    settings.WEBHOOK_RETRY_SCHEDULE = tuple(float(s) for s in worker["POSTERN_WEBHOOK_RETRY_SCHEDULE"].split(","))
    settings.WEBHOOK_TIMEOUT = float(worker["POSTERN_WEBHOOK_TIMEOUT"])
    settings.WEBHOOK_BREAKER_FAILURES = int(worker["POSTERN_WEBHOOK_BREAKER_FAILURES"])
    settings.WEBHOOK_BREAKER_COOLDOWN_SECONDS = float(worker["POSTERN_WEBHOOK_BREAKER_COOLDOWN_SECONDS"])


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.stop()


@pytest.fixture
def make_hook():
    """make(mapi, events, url, **fields) → the created hook's JSON (signingKey included)."""

    def make(mapi, events, url, **fields):
        status, body, _response = mapi.call("POST", "/hooks", {"name": "CRM sync", "events": events,
                                                               "config": {"url": url}, **fields})
        assert status == 201, body
        return body

    return make


@pytest.fixture
def wait_for_delivery():
    """wait(hook_id, until=("SUCCEEDED", "FAILED"), count=1) → the hook's deliveries once `count` are in `until`."""

    def wait(hook_id, until=("SUCCEEDED", "FAILED"), count=1, timeout=20.0):
        deadline = time.monotonic() + timeout
        while True:
            rows = list(HookDelivery.objects.filter(hook_id=hook_id, status__in=until, is_test=False)
                        .order_by("created_at", "id"))
            if len(rows) >= count:
                return rows
            states = list(HookDelivery.objects.filter(hook_id=hook_id).values_list("event", "status", "attempts"))
            assert time.monotonic() < deadline, f"deliveries of {hook_id} after {timeout} s: {states}"
            time.sleep(0.05)

    return wait
