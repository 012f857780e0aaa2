"""The sandbox's inbox page: what was delivered, what was refused and why, and the account's approved values."""
from __future__ import annotations

import html
from typing import Any

from connectors.sandbox.account import INTERNATIONAL, MAINLAND
from connectors.sandbox.sendsms import PULL_ACTION

INBOX_SIZE = 200


def render_inbox(records: list[dict[str, Any]], account: dict[str, Any] | None = None) -> str:
    """The sandbox's inbox: what was delivered, what was refused and why, and the account's approved values.
    Each message shows the sender's SdkAppId, SecretId and signature: the console's connector that sent it."""
    sends = [record for record in reversed(records) if (record.get("headers") or {}).get("X-TC-Action") != PULL_ACTION
             and record.get("params") is not None]
    messages = [(record, status) for record in sends for status in (record.get("send_status") or [])
                if status["Code"] == "Ok" and record["response_code"] == "Ok"][:INBOX_SIZE]
    refused = [(record, status["PhoneNumber"], status["Code"]) for record in sends
               for status in (record.get("send_status") or []) if status["Code"] != "Ok"]
    refused += [(record, ", ".join(record["phones"]), record["response_code"]) for record in sends
                if record["response_code"] != "Ok"]
    refused.sort(key=lambda item: item[0]["id"], reverse=True)

    def sender(record: dict[str, Any]) -> list[Any]:
        params = record["params"]
        return [params.get("SmsSdkAppId", ""), record.get("secret_id") or "", params.get("SignName", ""),
                params.get("TemplateId", "")]

    rows = "".join(_row([record["time"], status["PhoneNumber"], *sender(record),
                         ", ".join(record["params"].get("TemplateParamSet") or [])])
                   for record, status in messages)
    refused_rows = "".join(_row([record["time"], phone, *sender(record), code])
                           for record, phone, code in refused[:INBOX_SIZE])
    return _INBOX_PAGE.format(
        count=len(messages), rows=rows or '<tr><td colspan="8">No messages yet.</td></tr>',
        refused_rows=refused_rows or '<tr><td colspan="8">None.</td></tr>', account=_render_account(account),
    )


def _row(cells: list[Any]) -> str:
    return "<tr>" + "".join(f"<td><code>{html.escape(str(cell))}</code></td>" for cell in cells) + "</tr>"


def _render_account(account: dict[str, Any] | None) -> str:
    if account is None:
        return ""
    anything = "<em>any (this emulator accepts anything)</em>"
    apps = ", ".join(f"<code>{html.escape(app)}</code>" for app in account["apps"]) if account["apps"] is not None \
        else anything
    signatures = ", ".join(f"<code>{html.escape(name)}</code>" for name in account["signatures"]) \
        if account["signatures"] is not None else anything
    kinds = account["template_kinds"]
    if account["templates"] is None:
        templates = f"<p>Templates: {anything}</p>"
    else:
        templates = "<table><thead><tr><th>Template ID</th><th>Variables</th><th>For</th></tr></thead><tbody>" + "".join(
            _row([code, variables, {MAINLAND: "Mainland China numbers (+86)",
                                    INTERNATIONAL: "numbers outside Mainland China"}.get(kinds.get(code), "any number")])
            for code, variables in account["templates"].items()) + "</tbody></table>"
    return (f'<section id="account"><h2>This sandbox account</h2><p>Values a connector must use here; anything else '
            f"is refused with Tencent's error.</p><p>SDK AppID (sdkAppId): {apps}</p>"
            f"<p>Approved signatures (signName): {signatures}</p>{templates}</section>")


_INBOX_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="2">
<title>Tencent SMS emulator: inbox</title>
<style>body{{font:14px system-ui,sans-serif;margin:2rem}}table{{border-collapse:collapse}}
td,th{{border-bottom:1px solid #ddd;padding:.4rem .8rem;text-align:left}}code{{font-size:1.1em}}</style></head>
<body><h1>Inbox</h1><p>{count} message(s), newest first. This page refreshes itself.</p>
<table id="delivered"><thead><tr><th>Time (UTC)</th><th>Phone</th><th>SDK AppID</th><th>SecretId</th><th>Signature</th>
<th>Template</th><th>Parameters</th></tr></thead>
<tbody>{rows}</tbody></table>
<h2>Refused</h2><p>What Tencent would have answered instead of sending, newest first.</p>
<table id="refused"><thead><tr><th>Time (UTC)</th><th>Phone</th><th>SDK AppID</th><th>SecretId</th><th>Signature</th>
<th>Template</th><th>Error</th></tr></thead>
<tbody>{refused_rows}</tbody></table>
{account}</body></html>
"""
