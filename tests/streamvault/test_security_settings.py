"""HTTPS deployment settings come from the environment; the API docs can be staff-only."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.conftest import ROOT

PRINT = (
    "from django.conf import settings as s; "
    "print(s.SECURE_HSTS_SECONDS, s.SECURE_PROXY_SSL_HEADER, s.SESSION_COOKIE_SECURE, "
    "s.API_DOCS_PUBLIC)"
)


def _settings(env: dict[str, str]) -> str:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("SECURE_", "API_DOCS"))}
    out = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", PRINT],
        cwd=ROOT,
        env={**base, "DEBUG": "true", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    return out.stdout.strip().splitlines()[-1]


def test_defaults_are_plain_http():
    assert _settings({}) == "0 None False True"


def test_an_https_deployment_is_configured_from_the_environment():
    env = {
        "SECURE_HSTS_SECONDS": "31536000",
        "SECURE_PROXY_SSL": "true",
        "SECURE_COOKIES": "true",
        "API_DOCS_PUBLIC": "false",
    }
    assert _settings(env) == "31536000 ('HTTP_X_FORWARDED_PROTO', 'https') True False"
