"""``manage.py edge_sync [--refill]``: write the edge nginx serves (docs/edge.md) — every host's
link to its policy's directory of title documents, each directory filled. ``--refill`` writes
every document again (after ``load_bulk``, or a restore of the database)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from catalog.edge import COMPLETE_FILE, docs_dir
from core.edge import edge_dir
from tenants.edge import edge_hosts_sync


class Command(BaseCommand):
    help = "Write the title documents and host links nginx serves (EDGE_DIR)."

    def add_arguments(self, parser):
        parser.add_argument("--refill", action="store_true", help="write every document again")

    def handle(self, *args, refill: bool, **options):
        root = edge_dir()
        if root is None:
            raise CommandError("EDGE_DIR is not set: there is no edge to write.")
        if refill and docs_dir(root).is_dir():
            for path in docs_dir(root).iterdir():
                if path.is_dir():
                    (path / COMPLETE_FILE).unlink(missing_ok=True)
        result = edge_hosts_sync()
        for host, key in sorted(result.hosts.items()):
            self.stdout.write(f"{host} -> docs/{key}")
        for host in result.removed:
            self.stdout.write(f"{host}: link removed")
        for key in result.pruned:
            self.stdout.write(f"docs/{key}: removed (no host)")
