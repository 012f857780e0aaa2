"""Django settings: wiring only; every value that varies comes from console.env."""
from datetime import timedelta

import dj_database_url
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.retry import Retry

from console import env
from console.redis_outage import GuardedConnection

BASE_DIR = env.BASE_DIR
DATA_DIR = env.DATA_DIR
SECRET_KEY = env.SECRET_KEY
DEBUG = False
PRODUCTION = env.PRODUCTION
PUBLIC_URL = env.PUBLIC_URL
ALLOWED_HOSTS = env.ALLOWED_HOSTS or ["127.0.0.1", "localhost", "[::1]", "testserver"]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "oauth2_provider",
    "console.accounts",
    "console.tenants",
    "console.applications",
    "console.audit",
    "console.users",
    "console.oidc",
    "connectors",
    "signin_experience",
    "demo",
    "management_api",
    "webhooks",
    "ninja",
]

MIDDLEWARE = [
    # First: the client address and scheme every layer below sees (POSTERN_TRUSTED_PROXIES).
    "console.proxies.TrustedProxyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Before anything reads the request: NUL characters get a 400, never a query (PostgreSQL refuses them).
    "console.input_guard.RefuseNulMiddleware",
    # OIDC API endpoints (JSON, no cookies, no static files, no events) skip the layers below; see the module.
    "console.oidc.middleware.OidcApiMiddleware",
    # The request a change was made in, for the webhook payloads that describe it (console.request_context).
    "console.request_context.RequestContextMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Management API paths answer JSON even for a route or method the API does not have.
    "management_api.middleware.ApiJsonErrorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # A view that meets a Redis or database outage answers 503 "try again" instead of a 500.
    "console.unavailable.ServiceUnavailableMiddleware",
]

ROOT_URLCONF = "console.urls"
WSGI_APPLICATION = "console.wsgi.application"
# OIDC endpoints must never redirect to themselves; console URLs are written without trailing slashes.
APPEND_SLASH = False

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "console.context_processors.console",
                "connectors.context_processors.sms_budget",
            ],
        },
    },
]

# Persistent connections, checked before reuse (without it the first request of each worker after a database
# restart is a 500); console.pg checks without a round trip while the connection is quiet.
DATABASES = {"default": dj_database_url.parse(env.DATABASE_URL, conn_max_age=600, conn_health_checks=True)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["ENGINE"] = "console.pg"
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    # WAL: readers never wait for the writer (parallel token requests, a live test server's threads). NORMAL
    # synchronisation, SQLite's advice for WAL: a commit no longer waits for the disk (the database stays intact
    # on a power cut; the last commits before it may be lost).
    DATABASES["default"]["OPTIONS"] = {"timeout": 20, "transaction_mode": "IMMEDIATE",
                                       "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"}
    # A test database in a file, not in memory, so a live server's threads and the test share it.
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test.sqlite3")}
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.REDIS_URL
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "console.cache.RedisCache",
            "LOCATION": REDIS_URL,
            # Hung or gone, Redis costs one second (no retry on a timeout), then nothing for a moment
            # (console.redis_outage); a connection broken by a Redis restart is retried once on a new one.
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1,
                        "connection_class": GuardedConnection,
                        "retry": Retry(NoBackoff(), 1), "retry_on_error": [RedisConnectionError]},
        }
    }
else:
    # Embedded default: the database is the shared store, so several processes still agree.
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "postern_cache"}}
# Sessions live in the database even with Redis: a Redis outage must not sign everyone out or break every page.
SESSION_ENGINE = "django.contrib.sessions.backends.db"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["console.accounts.backends.ConsoleAdminBackend"]
LOGIN_URL = "accounts:login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("zh-hans", "简体中文")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "staticfiles"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
WHITENOISE_USE_FINDERS = True

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 14 * 24 * 3600
CSRF_COOKIE_SAMESITE = "Lax"
# Nothing is framed except the sign-in preview, which says so itself (@xframe_options_sameorigin).
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
TRUSTED_PROXIES = env.TRUSTED_PROXIES
if TRUSTED_PROXIES:
    # console.proxies drops this header unless a trusted proxy sent the request.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    CSRF_TRUSTED_ORIGINS = [PUBLIC_URL]
    # TLS ends at the proxy; redirecting http→https here would make OIDC endpoints redirect to themselves.
    SECURE_SSL_REDIRECT = False
    # http redirect URIs: Postern's own rule book (console/applications/redirect_uris.py) allows them only where
    # they belong (loopback for native apps, http://localhost while developing an SPA), per app type.
    SILENCED_SYSTEM_CHECKS = ["security.W008", "oauth2_provider.W008"]

OAUTH2_PROVIDER_APPLICATION_MODEL = "applications.Application"
OAUTH2_PROVIDER = {
    "OIDC_ENABLED": True,
    "PKCE_REQUIRED": True,
    "ACCESS_TOKEN_EXPIRE_SECONDS": 3600,
    "ID_TOKEN_EXPIRE_SECONDS": 3600,
    "AUTHORIZATION_CODE_EXPIRE_SECONDS": 60,
    "REFRESH_TOKEN_EXPIRE_SECONDS": 14 * 24 * 3600,
    "ROTATE_REFRESH_TOKEN": True,
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    "REFRESH_TOKEN_GRACE_PERIOD_SECONDS": 0,
    "OAUTH2_VALIDATOR_CLASS": "console.oidc.validators.TenantValidator",
    "SCOPES": {
        "openid": "OpenID Connect",
        "profile": "Profile",
        "email": "Email",
        "phone": "Phone",
        "offline_access": "Offline access",
    },
    "DEFAULT_SCOPES": ["openid"],
    "ALLOWED_REDIRECT_URI_SCHEMES": ["http", "https"],
    # RFC 9700 (OAuth 2.0 Security BCP): no implicit or password grant, no PKCE "plain", no access token in a
    # URL, `iss` in authorization responses, only token checksums stored at rest.
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,
    "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,
}

CELERY_BROKER_URL = REDIS_URL or "filesystem://"
# Longer than a task holds its message: its hard time limit (2 × the provider timeout + 10 s, connectors.tasks)
# plus the longest retry countdown (16 s).
BROKER_VISIBILITY_TIMEOUT_SECONDS = int(2 * env.SMS_PROVIDER_TIMEOUT + 40)
if not REDIS_URL:
    _queue_dir = DATA_DIR / "broker"
    for _sub in ("out", "processed", "control"):
        (_queue_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue_dir / "out"),
        "data_folder_out": str(_queue_dir / "out"),
        "processed_folder": str(_queue_dir / "processed"),
        "control_folder": str(_queue_dir / "control"),
        "store_processed": False,
    }
else:
    # A publish (the web processes) fails within about a second when Redis is down or hung: no retry, 1 s
    # timeouts; the caller answers 503 "try again". Messages a killed worker had taken come back to the queue after
    # the visibility timeout (delivery is at most once either way: connectors.services.sms_deliver).
    CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 1, "socket_timeout": 1, "max_retries": 0,
                                       "visibility_timeout": BROKER_VISIBILITY_TIMEOUT_SECONDS,
                                       "unacked_restore_interval": 5, "unacked_restore_throttle": 1}
CELERY_BROKER_CONNECTION_TIMEOUT = 1
# A worker outlives a broker outage: it retries its connection for ever and resumes when Redis is back.
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_DEFAULT_QUEUE = env.CELERY_QUEUE
# Celery beat (run inside the worker by `make run`; run one `celery beat` per deployment when scaling out).
CELERY_BEAT_SCHEDULE = {
    "sweep-stuck-sms": {"task": "connectors.sweep_stuck_sms", "schedule": 60.0},
    "pull-sms-receipts": {"task": "connectors.pull_sms_receipts", "schedule": env.SMS_RECEIPT_PULL_SECONDS},
    "expire-sms-receipts": {"task": "connectors.expire_sms_receipts", "schedule": 300.0},
    "clear-expired-tokens": {"task": "oidc.clear_expired_tokens", "schedule": 300.0},
    "sweep-webhook-deliveries": {"task": "webhooks.sweep_deliveries", "schedule": env.WEBHOOK_SWEEP_SECONDS},
    "expire-activity": {"task": "audit.expire_activity", "schedule": 3600.0},
}
ACTIVITY_RETENTION_DAYS = env.ACTIVITY_RETENTION_DAYS
# Celery's Django fixup otherwise reconnects to the database around every task; tasks that touch the database
# check their connection first instead, as Django does per request (connectors.tasks: close_old_connections).
CELERY_DB_REUSE_MAX = 1000
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]

TENCENT_SMS_ENDPOINT = env.TENCENT_SMS_ENDPOINT
# Seconds the SMS provider's HTTP client waits to connect and, separately, to read the answer.
SMS_PROVIDER_TIMEOUT = env.SMS_PROVIDER_TIMEOUT
SMS_SANDBOX_INBOX_URL = env.SMS_SANDBOX_INBOX_URL
# A SENT message with no delivery receipt after this long is marked EXPIRED ("no receipt").
SMS_RECEIPT_WINDOW = timedelta(hours=env.SMS_RECEIPT_WINDOW_HOURS)
SMS_RECEIPT_PULL_SECONDS = env.SMS_RECEIPT_PULL_SECONDS
ENCRYPTION_KEYS = env.ENCRYPTION_KEYS
# Webhook delivery (webhooks.delivery, README "Webhooks"): seconds before each retry, the receiver's timeout,
# failed attempts in a row that pause a hook and for how long, private networks allowed in production mode.
WEBHOOK_RETRY_SCHEDULE = env.WEBHOOK_RETRY_SCHEDULE
WEBHOOK_TIMEOUT = env.WEBHOOK_TIMEOUT
WEBHOOK_BREAKER_FAILURES = env.WEBHOOK_BREAKER_FAILURES
WEBHOOK_BREAKER_COOLDOWN_SECONDS = env.WEBHOOK_BREAKER_COOLDOWN_SECONDS
WEBHOOK_ALLOWED_NETWORKS = env.WEBHOOK_ALLOWED_NETWORKS

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": "INFO"},
    "loggers": {
        # At DEBUG the Tencent SDK logs whole requests, verification codes included.
        "tencentcloud_sdk_common": {"level": "WARNING"},
        "django.request": {"level": "ERROR"},
    },
}
