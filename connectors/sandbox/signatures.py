"""Tencent Cloud's TC3-HMAC-SHA256 request signatures (API 3.0 "Signature v3"), checked as Tencent checks them, and
the error answers they give."""
from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping
from datetime import datetime, timezone

SERVICE = "sms"
ALGORITHM = "TC3-HMAC-SHA256"
MAX_CLOCK_SKEW_SECONDS = 300

_AUTHORIZATION = re.compile(
    r"^TC3-HMAC-SHA256 Credential=(?P<secret_id>[^/\s]+)/(?P<date>\d{4}-\d{2}-\d{2})/(?P<service>[^/\s]+)/tc3_request,"
    r"\s*SignedHeaders=(?P<signed_headers>[a-z0-9;-]+),\s*Signature=(?P<signature>[0-9a-f]{64})$"
)


class ApiError(Exception):
    """An answer in Tencent's error shape: HTTP 200 with Response.Error.{Code, Message}."""

    def __init__(self, code: str, message: str):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def tc3_signature(secret_key: str, date: str, string_to_sign: str) -> str:
    key = _hmac(("TC3" + secret_key).encode(), date)
    key = _hmac(key, SERVICE)
    key = _hmac(key, "tc3_request")
    return hmac.new(key, string_to_sign.encode(), hashlib.sha256).hexdigest()


def _hmac(key: bytes, message: str) -> bytes:
    return hmac.new(key, message.encode(), hashlib.sha256).digest()


def verify_tc3(
    *, method: str, headers: Mapping[str, str], body: bytes, credentials: Mapping[str, str], now: float
) -> str:
    """The SecretId of a correctly signed request; ApiError with Tencent's code otherwise. Header names lowercase."""
    match = _AUTHORIZATION.match(headers.get("authorization", "").strip())
    if not match:
        raise ApiError(
            "AuthFailure.InvalidAuthorization", "The Authorization header is missing or not TC3-HMAC-SHA256."
        )
    timestamp_text = headers.get("x-tc-timestamp", "").strip()
    if not timestamp_text:
        raise ApiError("MissingParameter", "The request is missing a required parameter `Timestamp`.")
    if not timestamp_text.isdigit():
        raise ApiError("InvalidParameter", "The parameter `Timestamp` must be Unix seconds.")
    timestamp = int(timestamp_text)
    if abs(now - timestamp) > MAX_CLOCK_SKEW_SECONDS:
        raise ApiError(
            "AuthFailure.SignatureExpire",
            f"Signature expired: Timestamp {timestamp} is more than five minutes from the server time {int(now)}.",
        )
    secret_key = credentials.get(match["secret_id"])
    if secret_key is None:
        raise ApiError(
            "AuthFailure.SecretIdNotFound", "The SecretId is not found, please ensure that your SecretId is correct."
        )
    signed_headers = match["signed_headers"].split(";")
    if "content-type" not in signed_headers or "host" not in signed_headers:
        raise ApiError("AuthFailure.InvalidAuthorization", "SignedHeaders must include content-type and host.")
    if any(name not in headers for name in signed_headers):
        raise ApiError("AuthFailure.InvalidAuthorization", "A header named in SignedHeaders is missing.")
    date = datetime.fromtimestamp(timestamp, timezone.utc).strftime("%Y-%m-%d")
    if match["date"] != date or match["service"] != SERVICE:
        raise ApiError("AuthFailure.SignatureFailure", f"The credential scope must be {date}/{SERVICE}/tc3_request.")
    string_to_sign = _string_to_sign(method, headers, signed_headers, body, timestamp_text, date)
    expected = tc3_signature(secret_key, date, string_to_sign)
    if not hmac.compare_digest(expected, match["signature"]):
        raise ApiError(
            "AuthFailure.SignatureFailure",
            "The provided credentials could not be validated. Please check your signature is correct.",
        )
    return match["secret_id"]


def _string_to_sign(
    method: str, headers: Mapping[str, str], signed_headers: list[str], body: bytes, timestamp: str, date: str
) -> str:
    canonical_headers = "".join(f"{name}:{headers[name].strip().lower()}\n" for name in signed_headers)
    unsigned = headers.get("x-tc-content-sha256") == "UNSIGNED-PAYLOAD"
    payload_hash = sha256_hex(b"UNSIGNED-PAYLOAD" if unsigned else body)
    canonical_request = "\n".join([method, "/", "", canonical_headers, ";".join(signed_headers), payload_hash])
    return "\n".join([ALGORITHM, timestamp, f"{date}/{SERVICE}/tc3_request", sha256_hex(canonical_request.encode())])

