"""Django settings for Netralitas.

Everything that differs between a laptop and production comes from the
environment (see README, "Konfigurasi"). With no variables set, the app runs on
an SQLite file in ``data/`` — which is what ``make run`` uses.
"""

import os
import re
import warnings
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from cryptography.utils import CryptographyDeprecationWarning
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from netralitas.lib import devkey
from netralitas.lib.cache import cache_settings
from netralitas.lib.env import env_bool, env_int, env_list, env_str

# pyHanko 0.38 (and certomancer, in the tests) import cryptography's DSA key types, which
# cryptography 51 deprecated: every process that imports pyHanko — each command, worker
# and gunicorn worker, all of which load these settings first — printed the warning. We
# never use DSA; silenced for those two importers only, so a DSA use of ours still warns.
# (pytest resets filters around collection: the same filter is in pyproject.toml.)
warnings.filterwarnings(
    "ignore",
    message="DSA is deprecated",
    category=CryptographyDeprecationWarning,
    module=r"(pyhanko|certomancer)\.",
)

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(env_str("NETRALITAS_DATA_DIR", str(BASE_DIR / "data")))

DEBUG = env_bool("DEBUG", False)
# Production sets SECRET_KEY. A checkout that `make run` set up keeps a development key in
# the data folder, which every command typed there uses too (netralitas.lib.devkey); where
# no such file exists, nothing starts without SECRET_KEY — unless DEBUG=1.
_dev_key = None if "SECRET_KEY" in os.environ else devkey.read(DATA_DIR)
SECRET_KEY_FROM_DEV_FILE = _dev_key is not None  # `check --deploy` refuses it (netralitas.checks)
SECRET_KEY = env_str("SECRET_KEY", _dev_key or ("dev-only-insecure-key-do-not-use-in-production" if DEBUG else None))
# `make run` (its development key) or DEBUG: advice may name development tools (e.g. a
# development seal certificate); anywhere else it names what production sets.
DEVELOPMENT_SETUP = DEBUG or SECRET_KEY_FROM_DEV_FILE
# The address printed on QR codes and PDFs: the public verification page and the
# apel link must work from a phone, so this is the host users reach, not localhost.
# `make run` sets it from HOST and PORT (bin/run-dev, netralitas.lib.address).
PUBLIC_BASE_URL = env_str("PUBLIC_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
# By default the public address's host is served too, besides the machine itself.
ALLOWED_HOSTS = env_list(
    "ALLOWED_HOSTS", dict.fromkeys(["127.0.0.1", "localhost", urlsplit(PUBLIC_BASE_URL).hostname or "127.0.0.1"])
)
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "import_export",
    "django_tasks",
    # Before django_tasks_db: its db_worker command (heartbeat, reclaim) replaces the original.
    "jobs",
    "jobs.apps.TasksDatabaseConfig",  # django_tasks_db, with an Indonesian admin section
    "csp",
    "netralitas",
    "roster",
    "ceremonies",
    "pledges",
    "audit",
    "inspektorat",
    "privacy",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI's files, vendored: nothing from a CDN
    "api",
    "webhooks",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "roster.middleware.AgencyTimezoneMiddleware",
    "roster.middleware.KnownBrowserMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_ratelimit.middleware.RatelimitMiddleware",
]

ROOT_URLCONF = "netralitas.urls"
WSGI_APPLICATION = "netralitas.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ],
        },
    },
]

# DATABASE_URL goes through a pooler in transaction mode (PgBouncer): see below.
DATABASE_TRANSACTION_POOLING = env_bool("DATABASE_TRANSACTION_POOLING", False)
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{DATA_DIR / 'netralitas.sqlite3'}"),
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Django's SQLite backend with table rebuilds that keep the immutability guards.
    DATABASES["default"]["ENGINE"] = "netralitas.lib.sqlite"
    # WAL lets the signing requests and the PDF worker write without blocking readers;
    # IMMEDIATE transactions make concurrent writers queue instead of failing.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
elif DATABASE_TRANSACTION_POOLING:
    # Behind a pooler in transaction mode (PgBouncer) a server connection is someone
    # else's after each transaction: no server-side cursors, no prepared statements
    # (Django's default keeps psycopg from preparing), nothing set on the session.
    # Large reads go a chunk per query (netralitas.lib.chunks); backup and restore
    # refuse to run through the pooler (pledges.backup).
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
else:
    # Parameters sent apart from the SQL, and a statement run five times on a
    # connection prepared there (psycopg's automatic prepared statements): the signing
    # request's lookup joins seven tables, and planning it cost PostgreSQL more than
    # running it (docs/performance.md, "Prepared statements").
    DATABASES["default"].setdefault("OPTIONS", {}).update(server_side_binding=True, prepare_threshold=5)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The limits' counters: Redis shared by every process, falling back to each process's
# memory while Redis does not answer (netralitas.lib.cache).
CACHES = cache_settings(env_str("REDIS_URL", ""))

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "roster:home"
LOGOUT_REDIRECT_URL = "login"

# Staff sign-in with the agency's OpenID Connect provider (roster.oidc, roster.sso; README,
# "Masuk dengan SSO"). Off without OIDC_ISSUER: nothing changes. The provider's endpoints
# and keys come from its discovery document, fetched on the first SSO sign-in, not here.
OIDC_ISSUER = env_str("OIDC_ISSUER", "")
OIDC_CLIENT_ID = env_str("OIDC_CLIENT_ID", "")
OIDC_CLIENT_SECRET = env_str("OIDC_CLIENT_SECRET", "")
OIDC_MATCH = env_str("OIDC_MATCH", "username")  # "username" (preferred_username) or "email"
OIDC_ROLES_CLAIM = env_str("OIDC_ROLES_CLAIM", "")  # with OIDC_AGENCY_CLAIM: staff created from claims
OIDC_AGENCY_CLAIM = env_str("OIDC_AGENCY_CLAIM", "")
OIDC_TIMEOUT = env_int("OIDC_TIMEOUT", 10)
_issuer = urlsplit(OIDC_ISSUER)
if OIDC_ISSUER and not (
    _issuer.scheme == "https" or (_issuer.scheme == "http" and _issuer.hostname in ("127.0.0.1", "localhost", "::1"))
):
    raise ImproperlyConfigured("OIDC_ISSUER must be an https:// address (http:// only on this machine, for tests).")
if OIDC_ISSUER and not OIDC_CLIENT_ID:
    raise ImproperlyConfigured("OIDC_ISSUER is set: OIDC_CLIENT_ID is required too.")
if OIDC_MATCH not in ("username", "email"):
    raise ImproperlyConfigured(f"OIDC_MATCH must be 'username' or 'email', not {OIDC_MATCH!r}.")
if bool(OIDC_ROLES_CLAIM) != bool(OIDC_AGENCY_CLAIM):
    raise ImproperlyConfigured("Creating staff from claims needs both OIDC_ROLES_CLAIM and OIDC_AGENCY_CLAIM.")
# PASSWORD_LOGIN=0: staff sign in through SSO only; superusers keep the admin's password
# sign-in at /admin/ as the break-glass way in (roster.accounts).
PASSWORD_LOGIN = env_bool("PASSWORD_LOGIN", True)
if not PASSWORD_LOGIN and not OIDC_ISSUER:
    raise ImproperlyConfigured("PASSWORD_LOGIN=0 needs OIDC_ISSUER: staff would have no way to sign in.")

LANGUAGE_CODE = "id"
LANGUAGES = [("id", _("Bahasa Indonesia")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Jakarta"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(DATA_DIR / "media")))
MEDIA_URL = "media/"
STORAGES = {
    # Private files (signed PDFs, archival timestamps, job files, kept uploads, logos):
    # never served directly, only through views that check access.
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# Object storage (S3, MinIO, Ceph) instead of the local disk, for several nodes: set the
# bucket. django-storages reads these names; objects stay private (no ACL, no public URL):
# every download is streamed through the view that checks access and records it.
AWS_STORAGE_BUCKET_NAME = env_str("AWS_STORAGE_BUCKET_NAME", "")
if AWS_STORAGE_BUCKET_NAME:
    STORAGES["default"] = {"BACKEND": "storages.backends.s3.S3Storage"}
    AWS_S3_ENDPOINT_URL = env_str("AWS_S3_ENDPOINT_URL", "") or None
    AWS_S3_REGION_NAME = env_str("AWS_S3_REGION_NAME", "") or None
    AWS_ACCESS_KEY_ID = env_str("AWS_ACCESS_KEY_ID", "") or None
    AWS_SECRET_ACCESS_KEY = env_str("AWS_SECRET_ACCESS_KEY", "") or None
    AWS_LOCATION = env_str("AWS_LOCATION", "")  # a folder in a shared bucket, if any
    # MinIO and Ceph answer at one address, the bucket in the path.
    AWS_S3_ADDRESSING_STYLE = "path" if AWS_S3_ENDPOINT_URL else None
    AWS_DEFAULT_ACL = None
    AWS_QUERYSTRING_AUTH = True
    AWS_S3_FILE_OVERWRITE = False  # a pact's name is never reused for other bytes
# Without `collectstatic` (tests, a fresh checkout) fall back to unhashed names.
WHITENOISE_MANIFEST_STRICT = False

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Formula escaping is ours (netralitas.lib.spreadsheet): the built-in one only strips "=".
IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT = False
IMPORT_EXPORT_SKIP_ADMIN_LOG = True

TASKS = {
    "default": {
        "BACKEND": env_str("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        # "default": the signed pact PDFs; "jobs": imports, printables, recaps, exports.
        "QUEUES": ["default", "jobs"],
    }
}
# A worker beats every lease/6 seconds; a task whose worker has not beaten for a lease
# is queued again (up to TASKS_MAX_ATTEMPTS claims in all), then marked failed.
TASKS_LEASE_SECONDS = env_int("TASKS_LEASE_SECONDS", 60)
TASKS_RECLAIM_EVERY = env_int("TASKS_RECLAIM_EVERY", 15)
TASKS_MAX_ATTEMPTS = env_int("TASKS_MAX_ATTEMPTS", 3)
# Webhooks (webhooks/): an endpoint on a loopback address only when this says so
# (tests, a receiver on the same machine); elsewhere HTTPS.
WEBHOOK_ALLOW_LOOPBACK = env_bool("WEBHOOK_ALLOW_LOOPBACK", False)
WEBHOOK_CONNECT_TIMEOUT = env_int("WEBHOOK_CONNECT_TIMEOUT", 3)
WEBHOOK_TIMEOUT = env_int("WEBHOOK_TIMEOUT", 10)
WEBHOOK_CONCURRENCY = env_int("WEBHOOK_CONCURRENCY", 16)
WEBHOOK_BATCH = env_int("WEBHOOK_BATCH", 200)
# Seconds between tries after the 1st, 2nd, … failure: 14 tries over ~24 hours, then failed.
_WEBHOOK_RETRY_DELAYS = "5,10,30,60,120,300,900,1800,3600,7200,14400,28800,28800"
WEBHOOK_RETRY_DELAYS = [int(delay) for delay in env_list("WEBHOOK_RETRY_DELAYS", _WEBHOOK_RETRY_DELAYS.split(","))]
# An endpoint is paused after this many deliveries in a row failed for good, or when
# nothing reached it for this many hours.
WEBHOOK_PAUSE_AFTER_FAILURES = env_int("WEBHOOK_PAUSE_AFTER_FAILURES", 3)
WEBHOOK_PAUSE_AFTER_HOURS = env_int("WEBHOOK_PAUSE_AFTER_HOURS", 24)
# manage.py cleanup_webhooks deletes events (and their deliveries) older than this.
WEBHOOK_KEEP_DAYS = env_int("WEBHOOK_KEEP_DAYS", 30)
WEBHOOK_LEASE_SECONDS = 120  # a claimed delivery is tried again after this if its worker died
WEBHOOK_RUN_SECONDS = 30  # one task delivers for this long, then hands on to the next
WEBHOOK_KICK_SECONDS = 1  # after an event commits, a task starts within this (one queued per process per interval)
WEBHOOK_SUBSCRIPTIONS_SECONDS = 10  # how long a process keeps who subscribes to what
# Files made by background jobs (exports, printables, recaps) are kept this many days.
JOB_FILES_DAYS = env_int("JOB_FILES_DAYS", 7)
# Roster uploads: refused at once above these, before any parsing.
ROSTER_MAX_MB = env_int("ROSTER_MAX_MB", 15)
ROSTER_MAX_ROWS = env_int("ROSTER_MAX_ROWS", 100_000)

# The read API (``api``): tokens' default lifetime, and how often one token may ask
# (DRF's "N/s|min|hour|day", counted per token in the shared cache).
API_TOKEN_DAYS = env_int("API_TOKEN_DAYS", 90)
API_RATE_LIMIT = env_str("API_RATE_LIMIT", "600/min")
if not re.fullmatch(r"[1-9][0-9]{0,6}/(s|sec|second|m|min|minute|h|hour|d|day)", API_RATE_LIMIT):
    raise ImproperlyConfigured("API_RATE_LIMIT must be like 600/min (a number, then /s, /min, /hour or /day)")
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["api.authentication.BearerTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["api.permissions.ReadWithToken"],
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.TokenRateThrottle"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.errors.handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "API Netralitas",
    "DESCRIPTION": (
        "API baca untuk sistem instansi: apel dan kemajuannya per unit, undangan dengan status tanda tangan, "
        "tanda tangan, PDF pakta yang disegel, dan berkas rekap. Token: header `Authorization: Bearer <token>` "
        "(dibuat di admin atau dengan `manage.py create_api_token`). Daftar memakai kursor: ikuti `next`."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PUBLIC": True,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # The page documents, it sends nothing: a client with a token uses its own tools.
    "SWAGGER_UI_SETTINGS": {"validatorUrl": None, "supportedSubmitMethods": []},
}

# Shortcuts around libraries' private insides (``*_pinned`` modules; each falls back to
# the library's public path by itself on any error). 0 takes the public paths
# everywhere: after an upgrade, or to measure what a shortcut buys.
SHORTCUTS_AROUND_LIBRARIES = env_bool("SHORTCUTS_AROUND_LIBRARIES", True)

# Signing links and the apel form are public: keep a client from guessing codes.
RATELIMIT_VIEW = "netralitas.views.ratelimited"
RATELIMIT_ENABLE = env_bool("RATELIMIT_ENABLE", True)
# Behind a reverse proxy that appends the client to X-Forwarded-For, set TRUSTED_PROXY=1.
TRUSTED_PROXY = env_bool("TRUSTED_PROXY", False)
# /healthz/status (netralitas.monitoring) answers loopback, and with this token anyone
# who sends it as "Authorization: Bearer …".
MONITORING_TOKEN = env_str("MONITORING_TOKEN", "")
if MONITORING_TOKEN and len(MONITORING_TOKEN) < 32:
    raise ImproperlyConfigured(
        "MONITORING_TOKEN must be at least 32 characters: python -c 'import secrets; print(secrets.token_urlsafe(32))'"
    )
RATELIMIT_IP_META_KEY = "netralitas.lib.http.ratelimit_ip"

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
        # The WhatsApp reminder is a form that records, then redirects to wa.me (which
        # goes on to api.whatsapp.com): a browser checks form-action on each redirect.
        "form-action": [SELF, "https://wa.me", "https://api.whatsapp.com"],
    }
}

CSRF_FAILURE_VIEW = "netralitas.views.csrf_failure"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
# Behind the TLS proxy (README, "Produksi") every page is HTTPS: the app redirects a
# plain-HTTP request itself (whatever the proxy does) and tells browsers to use
# HTTPS only (HSTS, one year, subdomains too). The health check stays reachable
# over plain HTTP for the load balancer. HSTS preload is a commitment to the
# browsers' built-in list, for the agency to make for its domain: off unless
# SECURE_HSTS_PRELOAD=1, and Django's reminder about it (security.W021) silenced.
BEHIND_TLS_PROXY = env_bool("BEHIND_TLS_PROXY", False)
if BEHIND_TLS_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", BEHIND_TLS_PROXY)
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^healthz/status$"]
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 365 * 24 * 3600 if BEHIND_TLS_PROXY else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]

# Mail (password reset). Without EMAIL_HOST the server sends no mail and the
# password reset is not offered (an administrator sets passwords in the admin).
EMAIL_HOST = env_str("EMAIL_HOST", "")
EMAIL_PORT = env_int("EMAIL_PORT", 587)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", EMAIL_PORT == 465)
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", EMAIL_PORT == 587 and not EMAIL_USE_SSL)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 15)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Netralitas <netralitas@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
PASSWORD_RESET_ENABLED = bool(EMAIL_HOST)

# Agency signing certificates for the PAdES seal. In production each agency's
# PKCS#12 is read from a path with its password in the environment (README).
SIGNING_KEYS_DIR = Path(env_str("SIGNING_KEYS_DIR", str(DATA_DIR / "keys")))
# Extra root certificates (PEM or DER files, comma-separated) for a seal's chain when the
# agency's PKCS#12 does not carry its root, e.g. BSrE's root CA.
SIGNING_TRUST_ROOTS = env_list("SIGNING_TRUST_ROOTS")
# RFC 3161 time-stamping authority (for Indonesian agencies BSrE/BSSN's). With a URL the
# seal is PAdES B-LT (signature timestamp, chain and revocation data embedded); without,
# B-B. Credentials for HTTP basic authentication; the timeout also bounds OCSP/CRL fetches.
TSA_URL = env_str("TSA_URL", "")
TSA_USERNAME = env_str("TSA_USERNAME", "")
TSA_PASSWORD = env_str("TSA_PASSWORD", "")
TSA_TIMEOUT = env_int("TSA_TIMEOUT", 10)

# BSrE's Esign Client Service, for agencies that seal through it (Agency.seal_service):
# the key stays with BSrE; the worker sends the pact PDFs in batches and checks what
# comes back against BSRE_TRUST_ROOTS (PEM files, comma-separated) before storing it.
# README, "Segel BSrE". The rolling one-time code lives in the database, encrypted.
BSRE_URL = env_str("BSRE_URL", "").rstrip("/")
BSRE_USERNAME = env_str("BSRE_USERNAME", "")
BSRE_PASSWORD = env_str("BSRE_PASSWORD", "")
BSRE_TRUST_ROOTS = env_list("BSRE_TRUST_ROOTS")
BSRE_BATCH = env_int("BSRE_BATCH", 10)  # files per call
BSRE_CONCURRENCY = env_int("BSRE_CONCURRENCY", 4)  # calls in flight per worker
BSRE_TIMEOUT = env_int("BSRE_TIMEOUT", 60)  # seconds to wait for one call's answer
BSRE_REFRESH_BEFORE = env_int("BSRE_REFRESH_BEFORE", 60)  # refresh the code with less than this left

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        # A 403 or 400 is the client's doing, not a bug: one line, no traceback.
        "client_errors_on_one_line": {"()": "netralitas.lib.logs.ClientErrorsOnOneLine"},
        # Personal link tokens, apel tokens, job ids and codes in URLs: never in full.
        "redact_secrets": {"()": "netralitas.lib.logs.RedactSecrets"},
    },
    "formatters": {
        "django.server": {"()": "django.utils.log.ServerFormatter", "format": "[{server_time}] {message}", "style": "{"}
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["client_errors_on_one_line", "redact_secrets"]},
        # The development server's request lines (``make run``), as Django writes them.
        "django.server": {
            "class": "logging.StreamHandler",
            "formatter": "django.server",
            "filters": ["redact_secrets"],
        },
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        # Everything of Django's goes through the console handler above (Django's own
        # default handlers would write it once more, unredacted, with DEBUG on).
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        "django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False},
        # WeasyPrint and fontTools are chatty at INFO about every font subset.
        "weasyprint": {"level": "ERROR"},
        "fontTools": {"level": "ERROR"},
        # pyHanko logs every OCSP/CRL fetch of every seal at INFO.
        "pyhanko": {"level": "WARNING"},
        "pyhanko_certvalidator": {"level": "WARNING"},
        # Webhook deliveries: urllib3 names every address it connects to at DEBUG.
        "urllib3": {"level": "WARNING"},
    },
}
