"""Use pgvector for similar-media search after installing it: adds the vector column and the
HNSW indexes and copies the stored vectors in (the migration does this where pgvector was
already there). Idempotent."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from studio import vectors
from studio.models import Embedding


class Command(BaseCommand):
    help = "Add pgvector's column and HNSW indexes for similar-media search (idempotent)."

    def handle(self, *args, **options) -> None:
        if not vectors.install():
            raise CommandError(
                "pgvector is not usable here: the database is not PostgreSQL, the extension is "
                "not installed, or this role may not create it (CREATE EXTENSION vector as a "
                "superuser, then run this again). Search stays exact (numpy)."
            )
        count = Embedding.objects.count()
        self.stdout.write(f"pgvector in use: {count} embedding(s) indexed (HNSW, cosine).")
