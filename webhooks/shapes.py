"""Hooks and their logs in Logto's Management API shapes (the hook, its recent logs), plus Postern's extras."""
import json


def _ms(moment):
    return int(moment.timestamp() * 1000) if moment else None


def hook_json(hook, *, signing_key, breaker, execution_stats=None):
    shape = {
        "tenantId": hook.tenant_id,
        "id": hook.pk,
        "name": hook.name,
        "event": hook.legacy_event,
        "events": list(hook.events),
        "config": {"url": hook.url, "headers": dict(hook.headers)},
        "signingKey": signing_key,
        "enabled": hook.enabled,
        "createdAt": _ms(hook.created_at),
        # Postern's own: the circuit breaker (webhooks.delivery).
        "circuitBreaker": {"open": breaker["open"], "pausedUntil": _ms(breaker["paused_until"]),
                           "consecutiveFailures": breaker["failures"]},
    }
    if execution_stats is not None:
        shape["executionStats"] = execution_stats
    return shape


def _json_or_text(text):
    try:
        return json.loads(text)
    except ValueError:
        return text


def hook_log_json(attempt):
    """One attempt as Logto logs a hook request (`TriggerHook.<event>`), with Postern's delivery id, attempt
    number and latency."""
    key = f"TriggerHook.{attempt.delivery.event}"
    payload = {
        "key": key,
        "result": attempt.result,
        "hookId": attempt.hook_id,
        "hookRequest": {"body": _json_or_text(bytes(attempt.delivery.body).decode("utf-8", "replace"))},
        "deliveryId": attempt.delivery.delivery_id,
        "attempt": attempt.number,
        "url": attempt.url,
        "latencyMs": attempt.latency_ms,
    }
    if attempt.status_code is not None:
        payload["response"] = {"statusCode": attempt.status_code, "body": _json_or_text(attempt.response_head)}
    if attempt.error:
        payload["error"] = attempt.error
    if attempt.retry_in is not None:
        payload["retryInSeconds"] = attempt.retry_in
    return {"id": attempt.log_id, "key": key, "payload": payload, "createdAt": _ms(attempt.started_at)}
