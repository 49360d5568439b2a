"""``manage.py blocked_hashes_import FILE --source S [--reason R]`` — block every SHA-256 of a
list (text, one per line, or CSV ``sha256,reason``); idempotent, audited."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ingest.blocked_lists import blocked_list_import


class Command(BaseCommand):
    help = "Block every SHA-256 of a list file (text or CSV)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--source", required=True, help="where the list comes from")
        parser.add_argument("--reason", default="", help="for lines that give none")

    def handle(self, *args, **opts) -> None:
        try:
            text = opts["file"].read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"cannot read {opts['file']}: {exc}") from exc
        try:
            report = blocked_list_import(
                text=text, source=opts["source"], reason=opts["reason"], actor="cli"
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"Imported: {report.words()}.")
        for number, value in report.bad[:50]:
            self.stdout.write(f"  line {number}: {value!r}")
