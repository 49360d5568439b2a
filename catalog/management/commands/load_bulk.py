"""``manage.py load_bulk --titles 100000``: synthetic titles for benchmarks (catalog.bulk)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from catalog.bulk import titles_bulk_load


class Command(BaseCommand):
    help = (
        "Bulk-load N synthetic titles (movies with files and subtitles, series with episodes, "
        "manga with chapters) with their documents built. For benchmarks, not production."
    )

    def add_arguments(self, parser):
        parser.add_argument("--titles", type=int, required=True, help="how many titles to add")
        parser.add_argument("--batch", type=int, default=2000, help="titles per transaction")
        parser.add_argument("--seed", type=int, default=None, help="random seed (names, sizes)")

    def handle(self, *args, titles: int, batch: int, seed: int | None, **options):
        if titles < 0:
            raise CommandError("--titles must be 0 or more.")
        if batch < 1:
            raise CommandError("--batch must be 1 or more.")
        verbose = options["verbosity"] >= 1

        def progress(done: int, total: int) -> None:
            if verbose and (done == total or done % (batch * 10) == 0):
                self.stdout.write(f"  {done}/{total} titles")

        result = titles_bulk_load(count=titles, batch_size=batch, seed=seed, progress=progress)
        kinds = ", ".join(f"{n} {kind}" for kind, n in sorted(result.by_type.items()))
        rows = ", ".join(f"{n} {name}" for name, n in sorted(result.rows.items()))
        self.stdout.write(
            self.style.SUCCESS(
                f"Loaded {result.titles} titles ({kinds or 'none'}) in {result.seconds:.1f} s; "
                f"rows: {rows or 'none'}."
            )
        )
