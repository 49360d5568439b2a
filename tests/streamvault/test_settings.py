from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# What the settings read, set by the test run; each case below starts without them.
_PRODUCTION = {"SECRET_KEY", "DEBUG", "EMBEDDED", "SITE_URL", "REDIS_URL"}


def _settings(env: dict[str, str], *names: str) -> subprocess.CompletedProcess:
    """Import the settings in a fresh interpreter under ``env`` and print ``names``."""
    base = {k: v for k, v in os.environ.items() if k not in _PRODUCTION}
    code = (
        "import warnings; warnings.simplefilter('default')\n"
        "import streamvault.settings as s\n"
        f"for n in {list(names)!r}: print(n, '=', repr(getattr(s, n)))\n"
    )
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "k" * 50,
    "SITE_URL": "https://vault.example",
    "REDIS_URL": "redis://127.0.0.1:1/0",
}


def test_production_refuses_to_start_without_secret_key():
    result = _settings({**PRODUCTION, "SECRET_KEY": ""})
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_production_refuses_to_start_without_redis_unless_embedded_is_chosen():
    result = _settings({**PRODUCTION, "REDIS_URL": ""})
    assert result.returncode != 0
    assert "REDIS_URL is not set" in result.stderr and "EMBEDDED=true" in result.stderr

    chosen = _settings(
        {**PRODUCTION, "REDIS_URL": "", "EMBEDDED": "true"},
        "CELERY_TASK_ALWAYS_EAGER",
        "CACHES",
    )
    assert chosen.returncode == 0, chosen.stderr
    assert "CELERY_TASK_ALWAYS_EAGER = True" in chosen.stdout
    assert "LocMemCache" in chosen.stdout


def test_production_refuses_to_start_without_site_url():
    result = _settings({**PRODUCTION, "SITE_URL": ""})
    assert result.returncode != 0
    assert "SITE_URL is not set" in result.stderr


def test_production_links_point_at_site_url_and_cookies_are_secure():
    result = _settings(
        PRODUCTION,
        "MAGIC_LINK_BASE_URL",
        "STREAM_BASE_URL",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "SECURE_PROXY_SSL_HEADER",
    )
    assert result.returncode == 0, result.stderr
    assert "MAGIC_LINK_BASE_URL = 'https://vault.example'" in result.stdout
    assert "STREAM_BASE_URL = 'https://vault.example'" in result.stdout
    assert "SESSION_COOKIE_SECURE = True" in result.stdout
    assert "CSRF_COOKIE_SECURE = True" in result.stdout
    assert "SECURE_PROXY_SSL_HEADER = ('HTTP_X_FORWARDED_PROTO', 'https')" in result.stdout


def test_development_starts_with_nothing_at_all():
    result = _settings({"DEBUG": "true"}, "SITE_URL", "EMBEDDED", "SESSION_COOKIE_SECURE")
    assert result.returncode == 0, result.stderr
    assert "SITE_URL = 'http://127.0.0.1:8000'" in result.stdout
    assert "EMBEDDED = True" in result.stdout
    assert "SESSION_COOKIE_SECURE = False" in result.stdout


def test_a_renamed_variable_still_reads_under_its_old_name_with_a_warning():
    result = _settings(
        {**PRODUCTION, "SWARM_JOB_MAX_ATTEMPTS": "9", "CHAT_TTL_DAYS": "4"},
        "JOB_MAX_ATTEMPTS",
        "LIVE_CHAT_TTL_DAYS",
    )
    assert result.returncode == 0, result.stderr
    assert "JOB_MAX_ATTEMPTS = 9" in result.stdout
    assert "LIVE_CHAT_TTL_DAYS = 4" in result.stdout
    assert "SWARM_JOB_MAX_ATTEMPTS is deprecated: it is now JOB_MAX_ATTEMPTS" in result.stderr
    assert "CHAT_TTL_DAYS is deprecated: it is now LIVE_CHAT_TTL_DAYS" in result.stderr

    both = _settings(
        {**PRODUCTION, "SWARM_JOB_MAX_ATTEMPTS": "9", "JOB_MAX_ATTEMPTS": "2"}, "JOB_MAX_ATTEMPTS"
    )
    assert "JOB_MAX_ATTEMPTS = 2" in both.stdout
    assert "deprecated" not in both.stderr


def test_manage_py_check_passes_in_production():
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env={**{k: v for k, v in os.environ.items() if k not in _PRODUCTION}, **PRODUCTION},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr


def _conn_max_age(module: str) -> str:
    code = (
        f"import {module}\n"
        "from django.conf import settings\n"
        "print(settings.DATABASES['default']['CONN_MAX_AGE'])\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "STREAMVAULT_ASGI"}
    env.update(CONN_MAX_AGE="60", DEBUG="true")
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


def test_the_asgi_process_keeps_no_database_connection_between_requests():
    """Under ASGI every request runs its sync code in a thread of its own: a kept connection
    is never reused and they pile up until PostgreSQL refuses clients (seen under the schema
    fuzzing). The WSGI process keeps its connections for CONN_MAX_AGE."""
    assert _conn_max_age("streamvault.asgi") == "0"
    assert _conn_max_age("streamvault.wsgi") == "60"
    # What the ASGI module tells its settings is not passed on to the processes it starts.
    assert (
        _conn_max_age("streamvault.asgi; import os; assert 'STREAMVAULT_ASGI' not in os.environ")
        == "0"
    )
