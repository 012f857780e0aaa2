"""Fixtures for connector tests: a Tencent SMS emulator running as its own process, and a valid Tencent config."""
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from connectors.emulator import EmulatorClient

PROJECT_DIR = Path(__file__).resolve().parents[2]
STARTUP_TIMEOUT_SECONDS = 20


@dataclass(frozen=True)
class RunningEmulator:
    url: str
    secret_id: str
    secret_key: str
    client: EmulatorClient


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_until_healthy(process: subprocess.Popen, client: EmulatorClient, log) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
    while not client.health():
        if process.poll() is not None or time.monotonic() > deadline:
            log.seek(0)
            raise RuntimeError(f"The Tencent SMS emulator did not start:\n{log.read().decode(errors='replace')}")
        time.sleep(0.1)


@pytest.fixture(scope="session")
def tencent_sms_emulator_process():
    """One emulator process for the whole session; use `tencent_sms_emulator`, which also resets it."""
    port = _free_port()
    secret_id, secret_key = "AKIDtest", secrets.token_urlsafe(24)
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            [sys.executable, "manage.py", "tencent_sms_emulator", "--port", str(port),
             "--credential", f"{secret_id}={secret_key}"],
            cwd=PROJECT_DIR,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            url = f"http://127.0.0.1:{port}"
            client = EmulatorClient(url)
            _wait_until_healthy(process, client, log)
            yield RunningEmulator(url=url, secret_id=secret_id, secret_key=secret_key, client=client)
        finally:
            process.terminate()
            process.wait(timeout=10)


@pytest.fixture
def tencent_sms_emulator(tencent_sms_emulator_process, settings):
    """A freshly reset emulator, with TENCENT_SMS_ENDPOINT pointing at it."""
    tencent_sms_emulator_process.client.reset()
    settings.TENCENT_SMS_ENDPOINT = tencent_sms_emulator_process.url
    return tencent_sms_emulator_process


@pytest.fixture
def tencent_config():
    """A complete Tencent connector config as an admin would enter it (credentials not accepted anywhere)."""
    return {
        "accessKeyId": "AKIDexample",
        "accessKeySecret": "example-secret-key-0000",
        "signName": "Postern",
        "region": "ap-guangzhou",
        "sdkAppId": "1400006666",
        "templates": [
            {"templateCode": "2001", "usageType": "Register"},
            {"templateCode": "2002", "usageType": "SignIn"},
            {"templateCode": "2003", "usageType": "ForgotPassword"},
            {"templateCode": "2004", "usageType": "Generic"},
        ],
    }


@pytest.fixture
def emulator_config(tencent_sms_emulator, tencent_config):
    """The Tencent config with credentials the running emulator accepts."""
    return {
        **tencent_config,
        "accessKeyId": tencent_sms_emulator.secret_id,
        "accessKeySecret": tencent_sms_emulator.secret_key,
    }
