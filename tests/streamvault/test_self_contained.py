"""The repository stands on its own: no file points at a document, section or issue outside it
(what those held is written in docs/, chiefly docs/design.md)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OUTSIDE = re.compile(
    r"DESIGN\.md|DESIGN §|[Ss]eeds? 00\d|shared/seeds|[Ii]ssue #?\d+\b|(?<!RFC 9110 )§\s?\d"
)
TEXT = (".py", ".md", ".html", ".js", ".css", ".sh", ".toml", ".txt", ".template", ".cfg")


def test_no_file_refers_to_documents_or_issues_outside_the_repository():
    tracked = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    found = []
    for name in tracked:
        if not name.endswith(TEXT) or name == "tests/streamvault/test_self_contained.py":
            continue
        for number, line in enumerate((ROOT / name).read_text(errors="replace").splitlines(), 1):
            if OUTSIDE.search(line):
                found.append(f"{name}:{number}: {line.strip()[:100]}")
    assert not found, "\n".join(found)
