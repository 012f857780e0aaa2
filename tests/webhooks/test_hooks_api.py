"""/api/hooks in Logto's shapes, and data events fired by Management API calls reaching a real receiver signed."""
import pytest

from console.audit.models import AuditEntry
from webhooks.models import Hook

pytestmark = pytest.mark.django_db(transaction=True)


def test_create_read_update_rotate_and_delete_in_logtos_shapes(mapi, receiver):
    status, created, _ = mapi.call("POST", "/hooks", {
        "name": "CRM", "events": ["PostRegister", "User.Created", "PostRegister"],
        "config": {"url": receiver.url(), "headers": {"Authorization": "Bearer crm-token"}}})
    assert status == 201, created
    assert set(created) >= {"tenantId", "id", "name", "event", "events", "config", "signingKey", "enabled",
                            "createdAt"}
    assert created["tenantId"] == mapi.tenant.pk and len(created["id"]) == 21
    assert created["events"] == ["PostRegister", "User.Created"] and created["event"] is None
    assert created["config"] == {"url": receiver.url(), "headers": {"Authorization": "Bearer crm-token"}}
    assert created["enabled"] is True and len(created["signingKey"]) == 32
    assert created["circuitBreaker"] == {"open": False, "pausedUntil": None, "consecutiveFailures": 0}

    status, listed, response = mapi.call("GET", "/hooks?includeExecutionStats=true")
    assert status == 200 and [hook["id"] for hook in listed] == [created["id"]]
    assert listed[0]["executionStats"] == {"successCount": 0, "requestCount": 0}
    status, paged, response = mapi.call("GET", "/hooks?page=1&page_size=1")
    assert status == 200 and response["Total-Number"] == "1"

    status, updated, _ = mapi.call("PATCH", f"/hooks/{created['id']}", {"enabled": False, "name": "CRM v2"})
    assert status == 200 and (updated["enabled"], updated["name"]) == (False, "CRM v2")
    assert updated["config"] == created["config"] and updated["events"] == created["events"]

    status, rotated, _ = mapi.call("PATCH", f"/hooks/{created['id']}/signing-key")
    assert status == 200 and rotated["signingKey"] != created["signingKey"]
    assert mapi.call("GET", f"/hooks/{created['id']}")[1]["signingKey"] == rotated["signingKey"]

    assert mapi.call("DELETE", f"/hooks/{created['id']}")[0] == 204
    status, missing, _ = mapi.call("GET", f"/hooks/{created['id']}")
    assert (status, missing["code"]) == (404, "entity.not_exists_with_id")
    actions = list(AuditEntry.objects.filter(tenant=mapi.tenant, target_type="hook").values_list("action", "actor_label"))
    assert [action for action, _ in actions] == ["hook.delete", "hook.rotate_signing_key", "hook.update",
                                                 "hook.create"]
    assert all("(Management API)" in label for _, label in actions)
    assert "crm-token" not in str(list(AuditEntry.objects.values_list("changes", flat=True)))


def test_the_deprecated_single_event_is_accepted_and_answered_back(mapi, receiver):
    status, created, _ = mapi.call("POST", "/hooks", {"event": "PostSignIn", "config": {"url": receiver.url()}})
    assert status == 201 and (created["event"], created["events"]) == ("PostSignIn", ["PostSignIn"])


@pytest.mark.parametrize("body, code", [
    ({"config": {"url": "https://hooks.example/a"}}, "hook.missing_events"),
    ({"events": [], "config": {"url": "https://hooks.example/a"}}, "guard.invalid_input"),
    ({"events": ["Role.Created"], "config": {"url": "https://hooks.example/a"}}, "guard.invalid_input"),
    ({"events": ["PostSignIn"], "config": {"url": "ftp://hooks.example/a"}}, "hook.url_invalid"),
    ({"events": ["PostSignIn"], "config": {"url": "http://hooks.example/a"}}, "hook.url_https_required"),
    ({"events": ["PostSignIn"], "config": {"url": "http://203.0.113.10/a"}}, "hook.url_https_required"),
    ({"events": ["PostSignIn"], "config": {"url": "http://169.254.169.254/latest/meta-data"}},
     "hook.url_forbidden_address"),
    ({"events": ["PostSignIn"], "config": {"url": "https://169.254.169.254/"}}, "hook.url_forbidden_address"),
    ({"events": ["PostSignIn"], "config": {"url": "https://[::ffff:169.254.169.254]/"}},
     "hook.url_forbidden_address"),
    ({"events": ["PostSignIn"], "config": {"url": "https://100.100.100.200/"}}, "hook.url_forbidden_address"),
    ({"events": ["PostSignIn"], "config": {"url": "https://[fe80::1]/"}}, "hook.url_forbidden_address"),
    ({"events": ["PostSignIn"], "config": {"url": "https://hooks.example/a",
                                           "headers": {"logto-signature-sha-256": "forged"}}},
     "guard.invalid_input"),
    ({"events": ["PostSignIn"], "config": {"url": "https://hooks.example/a", "headers": {"X-A": "one\r\nX-B: two"}}},
     "guard.invalid_input"),
])
def test_bad_hooks_are_refused_with_a_code_and_nothing_saved(mapi, body, code):
    status, answer, _ = mapi.call("POST", "/hooks", body)
    assert (status, answer["code"]) == (400, code), answer
    assert not Hook.objects.exists()


def test_in_production_mode_private_addresses_are_refused_unless_allowed(mapi, settings):
    settings.PRODUCTION = True
    for url in ("https://10.0.0.1/hooks", "https://127.0.0.1/hooks", "https://192.168.1.20/hooks",
                "https://100.64.0.1/hooks"):
        status, answer, _ = mapi.call("POST", "/hooks", {"events": ["PostSignIn"], "config": {"url": url}})
        assert (status, answer["code"]) == (400, "hook.url_private_address"), (url, answer)
    status, answer, _ = mapi.call("POST", "/hooks", {"events": ["PostSignIn"],
                                                     "config": {"url": "http://127.0.0.1:9/hooks"}})
    assert (status, answer["code"]) == (400, "hook.url_https_required")
    import ipaddress

    settings.WEBHOOK_ALLOWED_NETWORKS = (ipaddress.ip_network("10.0.0.0/8"),)
    status, created, _ = mapi.call("POST", "/hooks", {"events": ["PostSignIn"],
                                                      "config": {"url": "https://10.0.0.1/hooks"}})
    assert status == 201, created
    status, answer, _ = mapi.call("POST", "/hooks", {"events": ["PostSignIn"],
                                                     "config": {"url": "https://169.254.169.254/"}})
    assert (status, answer["code"]) == (400, "hook.url_forbidden_address")


def test_a_user_created_and_suspended_through_the_api_reaches_the_receiver_signed(
        mapi, receiver, make_hook, celery_worker):
    hook = make_hook(mapi, ["User.Created", "User.SuspensionStatus.Updated", "User.Data.Updated"], receiver.url())
    status, user, _ = mapi.call("POST", "/users", {"username": "reader", "primaryPhone": "8613800138000",
                                                   "password": "correct horse battery"}, user_agent="provisioner/1.0")
    assert status == 200, user
    assert mapi.call("PATCH", f"/users/{user['id']}/is-suspended", {"isSuspended": True})[0] == 200
    created, suspended = receiver.wait_for(2)
    for received in (created, suspended):
        assert received.signed_with(hook["signingKey"])
        assert received.headers["content-type"] == "application/json"
        assert received.headers["user-agent"].startswith("Postern")
        assert len(received.headers["logto-delivery-id"]) == 21
    body = created.json
    assert (body["event"], body["hookId"], body["data"]["id"]) == ("User.Created", hook["id"], user["id"])
    assert body["data"]["primaryPhone"] == "8613800138000" and body["data"]["isSuspended"] is False
    assert (body["method"], body["path"], body["matchedRoute"]) == ("POST", "/api/users", "/api/users")
    assert body["userAgent"] == "provisioner/1.0" and body["ip"] == "127.0.0.1"
    assert body["actor"] == {"type": "Application", "id": mapi.app.client_id, "name": mapi.app.name}
    assert body["createdAt"].endswith("Z") and "T" in body["createdAt"]
    body = suspended.json
    assert body["event"] == "User.SuspensionStatus.Updated" and body["data"]["isSuspended"] is True
    assert (body["matchedRoute"], body["params"]) == ("/api/users/:userId/is-suspended", {"userId": user["id"]})
