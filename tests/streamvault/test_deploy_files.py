"""The shipped deploy files agree with each other: the systemd units are what
``deploy/make-systemd.sh`` makes from the Procfile today, and the Procfile has every process of
the README's production list."""

from __future__ import annotations

import filecmp
import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_systemd_units_are_generated_from_the_procfile(tmp_path):
    subprocess.run(["bash", "deploy/make-systemd.sh", str(tmp_path / "units")], cwd=ROOT,
                   check=True, timeout=60)  # fmt: skip
    shipped = ROOT / "deploy" / "systemd"
    names = sorted(p.name for p in shipped.iterdir())
    assert names == sorted(p.name for p in (tmp_path / "units").iterdir())
    _, mismatch, errors = filecmp.cmpfiles(shipped, tmp_path / "units", names, shallow=False)
    assert not mismatch and not errors, "run: bash deploy/make-systemd.sh"


def test_the_readme_lists_the_procfile_processes():
    procfile = (ROOT / "deploy" / "Procfile").read_text()
    processes = re.findall(r"^([a-z]+):", procfile, re.M)
    assert processes == [
        "edge", "web", "stream", "worker", "heavy", "telegram", "beat", "bot", "edgefeed"
    ]  # fmt: skip
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Production", 1)[1].split("\n## ", 1)[0]
    for name in processes:
        assert f"`{name}`" in section, name
