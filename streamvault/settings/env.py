"""How the settings read the environment: one ``environ.Env`` (the process environment, then
``.env``), and ``renamed`` for a variable that changed its name.

Every variable read here is listed in docs/configuration.md; tests/streamvault/test_configuration.py
fails when one is missing there.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)


class SettingRenamed(FutureWarning):
    """An environment variable is set under its old name (shown once per process)."""


# Old name → new name, for docs and the test that keeps docs/configuration.md complete.
RENAMED: dict[str, str] = {}


def renamed(new: str, *, old: str) -> str:
    """The variable to read: ``new``; or ``old``, with a warning, when only the old one is set."""
    RENAMED[old] = new
    if new not in os.environ and old in os.environ:
        warnings.warn(
            f"The environment variable {old} is deprecated: it is now {new}. "
            f"{old} is still read for now; rename it.",
            SettingRenamed,
            stacklevel=2,
        )
        return old
    return new
