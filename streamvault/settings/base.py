"""Django itself, the services (database, Redis, Celery, the channel layer), security and logging.

The embedded default — ``DEBUG=true`` or ``EMBEDDED=true`` with no other environment — is
SQLite, the local vault under ``var/``, a local-memory cache, Celery in eager mode and an
in-memory channel layer. Production (``DEBUG`` off) must say where everything is: it refuses to
start without ``SECRET_KEY``, without ``SITE_URL``, and without ``REDIS_URL`` unless the
operator chose the embedded mode with ``EMBEDDED=true``.
"""

from __future__ import annotations

from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from core.hosts import AllowedHosts
from streamvault.settings.env import BASE_DIR, env, renamed

DEBUG = env.bool("DEBUG", default=False)
# Development keeps working with no configuration; production (DEBUG off) must bring its key.
_DEV_SECRET_KEY = "dev-insecure-streamvault-key-do-not-use-in-production"
SECRET_KEY = env.str("SECRET_KEY", default=_DEV_SECRET_KEY if DEBUG else "")
if not SECRET_KEY:
    raise ImproperlyConfigured(
        "SECRET_KEY is not set. Set SECRET_KEY in the environment, or DEBUG=true for development."
    )
# One process, no Redis: eager Celery, a local-memory cache, an in-memory channel layer. The
# default in development; in production only when the operator says so.
EMBEDDED = env.bool("EMBEDDED", default=DEBUG)
# The site's public address: links in bot messages, magic links and channel posts.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000" if DEBUG else "").rstrip("/")
if not SITE_URL:
    raise ImproperlyConfigured(
        "SITE_URL is not set. Set SITE_URL to the site's public address "
        "(e.g. https://streamvault.example): links in bot messages, magic links and channel "
        "posts use it. DEBUG=true defaults it to http://127.0.0.1:8000."
    )

# The operator's hosts; the tenants' domains are added at run time (core.hosts, tenants.resolve).
ALLOWED_HOSTS = AllowedHosts(
    env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
CSRF_FAILURE_VIEW = "streamvault.errors.csrf_failure"  # JSON under /api/

# HTTPS (docs/deploy.md): nginx terminates TLS and says so in X-Forwarded-Proto. With DEBUG
# off the process trusts that header and marks its cookies secure unless told otherwise;
# redirects and HSTS are the operator's choice.
if env.bool("SECURE_PROXY_SSL", default=not DEBUG):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
SESSION_COOKIE_SECURE = env.bool(
    renamed("SECURE_COOKIES", old="SESSION_COOKIE_SECURE"), default=not DEBUG
)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
# The guest cookie is the session cookie: httpOnly, SameSite=Lax.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
# The OpenAPI schema and Swagger UI: public (the default, for client authors) or staff-only.
API_DOCS_PUBLIC = env.bool("API_DOCS_PUBLIC", default=True)

INSTALLED_APPS = [
    "unfold.apps.BasicAppConfig",  # the admin's theme (templates; our site stays admin.site)
    "accounts.apps.AdminSiteConfig",  # Django's admin, with two-factor login
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
    "django_otp",
    "django_otp.plugins.otp_totp",
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
    "studio",
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
    "django_otp.middleware.OTPMiddleware",  # request.user.is_verified() (admin two-factor)
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
# Under ASGI (the stream process, streamvault/asgi.py) each request runs its sync code in a
# thread of its own, so a kept connection is never reused and they pile up until PostgreSQL
# refuses clients: Django's advice is no persistent connections there.
DATABASES["default"]["CONN_MAX_AGE"] = (
    0 if env.bool("STREAMVAULT_ASGI", default=False) else env.int("CONN_MAX_AGE", default=60)
)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Redis: the cache, the Celery broker and results, the channel layer, counters and locks.
REDIS_URL = env.str("REDIS_URL", default="")
if not REDIS_URL and not EMBEDDED:
    raise ImproperlyConfigured(
        "REDIS_URL is not set. Production needs Redis (the cache, the Celery broker, the live "
        "chat's channel layer). Set REDIS_URL, or EMBEDDED=true to run everything in this one "
        "process (Celery eager, a local-memory cache): the embedded default, for one machine."
    )
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
# A worker takes one task at a time: a long ingest never sits on a queued one.
CELERY_WORKER_PREFETCH_MULTIPLIER = 1

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

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "streamvault.openapi.AutoSchema",
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

# The admin console's theme (django-unfold, docs/admin.md): our brand (a tenant's on its own
# domain), the sidebar grouped by work with what waits, the two-factor page in the account menu,
# and the index's dashboard — all computed per request in streamvault/admin_console.py.
UNFOLD = {
    "SITE_TITLE": "streamvault.admin_console.brand",
    "SITE_HEADER": "streamvault.admin_console.brand",
    "SITE_SUBHEADER": "Console",
    "SITE_SYMBOL": "live_tv",
    "SHOW_HISTORY": True,
    "SHOW_VIEW_ON_SITE": True,
    "DASHBOARD_CALLBACK": "streamvault.admin_dashboard.dashboard",
    "ACCOUNT": {"navigation": [{"title": "Two-factor login", "link": "/admin/two-factor/"}]},
    "SIDEBAR": {
        "show_search": True,
        "show_all_applications": False,
        "navigation": "streamvault.admin_console.navigation",
    },
    "COLORS": {
        "primary": {
            "50": "oklch(97.1% .013 17.38)",
            "100": "oklch(93.6% .032 17.717)",
            "200": "oklch(88.5% .062 18.334)",
            "300": "oklch(80.8% .114 19.571)",
            "400": "oklch(70.4% .191 22.216)",
            "500": "oklch(63.7% .237 25.331)",
            "600": "oklch(57.7% .245 27.325)",
            "700": "oklch(50.5% .213 27.518)",
            "800": "oklch(44.4% .177 26.899)",
            "900": "oklch(39.6% .141 25.723)",
            "950": "oklch(25.8% .092 26.042)",
        },
    },
}
