"""PKCE (RFC 7636), S256 only (RFC 9700): what a code challenge may look like at /auth, and whether a token
request's verifier proves it. Also the ID token's at_hash, the same digest of the access token."""
import base64
import hashlib
import hmac
import re

METHOD = "S256"
# RFC 7636 §4.1-4.2: 43 to 128 unreserved characters (the Grant row's code_challenge column holds 128).
_UNRESERVED_43_128 = re.compile(r"[A-Za-z0-9._~-]{43,128}")


def _b64url_sha256(text, length=None):
    digest = hashlib.sha256(text.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest[:length]).rstrip(b"=").decode("ascii")


def challenge_refusal(challenge, method):
    """Why an authorization request's code_challenge is refused (a description for invalid_request), or None."""
    if challenge is None:
        return None
    if not _UNRESERVED_43_128.fullmatch(challenge):
        return "code_challenge must be 43 to 128 characters of A-Z a-z 0-9 - . _ ~"
    if method != METHOD:
        return "code_challenge_method must be S256"
    return None


def verifier_refusal(challenge, verifier, *, required):
    """(error, description) when a token request's code_verifier does not prove the code's challenge, or None.
    `required`: the client is public, so its code must carry a challenge (the authorization endpoint saw to that)."""
    if not challenge:
        if required or verifier:
            return "invalid_grant", "The code was issued without a code_challenge."
        return None
    if not verifier:
        return "invalid_request", "Missing code_verifier parameter."
    # Only S256 is computed, so a challenge kept as "plain" can never match.
    if not _UNRESERVED_43_128.fullmatch(verifier):
        return "invalid_grant", "The code_verifier must be 43 to 128 characters of A-Z a-z 0-9 - . _ ~"
    if not hmac.compare_digest(_b64url_sha256(verifier), challenge):
        return "invalid_grant", "The code_verifier does not match the code_challenge."
    return None


def at_hash(access_token):
    """OpenID Connect Core §3.1.3.6: the left half of the access token's SHA-256, base64url."""
    return _b64url_sha256(access_token, 16)
