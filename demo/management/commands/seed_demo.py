"""``manage.py seed_demo [--admin]``: the demo library, the demo sites and the live demo
channel (``demo``)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from demo.library import Library
from demo.live import live_load
from demo.sites import sites_load


class Command(BaseCommand):
    help = (
        "Load the demo library and the demo sites (and, with --admin, an admin login that is "
        "printed)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--admin", action="store_true", help="create/print an admin login")

    def handle(self, *args, admin: bool, **options):
        Library(self.stdout).load(admin=admin)
        sites_load(self.stdout)
        live_load(self.stdout)
