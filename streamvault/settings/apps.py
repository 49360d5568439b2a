"""Each app's settings, one block per app in the order of the layers (docs/architecture.md).

A block's names start with their owner's (``JOB_``, ``VAULT_``, ``LIVE_``…) where they can; a
variable that changed its name is read through ``renamed`` and still works under the old name,
with a warning (docs/configuration.md lists both).
"""

from __future__ import annotations

from streamvault.settings.base import SECRET_KEY, SITE_URL
from streamvault.settings.env import BASE_DIR, env, renamed

# ── core: playback URLs (core/signing.py) ─────────────────────────────────────────────────
# The same secret goes in nginx's secure_link_md5.
STREAM_SIGNING_SECRET = env.str("STREAM_SIGNING_SECRET", default=SECRET_KEY)
# Where signed /s/ URLs point: the edge (nginx) in production; the site by default.
STREAM_BASE_URL = env.str("STREAM_BASE_URL", default=SITE_URL)
STREAM_URL_TTL = env.int("STREAM_URL_TTL", default=6 * 3600)
READ_URL_TTL = env.int("READ_URL_TTL", default=2 * 3600)  # signed manga page URLs

# ── catalog ───────────────────────────────────────────────────────────────────────────────
TITLE_CACHE_TIMEOUT = env.int("TITLE_CACHE_TIMEOUT", default=3600)
INTRO_MIN_VOTES = env.int("INTRO_MIN_VOTES", default=3)
INTRO_AGREE_SECONDS = env.int("INTRO_AGREE_SECONDS", default=5)
INTRO_MAX_SECONDS = env.int("INTRO_MAX_SECONDS", default=300)  # a longer "intro" is a mistake

# ── accounts (docs/accounts.md): guests, magic links, Telegram login, referrals, gatekeeper ─
# Where logins land: our own site by default (relative: the host the browser used, a tenant's
# domain included); an outside frontend's address otherwise.
FRONTEND_URL = env.str("FRONTEND_URL", default="/account/")
MAGIC_LINK_BASE_URL = env.str("MAGIC_LINK_BASE_URL", default=SITE_URL)
MAGIC_LINK_TTL = env.int("MAGIC_LINK_TTL", default=600)
TELEGRAM_BOT_TOKEN = env.str("TELEGRAM_BOT_TOKEN", default="")
TELEGRAM_LOGIN_BOT_TOKEN = env.str("TELEGRAM_LOGIN_BOT_TOKEN", default=TELEGRAM_BOT_TOKEN)
TELEGRAM_LOGIN_MAX_AGE = env.int("TELEGRAM_LOGIN_MAX_AGE", default=86400)
# The bot's @username for the Login Widget on the account page (empty: no widget shown).
TELEGRAM_LOGIN_BOT_USERNAME = env.str("TELEGRAM_LOGIN_BOT_USERNAME", default="")
# Behind a proxy that sets X-Forwarded-For (nginx), take the client IP from it.
ACCOUNTS_TRUST_X_FORWARDED_FOR = env.bool("ACCOUNTS_TRUST_X_FORWARDED_FOR", default=False)
GUEST_IDLE_DAYS = env.int("GUEST_IDLE_DAYS", default=30)
# New guests per client address (behind nginx: set ACCOUNTS_TRUST_X_FORWARDED_FOR).
GUEST_CREATE_RATE = env.str("GUEST_CREATE_RATE", default="30/hour")
# Email logins: registration, sign-in and reset attempts per client address and per address
# given (each a window: "5/hour"); how long a verification and a reset link stay good.
ACCOUNTS_REGISTER_RATE = env.str("ACCOUNTS_REGISTER_RATE", default="5/hour")
ACCOUNTS_LOGIN_IP_RATE = env.str("ACCOUNTS_LOGIN_IP_RATE", default="30/hour")
ACCOUNTS_LOGIN_ACCOUNT_RATE = env.str("ACCOUNTS_LOGIN_ACCOUNT_RATE", default="10/hour")
ACCOUNTS_RESET_RATE = env.str("ACCOUNTS_RESET_RATE", default="5/hour")
ACCOUNTS_VERIFY_HOURS = env.int("ACCOUNTS_VERIFY_HOURS", default=48)
ACCOUNTS_RESET_MINUTES = env.int("ACCOUNTS_RESET_MINUTES", default=60)
# Outgoing mail: EMAIL_URL (smtp+tls://user:password@host:587 for STARTTLS, smtp+ssl://…:465,
# smtp://host:25, consolemail:// to print mail in the log) or
# EMAIL_HOST / EMAIL_PORT / EMAIL_HOST_USER / EMAIL_HOST_PASSWORD / EMAIL_USE_TLS / EMAIL_USE_SSL.
if env.str("EMAIL_URL", default=""):
    vars().update(env.email_url("EMAIL_URL"))
else:
    EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.smtp.EmailBackend")
    EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
    EMAIL_PORT = env.int("EMAIL_PORT", default=25)
    EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
    EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
    EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
    EMAIL_USE_SSL = env.bool("EMAIL_USE_SSL", default=False)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="StreamVault <no-reply@localhost>")
REFERRAL_UNLOCK_INVITES = env.int("REFERRAL_UNLOCK_INVITES", default=3)
PREMIUM_QUALITY_MIN_HEIGHT = env.int("PREMIUM_QUALITY_MIN_HEIGHT", default=2160)
# A play counts in a title's views once the player reached this many seconds (or half of a
# shorter item); once per visitor, title and day.
VIEW_MIN_SECONDS = env.int("VIEW_MIN_SECONDS", default=30)
WATCH_MIN_DURATION = env.int("WATCH_MIN_DURATION", default=300)
WATCH_MIN_PERCENT = env.float("WATCH_MIN_PERCENT", default=5.0)
WATCH_MAX_PERCENT = env.float("WATCH_MAX_PERCENT", default=90.0)
STREAM_RATE_LIMIT = env.int("STREAM_RATE_LIMIT", default=30)
STREAM_RATE_WINDOW = env.int("STREAM_RATE_WINDOW", default=60)
STREAM_CONCURRENT_FREE = env.int("STREAM_CONCURRENT_FREE", default=1)
STREAM_CONCURRENT_PREMIUM = env.int("STREAM_CONCURRENT_PREMIUM", default=3)
STREAM_SESSION_TTL = env.int("STREAM_SESSION_TTL", default=90)
STREAM_SLOTS_KEY_PREFIX = env.str("STREAM_SLOTS_KEY_PREFIX", default="sv:stream-slots")
# Ad links (accounts.adlinks): free users' heavy downloads go through a URL shortener.
AD_LINK_PROVIDER = env.str("AD_LINK_PROVIDER", default="")  # "" (off) | gplinks
AD_LINK_API_URL = env.str("AD_LINK_API_URL", default="https://api.gplinks.com/api")
AD_LINK_API_KEY = env.str("AD_LINK_API_KEY", default="")
AD_LINK_MIN_BYTES = env.int("AD_LINK_MIN_BYTES", default=2 * 1024**3)
AD_LINK_GRACE_SECONDS = env.int("AD_LINK_GRACE_SECONDS", default=3 * 3600)

# ── jobs (docs/swarm.md): durable jobs, their heartbeats and retries ──────────────────────
JOB_MAX_ATTEMPTS = env.int(renamed("JOB_MAX_ATTEMPTS", old="SWARM_JOB_MAX_ATTEMPTS"), default=5)
JOB_HEARTBEAT_SECONDS = env.float(
    renamed("JOB_HEARTBEAT_SECONDS", old="SWARM_JOB_HEARTBEAT_SECONDS"), default=10.0
)
JOB_STALE_SECONDS = env.float(
    renamed("JOB_STALE_SECONDS", old="SWARM_JOB_STALE_SECONDS"), default=90.0
)
JOB_BACKOFF_BASE = env.float(
    renamed("JOB_BACKOFF_BASE", old="SWARM_JOB_BACKOFF_BASE"), default=10.0
)
JOB_BACKOFF_MAX = env.float(renamed("JOB_BACKOFF_MAX", old="SWARM_JOB_BACKOFF_MAX"), default=1800.0)

# ── vault (docs/vault.md): storage backends, /s/, media processing ────────────────────────
VAULT_DIR = env.path("VAULT_DIR", default=BASE_DIR / "var" / "vault")
# Storage backends: name → class. A row names its backend, so a library can mix
# them; new objects go to VAULT_DEFAULT_BACKEND. "telegram" is the swarm's (worker accounts).
VAULT_BACKENDS = {
    "local": "vault.backends.local.LocalBackend",
    "s3": "vault.backends.s3.S3Backend",
    "telegram": "swarm.storage.vault_entry.TelegramStorage",
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
# How long a web process reuses a /s/ file lookup (a player's burst of ranges = one query).
VAULT_STREAM_LOOKUP_SECONDS = env.float("VAULT_STREAM_LOOKUP_SECONDS", default=5.0)

# ── the edge (docs/edge.md, deploy/) ──────────────────────────────────────────────────────
# A directory nginx serves title documents and admitted
# local-vault files from, and keeps its cache in (empty: the app answers everything), and how
# long nginx keeps the subtitles and manga pages it cached (``X-Accel-Expires``).
EDGE_DIR = env.str("EDGE_DIR", default="")
EDGE_BYTES_SECONDS = env.int("EDGE_BYTES_SECONDS", default=3600)
# Edge nodes that share no disk with the writers (core.edge_feed): changes go to a Redis stream
# (kept to about this many entries) and each edge node's ``manage.py edge_follow`` applies them.
EDGE_FEED = env.bool("EDGE_FEED", default=False)
EDGE_FEED_MAXLEN = env.int("EDGE_FEED_MAXLEN", default=100_000)

# ── swarm (docs/swarm.md): Telegram accounts ──────────────────────────────────────────────
# Worker session strings are Fernet-encrypted with the first key (the others still decrypt,
# for rotation); without one, a key is derived from SECRET_KEY.
SWARM_SESSION_KEYS = env.list("SWARM_SESSION_KEYS", default=[])
# The real gateway (kurigram) unless a test or scripts/dev.sh chooses the in-Redis fake.
TELEGRAM_GATEWAY = env.str("TELEGRAM_GATEWAY", default="pyrogram")  # pyrogram | fake
TELEGRAM_API_ID = env.int("TELEGRAM_API_ID", default=0)
TELEGRAM_API_HASH = env.str("TELEGRAM_API_HASH", default="")
SWARM_LEASE_TTL = env.float("SWARM_LEASE_TTL", default=60.0)
SWARM_DEAD_AFTER_ERRORS = env.int("SWARM_DEAD_AFTER_ERRORS", default=10)
SWARM_FLOOD_REQUEUE_COUNTDOWN = env.int("SWARM_FLOOD_REQUEUE_COUNTDOWN", default=1)
# What one account may upload to Telegram (2000 MiB; 4000 MiB for a Premium account).
TELEGRAM_MAX_FILE_BYTES = env.int("TELEGRAM_MAX_FILE_BYTES", default=2000 * 1024 * 1024)
# How long a process without Telegram accounts waits for the telegram queue to upload or read
# for it (seconds; an upload of a 2 GiB file takes minutes).
SWARM_REMOTE_TIMEOUT = env.float("SWARM_REMOTE_TIMEOUT", default=1800.0)

# ── ingest (docs/swarm.md): downloads, leeching, TMDB, mirrors, submissions ───────────────
# Where downloads and transfers to and from the telegram queue are staged (on the node).
INGEST_WORK_DIR = env.path(
    renamed("INGEST_WORK_DIR", old="SWARM_WORK_DIR"), default=BASE_DIR / "var" / "swarm"
)
LEECH_MAX_BYTES = env.int("LEECH_MAX_BYTES", default=8 * 1024**3)
LEECH_TIMEOUT = env.float("LEECH_TIMEOUT", default=30.0)
LEECH_PROXY = env.str("LEECH_PROXY", default="")  # socks5://user:pass@host:port
# Torrents and magnet links (ingest.torrents).
TORRENT_LISTEN = env.str("TORRENT_LISTEN", default="0.0.0.0:6881")
TORRENT_DHT = env.bool("TORRENT_DHT", default=True)
TORRENT_PEERS = env.list("TORRENT_PEERS", default=[])
TORRENT_METADATA_SECONDS = env.float("TORRENT_METADATA_SECONDS", default=120.0)
TORRENT_STALL_SECONDS = env.float("TORRENT_STALL_SECONDS", default=300.0)
FORWARD_MAX_BYTES = env.int("FORWARD_MAX_BYTES", default=4 * 1024**3)
TMDB_API_KEY = env.str("TMDB_API_KEY", default="")
TMDB_BASE_URL = env.str("TMDB_BASE_URL", default="https://api.themoviedb.org/3")
TMDB_CACHE_SECONDS = env.int("TMDB_CACHE_SECONDS", default=7 * 24 * 3600)
TMDB_POSTER_SIZE = env.str("TMDB_POSTER_SIZE", default="w500")
TMDB_BACKDROP_SIZE = env.str("TMDB_BACKDROP_SIZE", default="w1280")
PACKS_AUTO = env.bool("PACKS_AUTO", default=True)
PACKS_DELAY_SECONDS = env.int("PACKS_DELAY_SECONDS", default=300)
OMDB_API_KEY = env.str("OMDB_API_KEY", default="")
OMDB_BASE_URL = env.str("OMDB_BASE_URL", default="https://www.omdbapi.com/")
OMDB_CACHE_SECONDS = env.int("OMDB_CACHE_SECONDS", default=7 * 24 * 3600)
# [{"name", "upload_url", "api_key", "file_field", "url_field", "icon"}]
MIRROR_HOSTS = env.json("MIRROR_HOSTS", default=[])
MIRROR_MIN_BYTES = env.int("MIRROR_MIN_BYTES", default=200 * 1024**2)
MIRROR_RETRIES = env.int("MIRROR_RETRIES", default=2)
MIRROR_RETRY_SECONDS = env.float("MIRROR_RETRY_SECONDS", default=5.0)
SUBMISSION_RATE = env.str("SUBMISSION_RATE", default="10/hour")
SUBMISSION_IP_RATE = env.str("SUBMISSION_IP_RATE", default="30/hour")  # per client address

# ── medic (docs/medic.md): reports, link health, repair loop, takedowns ───────────────────
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

# ── community (docs/community.md): comments ─────────────────────────────────────────────
COMMENT_MAX_LENGTH = env.int("COMMENT_MAX_LENGTH", default=2000)
COMMENT_MAX_LINKS = env.int("COMMENT_MAX_LINKS", default=2)  # more: held for moderation
COMMENT_EDIT_MINUTES = env.int("COMMENT_EDIT_MINUTES", default=15)
COMMENT_FLAGS_TO_HIDE = env.int("COMMENT_FLAGS_TO_HIDE", default=3)
COMMENT_RATE = env.str("COMMENT_RATE", default="10/min")  # per user
COMMENT_IP_RATE = env.str("COMMENT_IP_RATE", default="30/min")  # per client address

# ── live (docs/live.md): channels, nginx-rtmp, HLS, chat ──────────────────────────────────
# The secret nginx-rtmp's callbacks carry (empty: refused).
LIVE_RTMP_CALLBACK_SECRET = env.str("LIVE_RTMP_CALLBACK_SECRET", default="")
# nginx-rtmp's control interface, e.g. http://127.0.0.1:8081/control (ending a broadcast).
LIVE_RTMP_CONTROL_URL = env.str("LIVE_RTMP_CONTROL_URL", default="")
# Where nginx-rtmp records broadcasts (record_path): recordings there become titles.
LIVE_RECORD_DIR = env.str("LIVE_RECORD_DIR", default="")
# A vault backend ("s3") the RTMP node puts each recording in, so a worker on any machine
# ingests it (empty: the worker reads it in LIVE_RECORD_DIR, which it must see).
LIVE_RECORD_VAULT = env.str("LIVE_RECORD_VAULT", default="")
# Where nginx-rtmp writes HLS (hls_path): the app serves playlists from it (counting
# viewers) and, without nginx in front, the segments too.
LIVE_HLS_DIR = env.str("LIVE_HLS_DIR", default="")
# A LIVE stream whose playlist nginx-rtmp has not rewritten for this long has lost its
# publisher (nginx restarted, a callback failed): it is ended.
LIVE_STALE_SECONDS = env.int("LIVE_STALE_SECONDS", default=30)
# The RTMP server URL a creator puts into OBS (the dashboard shows it).
# Two-factor login (TOTP) required of superusers in the admin.
ADMIN_REQUIRE_OTP = env.bool("ADMIN_REQUIRE_OTP", default=False)
OTP_TOTP_ISSUER = "StreamVault"  # the name authenticator apps show
# New channels are active at once (True) or wait for staff to approve them (False).
LIVE_CREATORS_AUTO_APPROVE = env.bool("LIVE_CREATORS_AUTO_APPROVE", default=False)
LIVE_RTMP_URL = env.str("LIVE_RTMP_URL", default="rtmp://127.0.0.1:1935/live")
# A viewer counts as watching while they fetched the playlist within this many seconds.
# A live stream's thumbnail is taken again this often (a frame of its newest HLS segment).
LIVE_THUMBNAIL_SECONDS = env.int("LIVE_THUMBNAIL_SECONDS", default=60)
LIVE_VIEWER_SECONDS = env.int("LIVE_VIEWER_SECONDS", default=15)
# Chat: messages a user may send per LIVE_CHAT_RATE_SECONDS in one stream's chat.
LIVE_CHAT_RATE = env.int("LIVE_CHAT_RATE", default=5)
LIVE_CHAT_RATE_SECONDS = env.int("LIVE_CHAT_RATE_SECONDS", default=10)
# Clean-up: chat lines older than LIVE_CHAT_TTL_DAYS are deleted (0: kept for ever); offline
# streams, likes and analytics after LIVE_RETENTION_DAYS.
LIVE_CHAT_TTL_DAYS = env.int(renamed("LIVE_CHAT_TTL_DAYS", old="CHAT_TTL_DAYS"), default=0)
LIVE_RETENTION_DAYS = env.int("LIVE_RETENTION_DAYS", default=90)

# ── tenants (docs/tenants.md): franchise sites, capacity, billing ─────────────────────────
# How often a process checks whether the tenants changed (seconds).
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

# ── studio (docs/studio.md): the production studio ─────────────────────────────────────────
# Subscription tiers: projects a member may own, episodes per project, features, and what a
# member may spend on paid providers per calendar month (local generation costs nothing). The
# rows are made from these on migrate (a tier that exists keeps what staff set in the admin).
STUDIO_TIERS = {
    "free": {
        "max_projects": env.int("STUDIO_FREE_MAX_PROJECTS", default=3),
        "max_episodes_per_project": env.int("STUDIO_FREE_MAX_EPISODES", default=5),
        "monthly_budget": env.str("STUDIO_FREE_MONTHLY_BUDGET", default="0"),
        "features": ["local_generation"],
    },
    "pro": {
        "max_projects": env.int("STUDIO_PRO_MAX_PROJECTS", default=25),
        "max_episodes_per_project": env.int("STUDIO_PRO_MAX_EPISODES", default=25),
        "monthly_budget": env.str("STUDIO_PRO_MONTHLY_BUDGET", default="50"),
        "features": ["local_generation", "provider_generation", "collaborators"],
    },
    "enterprise": {
        "max_projects": env.int("STUDIO_ENTERPRISE_MAX_PROJECTS", default=500),
        "max_episodes_per_project": env.int("STUDIO_ENTERPRISE_MAX_EPISODES", default=50),
        "monthly_budget": env.str("STUDIO_ENTERPRISE_MONTHLY_BUDGET", default="1000"),
        "features": ["local_generation", "provider_generation", "collaborators", "priority"],
    },
}
STUDIO_DEFAULT_TIER = env.str("STUDIO_DEFAULT_TIER", default="free")
# Finished (done or cancelled) tasks older than this are deleted by the beat row; 0 keeps all.
STUDIO_TASK_RETENTION_DAYS = env.int("STUDIO_TASK_RETENTION_DAYS", default=30)
# The code that makes each task type's output: {"image_generation": "dotted.path", …} (JSON).
# The embedded default draws offline (studio.local); the variable adds or replaces per type.
STUDIO_GENERATORS = {
    "image_generation": "studio.local.storyboard.storyboard",
    "audio_generation": "studio.local.speech.speech",
    "script_generation": "studio.local.script.script",
    "scene_assembly": "studio.assembly.assemble",
    "embedding_generation": "studio.services.similar.generate",
    **env.json("STUDIO_GENERATORS", default={}),
}
# What embeds media and queries for similar-media search (a class's dotted path): offline
# all-MiniLM-L6-v2 by default, or studio.providers.jina.JinaEmbedder.
STUDIO_EMBEDDER = env.str("STUDIO_EMBEDDER", default="studio.local.embed.LocalEmbedder")
# pgvector's HNSW candidate list per search (higher: better recall, slower).
STUDIO_HNSW_EF_SEARCH = env.int("STUDIO_HNSW_EF_SEARCH", default=400)
# What a task is expected to cost with a paid generator, before it runs (US dollars): per
# generator path; a provider client not listed, the default; anything else costs nothing.
STUDIO_COST_ESTIMATES = {
    "studio.providers.openrouter.script": "0.02",
    "studio.providers.elevenlabs.speech": "0.05",
    "studio.providers.fal.image": "0.03",
    **env.json("STUDIO_COST_ESTIMATES", default={}),
}
STUDIO_COST_ESTIMATE = env.str("STUDIO_COST_ESTIMATE", default="0.10")
# A studio media URL is signed for this long (seconds).
STUDIO_MEDIA_URL_TTL = env.int("STUDIO_MEDIA_URL_TTL", default=3600)
# Uploads (style references, reference images, audio samples) larger than this are refused.
STUDIO_UPLOAD_MAX_BYTES = env.int("STUDIO_UPLOAD_MAX_BYTES", default=50 * 1024 * 1024)

# ── bot (docs/bot.md): the Manager bot (its token: TELEGRAM_BOT_TOKEN, above) ─────────────
# A button on a message older than this does nothing.
BOT_BUTTON_TTL = env.int("BOT_BUTTON_TTL", default=7 * 24 * 3600)

# ── demo ──────────────────────────────────────────────────────────────────────────────────
# Where seed_demo makes (once) and keeps the demo library's media files.
DEMO_MEDIA_DIR = env.path("DEMO_MEDIA_DIR", default=BASE_DIR / "var" / "demo-media")
# Provider clients (studio.providers): none is used unless named in STUDIO_GENERATORS; keys go
# in headers only and never into logs, pages or executions.
OPENROUTER_BASE_URL = env.str("OPENROUTER_BASE_URL", default="https://openrouter.ai/api/v1")
OPENROUTER_API_KEY = env.str("OPENROUTER_API_KEY", default="")
OPENROUTER_DEFAULT_MODEL = env.str("OPENROUTER_DEFAULT_MODEL", default="openai/gpt-4o-mini")
OPENROUTER_MAX_TOKENS = env.int("OPENROUTER_MAX_TOKENS", default=4000)
OPENROUTER_TIMEOUT = env.float("OPENROUTER_TIMEOUT", default=120.0)
ELEVENLABS_BASE_URL = env.str("ELEVENLABS_BASE_URL", default="https://api.elevenlabs.io")
ELEVENLABS_API_KEY = env.str("ELEVENLABS_API_KEY", default="")
ELEVENLABS_MODEL = env.str("ELEVENLABS_MODEL", default="eleven_multilingual_v2")
# What ElevenLabs charges per character on the plan in use (US dollars), for the cost records.
ELEVENLABS_COST_PER_CHARACTER = env.str("ELEVENLABS_COST_PER_CHARACTER", default="0.00018")
ELEVENLABS_TIMEOUT = env.float("ELEVENLABS_TIMEOUT", default=120.0)
JINA_BASE_URL = env.str("JINA_BASE_URL", default="https://api.jina.ai/v1")
JINA_API_KEY = env.str("JINA_API_KEY", default="")
JINA_MODEL = env.str("JINA_MODEL", default="jina-embeddings-v3")
JINA_DIMENSIONS = env.int("JINA_DIMENSIONS", default=1024)
# What Jina charges per token (US dollars), for the cost records.
JINA_COST_PER_TOKEN = env.str("JINA_COST_PER_TOKEN", default="0.00000005")
JINA_TIMEOUT = env.float("JINA_TIMEOUT", default=60.0)
FAL_QUEUE_URL = env.str("FAL_QUEUE_URL", default="https://queue.fal.run")
FAL_KEY = env.str("FAL_KEY", default="")
FAL_IMAGE_MODEL = env.str("FAL_IMAGE_MODEL", default="fal-ai/flux/schnell")
# fal's public keys for webhook signatures (JWKS), kept for a day.
FAL_JWKS_URL = env.str("FAL_JWKS_URL", default="https://rest.alpha.fal.ai/.well-known/jwks.json")
# fal calls this site back when a request ends (empty: poll only); SITE_URL + the route.
FAL_WEBHOOKS = env.bool("FAL_WEBHOOKS", default=True)
FAL_POLL_SECONDS = env.float("FAL_POLL_SECONDS", default=5.0)
# What fal charges per image of the model in use (US dollars), for the cost records.
FAL_COST_PER_IMAGE = env.str("FAL_COST_PER_IMAGE", default="0.003")
# A content-filter refusal is tried again with a new seed this many times, then that asset fails.
FAL_CONTENT_RETRIES = env.int("FAL_CONTENT_RETRIES", default=2)
FAL_TIMEOUT = env.float("FAL_TIMEOUT", default=60.0)
