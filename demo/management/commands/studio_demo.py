"""``manage.py studio_demo``: a studio project whose first episode is made offline and
published to the catalog (``demo.studio``)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from demo.studio import studio_demo_load


class Command(BaseCommand):
    help = "Make the studio demo: a project, its episode produced offline and published."

    def handle(self, *args, **options):
        studio_demo_load(self.stdout)
