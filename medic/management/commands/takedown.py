"""``python manage.py takedown SHORT_ID --reason "DMCA notice #123"``"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from catalog.models import Title
from medic import services
from medic.services.takedown import CLI


class Command(BaseCommand):
    help = "Take a title down: banned, caches purged, stored bytes deleted, audited."

    def add_arguments(self, parser):
        parser.add_argument("short_id")
        parser.add_argument("--reason", required=True)

    def handle(self, *args, short_id: str, reason: str, **options):
        title = Title.objects.filter(short_id=short_id).first()
        if title is None:
            raise CommandError(f"No title with short id {short_id!r}.")
        try:
            takedown = services.title_takedown(title=title, actor=CLI, reason=reason)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        takedown.refresh_from_db()
        self.stdout.write(f"{title.short_id} “{title.title}” is taken down.")
        if takedown.executed_at is None:
            self.stdout.write(
                "The cache purge and the deletion of its bytes are queued; if the queue is "
                "down, the medic's sweep sends them again within minutes."
            )
        for name, results in (
            ("nginx purge", takedown.purge_results),
            ("stored bytes", takedown.messages_results),
        ):
            for key, outcome in results.items():
                label = key if ":" in key else key[:16]  # a file hash, or mirror:/card: keys
                self.stdout.write(f"  {name} {label}: {outcome}")
        by_hand = services.takedown_mirrors_by_hand(takedown)
        if by_hand:
            self.stdout.write("Mirrors to remove by hand:")
            for m in by_hand:
                self.stdout.write(f"  {m['host']}: {m['url']}")
