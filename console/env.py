"""The one place that reads Postern's configuration from the environment."""
import ipaddress
import os
import secrets
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("POSTERN_DATA_DIR", BASE_DIR / "data"))


def _get(name, default=None):
    value = os.environ.get(name, "").strip()
    return value if value else default


def _flag(name, default=False):
    value = _get(name)
    if value is None:
        return default
    return value.lower() in ("1", "true", "yes", "on")


PRODUCTION = _flag("POSTERN_PRODUCTION")


def _persisted_secret(name, filename, generate):
    """A secret from the environment; outside production, generated once and kept in the data folder."""
    value = _get(name)
    if value:
        return value
    if PRODUCTION:
        raise ImproperlyConfigured(
            f"{name} is not set. In production mode (POSTERN_PRODUCTION=1) Postern refuses to start "
            f"without it; set {name} in the environment."
        )
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    path = DATA_DIR / filename
    if not path.exists():
        # Processes started together (make run's emulator, migrate, workers) may all get here: each writes its own
        # candidate and links it into place, which succeeds for exactly one; the others read the winner's file,
        # never a half-written one.
        candidate = DATA_DIR / f".{filename}.{os.getpid()}.{secrets.token_hex(4)}"
        fd = os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(generate())
        try:
            os.link(candidate, path)
        except FileExistsError:
            pass
        finally:
            candidate.unlink()
    return path.read_text().strip()


def _fernet_key():
    from cryptography.fernet import Fernet

    return Fernet.generate_key().decode()


PORT = int(_get("PORT", "8000"))
PUBLIC_URL = _get("POSTERN_PUBLIC_URL", f"http://127.0.0.1:{PORT}").rstrip("/")
DATABASE_URL = _get("DATABASE_URL", f"sqlite:///{DATA_DIR / 'postern.sqlite3'}")
REDIS_URL = _get("REDIS_URL")
SECRET_KEY = _persisted_secret("SECRET_KEY", "secret_key", lambda: secrets.token_urlsafe(50))
# Comma-separated Fernet keys; the first encrypts, all decrypt (see README, "Rotating the encryption key").
ENCRYPTION_KEYS = [
    k.strip()
    for k in _persisted_secret("POSTERN_ENCRYPTION_KEY", "encryption_key", _fernet_key).split(",")
    if k.strip()
]
CELERY_QUEUE = _get("POSTERN_CELERY_QUEUE", "postern")
TENCENT_SMS_ENDPOINT = _get("TENCENT_SMS_ENDPOINT")
SMS_PROVIDER_TIMEOUT = float(_get("POSTERN_SMS_PROVIDER_TIMEOUT", "10"))
SMS_SANDBOX_INBOX_URL = _get("POSTERN_SMS_SANDBOX_INBOX_URL")
SMS_RECEIPT_WINDOW_HOURS = float(_get("POSTERN_SMS_RECEIPT_WINDOW_HOURS", "24"))
SMS_RECEIPT_PULL_SECONDS = float(_get("POSTERN_SMS_RECEIPT_PULL_SECONDS", "30"))
ALLOWED_HOSTS = [h.strip() for h in _get("ALLOWED_HOSTS", "").split(",") if h.strip()]


def _networks(name):
    networks = []
    for item in (_get(name) or "").split(","):
        if item.strip():
            try:
                networks.append(ipaddress.ip_network(item.strip(), strict=False))
            except ValueError:
                raise ImproperlyConfigured(
                    f"{name}: {item.strip()!r} is not an IP address or CIDR (e.g. 10.0.0.0/8,192.168.1.7)."
                ) from None
    return tuple(networks)


# Peers whose X-Forwarded-For / X-Forwarded-Proto are believed (console.proxies); none: both headers ignored.
TRUSTED_PROXIES = _networks("POSTERN_TRUSTED_PROXIES")

# Webhooks (README "Webhooks"): seconds to wait before each retry, the receiver's timeout, the circuit breaker,
# how often beat sweeps deliveries, and private networks hooks may reach in production mode.
WEBHOOK_RETRY_SCHEDULE = tuple(float(s) for s in _get("POSTERN_WEBHOOK_RETRY_SCHEDULE",
                                                      "10,30,60,120,300,900,1800").split(",") if s.strip())
WEBHOOK_TIMEOUT = float(_get("POSTERN_WEBHOOK_TIMEOUT", "10"))
WEBHOOK_BREAKER_FAILURES = int(_get("POSTERN_WEBHOOK_BREAKER_FAILURES", "10"))
WEBHOOK_BREAKER_COOLDOWN_SECONDS = float(_get("POSTERN_WEBHOOK_BREAKER_COOLDOWN_SECONDS", "600"))
WEBHOOK_SWEEP_SECONDS = float(_get("POSTERN_WEBHOOK_SWEEP_SECONDS", "10"))
WEBHOOK_ALLOWED_NETWORKS = _networks("POSTERN_WEBHOOK_ALLOWED_NETWORKS")

# End-user activity rows older than this many days are deleted by a daily beat job (README "Configuration").
ACTIVITY_RETENTION_DAYS = int(_get("POSTERN_ACTIVITY_RETENTION_DAYS", "180"))
