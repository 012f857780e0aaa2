"""Run real Node OIDC clients (tests/node) against a running Postern server.

No tests live here; test modules import the helpers:

    from tests.oidc_clients import run_logto_flow, run_openid_client_flow

    result = run_logto_flow({
        "endpoint": f"{live_server.url}/t/{tenant.id}",
        "appId": app.client_id,
        "redirectUri": "com.example.app://callback",
        "postSignOutRedirectUri": "com.example.app://signed-out",
        "identifier": "alice",
        "password": "s3cret-pass",
    })
    assert result["ok"], result["errors"]

Input (both scripts; JSON object):
    endpoint, appId, redirectUri, postSignOutRedirectUri   required
    identifier, password          required unless signInSteps is given
    scopes: [str]                 extra scopes (openid offline_access profile are always sent)
    signInSteps: [step]           hosted-page steps; default [{"fill": {identifier, password}}]
        step = {"fill": {field: value},
                "fillFromCommand": {"field": "code", "url": "http://...", "key"?: "code",
                                    "pollSeconds"?: 10} (or a list of those),
                "form"?: index | id | {"index"|"id"|"actionContains"|"method"},
                "submit"?: button-name | {"name", "value"}}
        Each step fills the page's first POST form (or the selected one) and submits it. Filling
        a field the form does not have is an error (the page contract is checked).
    signOutSteps: [step]          forms to submit on pages reached from the end-session URL
                                  (default: submit the confirmation page's POST form, as its script does)
    origin: str | None            Origin header + simulated CORS checks (logto default
                                  "capacitor://localhost"; openid-client default None)
    requireCors: bool             logto only: CORS problems make ok false
    timeoutMs: int                per HTTP request (default 15000)
    probeAfterSignOut: bool       default True: re-authorize after sign-out, report the session
    useNonce, extraAuthParams     openid-client only

Output (one JSON object): ok, failedStep, errors[{step, kind, name, code, message, rootMessage,
cause|data|details}], steps{name: {ok, ms, skipped?, error?}}, idTokenClaims, idTokenHeader,
userInfo, accessToken, accessTokenClaims, refreshRotated, oldRefreshToken, newRefreshToken,
revocationCalled, revocation (request record), signOutLocation, signOutParams,
authorizationRequest{url, params}, callbackUrl, callbackParams, signInPages, probes{
revokedRefreshToken, oldRefreshToken, sessionAfterSignOut}, cors, requests[...], browserTrail,
cookies, versions; logto adds oidcConfig, discoveryMissing, firstAccessTokenFromCache,
isAuthenticated(AfterSignOut); openid-client adds serverMetadata, tokens, refreshTokens.
The helper also adds "_stderr" (the script's stderr) for debugging.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

NODE_DIR = Path(__file__).resolve().parent / "node"
LOGTO_SCRIPT = NODE_DIR / "logto_flow.mjs"
OPENID_CLIENT_SCRIPT = NODE_DIR / "openid_client_flow.mjs"
MANAGEMENT_API_SCRIPT = NODE_DIR / "management_api_flow.mjs"

__all__ = [
    "NODE_DIR",
    "NodeClientError",
    "ensure_node_modules",
    "run_logto_flow",
    "run_management_api_flow",
    "run_openid_client_flow",
]


class NodeClientError(RuntimeError):
    """The Node script could not run or did not produce a JSON result."""

    def __init__(self, message: str, *, returncode: int | None = None, stdout: str = "", stderr: str = ""):
        detail = message
        if returncode is not None:
            detail += f" (exit code {returncode})"
        if stderr.strip():
            detail += f"\n--- stderr ---\n{stderr.strip()[-4000:]}"
        if stdout.strip():
            detail += f"\n--- stdout ---\n{stdout.strip()[-4000:]}"
        super().__init__(detail)
        self.returncode = returncode
        self.stdout = stdout
        self.stderr = stderr


def _require(tool: str) -> str:
    path = shutil.which(tool)
    if not path:
        raise NodeClientError(f"`{tool}` not found on PATH; Node 20+ and npm are needed for the OIDC client tests")
    return path


def _modules_stamp() -> Path:
    # npm writes node_modules/.package-lock.json on every install / ci.
    return NODE_DIR / "node_modules" / ".package-lock.json"


def _modules_fresh() -> bool:
    stamp = _modules_stamp()
    lock = NODE_DIR / "package-lock.json"
    return stamp.exists() and stamp.stat().st_mtime >= lock.stat().st_mtime


def ensure_node_modules() -> None:
    """Run `npm ci` in tests/node when node_modules is missing or older than package-lock.json."""
    if _modules_fresh():
        return
    npm = _require("npm")
    _require("node")
    lock_path = Path(tempfile.gettempdir()) / f"postern-npm-ci-{hashlib.sha256(str(NODE_DIR).encode()).hexdigest()[:16]}.lock"
    with open(lock_path, "w") as lock_file:
        fcntl.flock(lock_file, fcntl.LOCK_EX)  # serialise concurrent workers (pytest-xdist)
        try:
            if _modules_fresh():
                return
            proc = subprocess.run(
                [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
                cwd=NODE_DIR,
                capture_output=True,
                text=True,
                timeout=600,
            )
            if proc.returncode != 0:
                raise NodeClientError(
                    "`npm ci` failed in tests/node (is the npm registry reachable?)",
                    returncode=proc.returncode,
                    stdout=proc.stdout,
                    stderr=proc.stderr,
                )
            os.utime(_modules_stamp())
        finally:
            fcntl.flock(lock_file, fcntl.LOCK_UN)


def _run(script: Path, config: dict, timeout: float) -> dict[str, Any]:
    ensure_node_modules()
    node = _require("node")
    try:
        proc = subprocess.run(
            [node, str(script), json.dumps(config)],
            cwd=NODE_DIR,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired as exc:
        out = exc.stdout.decode() if isinstance(exc.stdout, bytes) else (exc.stdout or "")
        err = exc.stderr.decode() if isinstance(exc.stderr, bytes) else (exc.stderr or "")
        raise NodeClientError(f"{script.name} timed out after {timeout}s", stdout=out, stderr=err) from exc

    lines = [line for line in proc.stdout.splitlines() if line.strip()]
    result = None
    if lines:
        try:
            result = json.loads(lines[-1])
        except json.JSONDecodeError:
            result = None
    if proc.returncode == 2:
        message = result.get("error") if isinstance(result, dict) else "bad input"
        raise ValueError(f"{script.name} rejected its input: {message}")
    if proc.returncode != 0 or not isinstance(result, dict):
        raise NodeClientError(
            f"{script.name} failed" if isinstance(result, dict) else f"{script.name} printed no JSON result",
            returncode=proc.returncode,
            stdout=proc.stdout,
            stderr=proc.stderr,
        )
    result["_stderr"] = proc.stderr
    return result


def run_logto_flow(config: dict, timeout: float = 60) -> dict[str, Any]:
    """Sign in / userinfo / refresh / sign out with @logto/client's LogtoClient."""
    return _run(LOGTO_SCRIPT, config, timeout)


def run_openid_client_flow(config: dict, timeout: float = 60) -> dict[str, Any]:
    """The same flow with openid-client 6 (strict RP, signature checks on)."""
    return _run(OPENID_CLIENT_SCRIPT, config, timeout)


def run_management_api_flow(config: dict, timeout: float = 60) -> dict[str, Any]:
    """Management API calls with @logto/api's createManagementApi (see management_api_flow.mjs)."""
    return _run(MANAGEMENT_API_SCRIPT, config, timeout)
