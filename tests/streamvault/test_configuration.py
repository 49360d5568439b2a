"""docs/configuration.md lists every environment variable StreamVault reads, and nothing else.

The names come from the code itself: every ``env.*("NAME")`` and ``renamed("NEW", old="OLD")``
in the settings package, every ``os.environ.get("NAME")`` and ``_env("NAME")`` in the apps
(the nginx renderer, the process kind) and every ``${NAME:-…}`` in the Procfile. A variable read
but not documented fails here, so the reference cannot drift.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "configuration.md"
APPS = [
    "accounts", "bot", "catalog", "community", "core", "demo", "ingest", "jobs", "live",
    "media", "medic", "streamvault", "studio", "swarm", "tenants", "vault", "web",
]  # fmt: skip
# Python's and Django's own, not ours to document.
NOT_OURS = {"DJANGO_SETTINGS_MODULE"}


def _first_string(call: ast.Call) -> str | None:
    if call.args and isinstance(call.args[0], ast.Constant) and isinstance(call.args[0].value, str):
        return call.args[0].value
    if call.args and isinstance(call.args[0], ast.Call):
        return _first_string(call.args[0])  # env.int(renamed("NEW", old="OLD"))
    return None


def _reads(tree: ast.AST) -> set[str]:
    names = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        reader = (
            (isinstance(func, ast.Name) and func.id in {"env", "_env", "renamed", "getenv"})
            or (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name)
                and func.value.id == "env")
            or (isinstance(func, ast.Attribute) and func.attr in {"get", "getenv"}
                and isinstance(func.value, ast.Attribute) and func.value.attr == "environ")
        )  # fmt: skip
        name = _first_string(node) if reader else None
        if name and re.fullmatch(r"[A-Z][A-Z0-9_]+", name):
            names.add(name)
        for keyword in node.keywords:
            if reader and keyword.arg == "old" and isinstance(keyword.value, ast.Constant):
                names.add(keyword.value.value)
    return names


def read_by_the_code() -> set[str]:
    names: set[str] = set()
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" not in path.parts:
                names |= _reads(ast.parse(path.read_text(), str(path)))
    procfile = (ROOT / "deploy" / "Procfile").read_text()
    names |= set(re.findall(r"\$\{([A-Z][A-Z0-9_]+)", procfile))
    return names - NOT_OURS


def documented() -> set[str]:
    rows = [line for line in DOC.read_text().splitlines() if line.startswith("| `")]
    return {name for row in rows for name in re.findall(r"`([A-Z][A-Z0-9_]+)`", row.split("|")[1])}


def test_the_scan_sees_the_settings():
    names = read_by_the_code()
    # One of each kind of read: env.str, a renamed one (both names), os.environ, _env, Procfile.
    assert {"SECRET_KEY", "JOB_MAX_ATTEMPTS", "SWARM_JOB_MAX_ATTEMPTS"} <= names
    assert {"STREAMVAULT_PROCESS", "EDGE_LISTEN", "WEB_WORKERS"} <= names
    assert len(names) > 150


def test_every_variable_the_code_reads_is_documented():
    missing = sorted(read_by_the_code() - documented())
    assert not missing, f"read by the code but not in docs/configuration.md: {missing}"


def test_every_documented_variable_is_read_by_the_code():
    stale = sorted(documented() - read_by_the_code())
    assert not stale, f"in docs/configuration.md but read nowhere: {stale}"
