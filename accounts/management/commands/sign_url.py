from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from core import signing


class Command(BaseCommand):
    help = "Print a signed stream URL (nginx secure_link_md5 scheme) for a path like /s/<hash>."

    def add_arguments(self, parser) -> None:
        parser.add_argument("uri", help="The path to sign, e.g. /s/<file_hash>")
        parser.add_argument("--ttl", type=int, default=None, help="Seconds (STREAM_URL_TTL)")

    def handle(self, *args, uri: str, ttl: int | None, **options) -> None:
        from django.conf import settings

        if not uri.startswith("/"):
            raise CommandError("URI must be a path starting with '/', e.g. /s/<file_hash>.")
        ttl = settings.STREAM_URL_TTL if ttl is None else ttl
        if ttl < 1:
            raise CommandError("--ttl must be at least 1 second.")
        self.stdout.write(signing.sign(uri=uri, ttl=ttl).url)
