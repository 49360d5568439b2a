"""Settings, every one read from the environment with a safe default for development.

The embedded default (no environment at all) is SQLite, the local vault under ``var/``,
local-memory cache and Celery in eager mode. Setting ``REDIS_URL`` switches the cache and the
Celery broker to Redis; ``DATABASE_URL`` picks the database.
"""

from __future__ import annotations

from pathlib import Path

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from core.hosts import AllowedHosts

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
# Development keeps working with no configuration; production (DEBUG off) must bring its key.
_DEV_SECRET_KEY = "dev-insecure-streamvault-key-do-not-use-in-production"
SECRET_KEY = env.str("SECRET_KEY", default=_DEV_SECRET_KEY if DEBUG else "")
if not SECRET_KEY:
    raise ImproperlyConfigured(
        "SECRET_KEY is not set. Set SECRET_KEY in the environment, or DEBUG=true for development."
    )

# The operator's hosts; the tenants' domains are added at run time (core.hosts, tenants.resolve).
ALLOWED_HOSTS = AllowedHosts(
    env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
CSRF_FAILURE_VIEW = "streamvault.errors.csrf_failure"  # JSON under /api/

# HTTPS deployments (docs/deploy in the README): nginx terminates TLS and says so in
# X-Forwarded-Proto; then cookies are secure and HSTS tells browsers to stay on HTTPS.
if env.bool("SECURE_PROXY_SSL", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
# The OpenAPI schema and Swagger UI: public (the default, for client authors) or staff-only.
API_DOCS_PUBLIC = env.bool("API_DOCS_PUBLIC", default=True)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    # Ours, bottom layer first (docs/architecture.md; the order is also the admin's order).
    "core",
    "catalog",
    "accounts",
    "jobs",
    "vault",
    "swarm",
    "ingest",
    "medic",
    "community",
    "live",
    "tenants",
    "bot",
    "demo",
    "web",
    "csp",
]

MIDDLEWARE = [
    # First: the host's tenant (and, through ALLOWED_HOSTS, its domains) before anything
    # checks the host.
    "tenants.middleware.TenantMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
]

# The site's pages (web/) load only their own scripts and styles: no inline script or style,
# nothing framed, frames of us refused. The admin and the API keep Django's own headers.
CONTENT_SECURITY_POLICY = {
    "EXCLUDE_URL_PREFIXES": ["/admin/", "/api/"],
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, "https://telegram.org"],  # the Login Widget's script
        "frame-src": ["https://oauth.telegram.org"],  # … and its button
        "style-src": [SELF],
        "img-src": [SELF, "data:", "https:"],
        "media-src": [SELF, "blob:"],
        "connect-src": [SELF],
        "font-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

ROOT_URLCONF = "streamvault.urls"
WSGI_APPLICATION = "streamvault.wsgi.application"
ASGI_APPLICATION = "streamvault.asgi.application"

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
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # The embedded default: the site, nginx-rtmp's callbacks and management commands share one
    # file. WAL lets readers and a writer overlap; IMMEDIATE takes the write lock when a
    # transaction starts (a deferred one fails at once, whatever the timeout, when it must
    # upgrade its lock while another process writes); the timeout waits for that lock.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 30,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            # Redis, with an in-process fallback while it is unreachable (core/cache.py).
            "BACKEND": "core.cache.FallbackRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="sv"),
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Redis client behaviour (core/redis.py): short socket timeouts, so a frozen Redis never hangs
# a request; after a failure, REDIS_RETRY_SECONDS of in-process fallback before trying again.
REDIS_SOCKET_TIMEOUT = env.float("REDIS_SOCKET_TIMEOUT", default=0.25)
REDIS_RETRY_SECONDS = env.float("REDIS_RETRY_SECONDS", default=5.0)
REDIS_FALLBACK_TTL = env.int("REDIS_FALLBACK_TTL", default=30)

# Celery: eager without Redis so the embedded default runs with no broker at all.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or "memory://")
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=REDIS_URL or None)
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
# Sending a task must not hang a request when the broker is down: a short timeout and no
# publish retries; the durable rows (jobs, reports, repairs, takedowns) are swept and re-sent.
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_timeout": 1.0, "socket_connect_timeout": 1.0}
CELERY_TASK_PUBLISH_RETRY = False
# A worker whose broker went away waits for it however long it takes (Celery's default gives
# up after 100 tries and exits); beat and the workers reconnect by themselves.
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
# Static files live in the apps (web/static/); WhiteNoise serves them. Without collectstatic
# (a test server, a quick try) it can serve them from the apps' folders directly.
WHITENOISE_USE_FINDERS = env.bool("WHITENOISE_USE_FINDERS", default=DEBUG)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

VAULT_DIR = env.path("VAULT_DIR", default=BASE_DIR / "var" / "vault")
# Storage backends (docs/vault.md): name → class. A row names its backend, so a library can mix
# them; new objects go to VAULT_DEFAULT_BACKEND. "telegram" is the swarm's (worker accounts).
VAULT_BACKENDS = {
    "local": "vault.backends.local.LocalBackend",
    "s3": "vault.backends.s3.S3Backend",
    "telegram": "swarm.vault_telegram.TelegramStorage",
    **env.dict("VAULT_EXTRA_BACKENDS", default={}),
}
VAULT_DEFAULT_BACKEND = env.str("VAULT_DEFAULT_BACKEND", default="local")
# S3-compatible object storage (AWS S3, Cloudflare R2, Backblaze B2, MinIO): the "s3" backend.
VAULT_S3_BUCKET = env.str("VAULT_S3_BUCKET", default="")
VAULT_S3_ENDPOINT_URL = env.str("VAULT_S3_ENDPOINT_URL", default="")  # empty: AWS
VAULT_S3_REGION = env.str("VAULT_S3_REGION", default="us-east-1")
VAULT_S3_ACCESS_KEY_ID = env.str("VAULT_S3_ACCESS_KEY_ID", default="")
VAULT_S3_SECRET_ACCESS_KEY = env.str("VAULT_S3_SECRET_ACCESS_KEY", default="")
VAULT_S3_PREFIX = env.str("VAULT_S3_PREFIX", default="objects/")

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "core.pagination.StrictPageNumberPagination",
    "PAGE_SIZE": 24,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "EXCEPTION_HANDLER": "streamvault.errors.api_exception_handler",
    # JSON in, JSON out: one body format the schema can describe exactly (a form body cannot
    # say "array" or "null", so the fuzzer's form bodies were silently read as empty objects).
    "DEFAULT_PARSER_CLASSES": ["core.json_parser.DepthLimitedJSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"]
    + (["rest_framework.renderers.BrowsableAPIRenderer"] if DEBUG else []),
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
}

SPECTACULAR_SETTINGS = {
    "TITLE": "StreamVault API",
    "DESCRIPTION": "Catalog, accounts and streaming API read by the StreamVault web frontend.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "streamvault.openapi.postprocess",
    ],
}

# Catalog behaviour
TITLE_CACHE_TIMEOUT = env.int("TITLE_CACHE_TIMEOUT", default=3600)
INTRO_MIN_VOTES = env.int("INTRO_MIN_VOTES", default=3)
INTRO_AGREE_SECONDS = env.int("INTRO_AGREE_SECONDS", default=5)
INTRO_MAX_SECONDS = env.int("INTRO_MAX_SECONDS", default=300)  # a longer "intro" is a mistake

if not DEBUG:
    SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=True)
    CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        # Django's default config gives "django" its own console handler too: log once, at root.
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        "django.db.backends": {"level": "WARNING"},
        # One line per finished task: useful in a worker's log, noise in scripts/dev.sh (eager).
        "celery.app.trace": {"level": env.str("CELERY_TRACE_LOG_LEVEL", default="INFO")},
        "pyrogram.crypto.aes": {"level": "WARNING"},
    },
}

# Signed stream URLs (accounts/signing.py): the same secret goes in nginx's secure_link_md5.
STREAM_SIGNING_SECRET = env.str("STREAM_SIGNING_SECRET", default=SECRET_KEY)
STREAM_BASE_URL = env.str("STREAM_BASE_URL", default="http://127.0.0.1:8000")
STREAM_URL_TTL = env.int("STREAM_URL_TTL", default=6 * 3600)
READ_URL_TTL = env.int("READ_URL_TTL", default=2 * 3600)  # signed manga page URLs

# Swarm (docs/swarm.md): Telegram accounts, durable jobs, ingestion, TMDB, mirrors.
# Worker session strings are Fernet-encrypted with the first key (the others still decrypt,
# for rotation); without one, a key is derived from SECRET_KEY.
SWARM_SESSION_KEYS = env.list("SWARM_SESSION_KEYS", default=[])
# The real gateway (kurigram) unless a test or scripts/dev.sh chooses the in-Redis fake.
TELEGRAM_GATEWAY = env.str("TELEGRAM_GATEWAY", default="pyrogram")  # pyrogram | fake
TELEGRAM_API_ID = env.int("TELEGRAM_API_ID", default=0)
TELEGRAM_API_HASH = env.str("TELEGRAM_API_HASH", default="")
TELEGRAM_BOT_TOKEN = env.str("TELEGRAM_BOT_TOKEN", default="")
# Tenants: how often a process checks whether the tenants changed (seconds).
TENANT_CHECK_SECONDS = env.float("TENANT_CHECK_SECONDS", default=1.0)
# Billing: days past next_bill_date a past_due tenant keeps serving before it is suspended.
TENANT_GRACE_DAYS = env.int("TENANT_GRACE_DAYS", default=7)
# Capacity tiers: each sets a tenant's stream requests per minute and concurrent streams.
TENANT_CAPACITY_TIERS = {
    "basic": {
        "rate_per_minute": env.int("TENANT_BASIC_RATE", default=600),
        "streams": env.int("TENANT_BASIC_STREAMS", default=50),
    },
    "plus": {
        "rate_per_minute": env.int("TENANT_PLUS_RATE", default=3000),
        "streams": env.int("TENANT_PLUS_STREAMS", default=250),
    },
    "pro": {
        "rate_per_minute": env.int("TENANT_PRO_RATE", default=12000),
        "streams": env.int("TENANT_PRO_STREAMS", default=1000),
    },
}
# Traffic stats: a web process sends its counts to Redis at most this often (seconds).
TENANT_TRAFFIC_FLUSH_SECONDS = env.float("TENANT_TRAFFIC_FLUSH_SECONDS", default=5.0)
# nginx's log of the bytes it served itself (X-Accel, secure_link): "$host $body_bytes_sent"
# lines (deploy/nginx); empty: not read.
TENANT_NGINX_BYTES_LOG = env.str("TENANT_NGINX_BYTES_LOG", default="")
# What one ad-link click earns (revenue-share tenants get their percentage of it).
AD_CLICK_VALUE = env.str("AD_CLICK_VALUE", default="0.0040")
# Comments (community)
COMMENT_MAX_LENGTH = env.int("COMMENT_MAX_LENGTH", default=2000)
COMMENT_MAX_LINKS = env.int("COMMENT_MAX_LINKS", default=2)  # more: held for moderation
COMMENT_EDIT_MINUTES = env.int("COMMENT_EDIT_MINUTES", default=15)
COMMENT_FLAGS_TO_HIDE = env.int("COMMENT_FLAGS_TO_HIDE", default=3)
COMMENT_RATE = env.str("COMMENT_RATE", default="10/min")  # per user
COMMENT_IP_RATE = env.str("COMMENT_IP_RATE", default="30/min")  # per client address
# Ad links (accounts.adlinks): free users' heavy downloads go through a URL shortener.
AD_LINK_PROVIDER = env.str("AD_LINK_PROVIDER", default="")  # "" (off) | gplinks
AD_LINK_API_URL = env.str("AD_LINK_API_URL", default="https://api.gplinks.com/api")
AD_LINK_API_KEY = env.str("AD_LINK_API_KEY", default="")
AD_LINK_MIN_BYTES = env.int("AD_LINK_MIN_BYTES", default=2 * 1024**3)
AD_LINK_GRACE_SECONDS = env.int("AD_LINK_GRACE_SECONDS", default=3 * 3600)
# The Manager bot (docs/bot.md): a button on a message older than this does nothing.
BOT_BUTTON_TTL = env.int("BOT_BUTTON_TTL", default=7 * 24 * 3600)
SWARM_LEASE_TTL = env.float("SWARM_LEASE_TTL", default=60.0)
SWARM_DEAD_AFTER_ERRORS = env.int("SWARM_DEAD_AFTER_ERRORS", default=10)
SWARM_FLOOD_REQUEUE_COUNTDOWN = env.int("SWARM_FLOOD_REQUEUE_COUNTDOWN", default=1)
# What one account may upload to Telegram (2000 MiB; 4000 MiB for a Premium account).
TELEGRAM_MAX_FILE_BYTES = env.int("TELEGRAM_MAX_FILE_BYTES", default=2000 * 1024 * 1024)
# How long a process without Telegram accounts waits for the telegram queue to upload or read
# for it (seconds; an upload of a 2 GiB file takes minutes).
SWARM_REMOTE_TIMEOUT = env.float("SWARM_REMOTE_TIMEOUT", default=1800.0)
SWARM_WORK_DIR = env.path("SWARM_WORK_DIR", default=BASE_DIR / "var" / "swarm")
SWARM_JOB_MAX_ATTEMPTS = env.int("SWARM_JOB_MAX_ATTEMPTS", default=5)
SWARM_JOB_HEARTBEAT_SECONDS = env.float("SWARM_JOB_HEARTBEAT_SECONDS", default=10.0)
SWARM_JOB_STALE_SECONDS = env.float("SWARM_JOB_STALE_SECONDS", default=90.0)
SWARM_JOB_BACKOFF_BASE = env.float("SWARM_JOB_BACKOFF_BASE", default=10.0)
SWARM_JOB_BACKOFF_MAX = env.float("SWARM_JOB_BACKOFF_MAX", default=1800.0)
LEECH_MAX_BYTES = env.int("LEECH_MAX_BYTES", default=8 * 1024**3)
LEECH_TIMEOUT = env.float("LEECH_TIMEOUT", default=30.0)
LEECH_PROXY = env.str("LEECH_PROXY", default="")  # socks5://user:pass@host:port
FORWARD_MAX_BYTES = env.int("FORWARD_MAX_BYTES", default=4 * 1024**3)
TMDB_API_KEY = env.str("TMDB_API_KEY", default="")
TMDB_BASE_URL = env.str("TMDB_BASE_URL", default="https://api.themoviedb.org/3")
TMDB_CACHE_SECONDS = env.int("TMDB_CACHE_SECONDS", default=7 * 24 * 3600)
TMDB_POSTER_SIZE = env.str("TMDB_POSTER_SIZE", default="w500")
TMDB_BACKDROP_SIZE = env.str("TMDB_BACKDROP_SIZE", default="w1280")
# [{"name", "upload_url", "api_key", "file_field", "url_field", "icon"}]
MIRROR_HOSTS = env.json("MIRROR_HOSTS", default=[])
MIRROR_MIN_BYTES = env.int("MIRROR_MIN_BYTES", default=200 * 1024**2)
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")
# Where seed_demo makes (once) and keeps the demo library's media files.
DEMO_MEDIA_DIR = env.path("DEMO_MEDIA_DIR", default=BASE_DIR / "var" / "demo-media")
SUBMISSION_RATE = env.str("SUBMISSION_RATE", default="10/hour")
SUBMISSION_IP_RATE = env.str("SUBMISSION_IP_RATE", default="30/hour")  # per client address
CELERY_WORKER_PREFETCH_MULTIPLIER = 1

# Accounts (docs/accounts.md): guests, magic links, Telegram login, referrals, gatekeeper.
# The guest cookie is the session cookie: httpOnly, SameSite=Lax.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# Where logins land: our own site by default (relative: the host the browser used, a tenant's
# domain included); an outside frontend's address otherwise.
FRONTEND_URL = env.str("FRONTEND_URL", default="/account/")
MAGIC_LINK_BASE_URL = env.str("MAGIC_LINK_BASE_URL", default=SITE_URL)
MAGIC_LINK_TTL = env.int("MAGIC_LINK_TTL", default=600)
TELEGRAM_LOGIN_BOT_TOKEN = env.str("TELEGRAM_LOGIN_BOT_TOKEN", default=TELEGRAM_BOT_TOKEN)
TELEGRAM_LOGIN_MAX_AGE = env.int("TELEGRAM_LOGIN_MAX_AGE", default=86400)
# The bot's @username for the Login Widget on the account page (empty: no widget shown).
TELEGRAM_LOGIN_BOT_USERNAME = env.str("TELEGRAM_LOGIN_BOT_USERNAME", default="")
# Behind a proxy that sets X-Forwarded-For (nginx), take the client IP from it.
ACCOUNTS_TRUST_X_FORWARDED_FOR = env.bool("ACCOUNTS_TRUST_X_FORWARDED_FOR", default=False)
GUEST_IDLE_DAYS = env.int("GUEST_IDLE_DAYS", default=30)
# New guests per client address (behind nginx: set ACCOUNTS_TRUST_X_FORWARDED_FOR).
GUEST_CREATE_RATE = env.str("GUEST_CREATE_RATE", default="30/hour")
REFERRAL_UNLOCK_INVITES = env.int("REFERRAL_UNLOCK_INVITES", default=3)
PREMIUM_QUALITY_MIN_HEIGHT = env.int("PREMIUM_QUALITY_MIN_HEIGHT", default=2160)
WATCH_MIN_DURATION = env.int("WATCH_MIN_DURATION", default=300)
WATCH_MIN_PERCENT = env.float("WATCH_MIN_PERCENT", default=5.0)
WATCH_MAX_PERCENT = env.float("WATCH_MAX_PERCENT", default=90.0)
STREAM_RATE_LIMIT = env.int("STREAM_RATE_LIMIT", default=30)
STREAM_RATE_WINDOW = env.int("STREAM_RATE_WINDOW", default=60)
STREAM_CONCURRENT_FREE = env.int("STREAM_CONCURRENT_FREE", default=1)
STREAM_CONCURRENT_PREMIUM = env.int("STREAM_CONCURRENT_PREMIUM", default=3)
STREAM_SESSION_TTL = env.int("STREAM_SESSION_TTL", default=90)
STREAM_SLOTS_KEY_PREFIX = env.str("STREAM_SLOTS_KEY_PREFIX", default="sv:stream-slots")

# Vault (docs/vault.md): storage backends, the /s/ streaming endpoint, media processing.
# Screenshot positions, percent of the duration.
VAULT_SCREENSHOT_POSITIONS = env.list(
    "VAULT_SCREENSHOT_POSITIONS", cast=int, default=[10, 30, 50, 70, 90]
)
# When set (e.g. "/_vault/"), /s/ answers local-vault files with X-Accel-Redirect to
# <prefix><ab/cd/sha256> and nginx sends the bytes (an `internal` location aliased to
# VAULT_DIR/objects/).
VAULT_ACCEL_REDIRECT = env.str("VAULT_ACCEL_REDIRECT", default="")
VAULT_PAGE_CACHE_MAX_BYTES = env.int("VAULT_PAGE_CACHE_MAX_BYTES", default=256 * 1024**2)
VAULT_PAGE_CACHE_MAX_PAGE_BYTES = env.int("VAULT_PAGE_CACHE_MAX_PAGE_BYTES", default=8 * 1024**2)
# Browser/CDN lifetime of bytes a takedown can withdraw (subtitles, pages, images): short and
# must-revalidate, so a takedown reaches every cache within this many seconds.
VAULT_BYTES_MAX_AGE = env.int("VAULT_BYTES_MAX_AGE", default=300)
# Live channels (docs/live.md): the secret nginx-rtmp's callbacks carry (empty: refused).
LIVE_RTMP_CALLBACK_SECRET = env.str("LIVE_RTMP_CALLBACK_SECRET", default="")
# nginx-rtmp's control interface, e.g. http://127.0.0.1:8081/control (ending a broadcast).
LIVE_RTMP_CONTROL_URL = env.str("LIVE_RTMP_CONTROL_URL", default="")
# Where nginx-rtmp records broadcasts (record_path): recordings there become titles.
LIVE_RECORD_DIR = env.str("LIVE_RECORD_DIR", default="")
# Where nginx-rtmp writes HLS (hls_path): the app serves playlists from it (counting
# viewers) and, without nginx in front, the segments too.
LIVE_HLS_DIR = env.str("LIVE_HLS_DIR", default="")
# A LIVE stream whose playlist nginx-rtmp has not rewritten for this long has lost its
# publisher (nginx restarted, a callback failed): it is ended.
LIVE_STALE_SECONDS = env.int("LIVE_STALE_SECONDS", default=30)
# The RTMP server URL a creator puts into OBS (the dashboard shows it).
LIVE_RTMP_URL = env.str("LIVE_RTMP_URL", default="rtmp://127.0.0.1:1935/live")
# A viewer counts as watching while they fetched the playlist within this many seconds.
LIVE_VIEWER_SECONDS = env.int("LIVE_VIEWER_SECONDS", default=15)
# Chat: messages a user may send per LIVE_CHAT_RATE_SECONDS in one stream's chat.
LIVE_CHAT_RATE = env.int("LIVE_CHAT_RATE", default=5)
LIVE_CHAT_RATE_SECONDS = env.int("LIVE_CHAT_RATE_SECONDS", default=10)
# Seed 004's clean-up: chat lines older than CHAT_TTL_DAYS are deleted (0: kept for ever);
# offline streams, likes and analytics after LIVE_RETENTION_DAYS.
CHAT_TTL_DAYS = env.int("CHAT_TTL_DAYS", default=0)
LIVE_RETENTION_DAYS = env.int("LIVE_RETENTION_DAYS", default=90)
# Django Channels (live chat over WebSockets, served by the ASGI `stream` process): the
# Redis channel layer when Redis is configured, else one process's memory (the embedded demo).
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            # Pub/sub: a group message is one PUBLISH, read once per process and handed to
            # that process's sockets (the list-based layer costs a Redis round trip per member).
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL], "prefix": env.str("CACHE_KEY_PREFIX", default="sv")},
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# The edge (docs/edge.md, deploy/): a directory nginx serves title documents and admitted
# local-vault files from, and keeps its cache in (empty: the app answers everything), and how
# long nginx keeps the subtitles and manga pages it cached (``X-Accel-Expires``).
EDGE_DIR = env.str("EDGE_DIR", default="")
EDGE_BYTES_SECONDS = env.int("EDGE_BYTES_SECONDS", default=3600)
# How long a web process reuses a /s/ file lookup (a player's burst of ranges = one query).
VAULT_STREAM_LOOKUP_SECONDS = env.float("VAULT_STREAM_LOOKUP_SECONDS", default=5.0)

# Medic (docs/medic.md): reports, link health, repair loop, takedowns.
REPORT_RATE = env.str("REPORT_RATE", default="20/hour")  # per user, POST /api/reports/
REPORT_IP_RATE = env.str("REPORT_IP_RATE", default="60/hour")  # per client address
MEDIC_CHECK_TIMEOUT = env.float("MEDIC_CHECK_TIMEOUT", default=10.0)
MEDIC_CHECK_MAX_REDIRECTS = env.int("MEDIC_CHECK_MAX_REDIRECTS", default=5)
MEDIC_CHECK_CONCURRENCY = env.int("MEDIC_CHECK_CONCURRENCY", default=10)
MEDIC_CHECK_PER_HOST = env.int("MEDIC_CHECK_PER_HOST", default=2)
MEDIC_CHECK_HOST_DELAY = env.float("MEDIC_CHECK_HOST_DELAY", default=0.5)  # seconds
MEDIC_HEALTH_BATCH = env.int("MEDIC_HEALTH_BATCH", default=200)
MEDIC_HEALTH_MIN_AGE_HOURS = env.float("MEDIC_HEALTH_MIN_AGE_HOURS", default=24.0)
MEDIC_PROBE_HEAD_BYTES = env.int("MEDIC_PROBE_HEAD_BYTES", default=4 * 1024 * 1024)
MEDIC_SYNC_TOLERANCE = env.float("MEDIC_SYNC_TOLERANCE", default=1.0)  # seconds
MEDIC_REPAIR_MAX_ROUNDS = env.int("MEDIC_REPAIR_MAX_ROUNDS", default=3)
# Transient failures in a row (timeouts, 5xx, DNS, refused) before a link is dead.
MEDIC_DEAD_AFTER = env.int("MEDIC_DEAD_AFTER", default=3)
MEDIC_REPAIR_RETRY_SECONDS = env.float("MEDIC_REPAIR_RETRY_SECONDS", default=600.0)
MEDIC_REPAIR_POLL_SECONDS = env.float("MEDIC_REPAIR_POLL_SECONDS", default=30.0)
MEDIC_TAKEDOWN_DELETE_SOURCES = env.bool("MEDIC_TAKEDOWN_DELETE_SOURCES", default=True)
# The sweep re-sends moderation work an outage lost: rows older than the grace (their own task
# may still come); an unfinished takedown again every MEDIC_SWEEP_RETRY_SECONDS.
MEDIC_SWEEP_GRACE_SECONDS = env.int("MEDIC_SWEEP_GRACE_SECONDS", default=60)
MEDIC_SWEEP_RETRY_SECONDS = env.int("MEDIC_SWEEP_RETRY_SECONDS", default=600)
# nginx cache purge on takedown: none | file (delete the cache file) | http (PURGE request)
MEDIC_NGINX_PURGE = env.str("MEDIC_NGINX_PURGE", default="none")
MEDIC_NGINX_CACHE_DIR = env.str("MEDIC_NGINX_CACHE_DIR", default="")  # proxy_cache_path
MEDIC_NGINX_CACHE_LEVELS = env.str("MEDIC_NGINX_CACHE_LEVELS", default="1:2")
# MEDIC_NGINX_CACHE_KEY spells nginx's proxy_cache_key; the purge URL e.g. http://nginx/purge/{file_hash}
MEDIC_NGINX_CACHE_KEY = env.str("MEDIC_NGINX_CACHE_KEY", default="{file_hash}")
MEDIC_NGINX_PURGE_URL = env.str("MEDIC_NGINX_PURGE_URL", default="")
# The periodic tasks are rows in django-celery-beat (medic/migrations/0002_beat_schedule.py).
