"""``manage.py pack_build SHORT_ID [--season N]`` — build a series' season pack(s) or a manga's
chapter pack (stored zips in the vault, linked to the title)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from catalog.models import MediaType, Title
from ingest.errors import IngestError
from ingest.packs import chapter_pack_build, season_pack_build


class Command(BaseCommand):
    help = "Build the download packs of a title: season packs (series) or a chapter pack (manga)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("short_id")
        parser.add_argument("--season", type=int, help="only this season (series)")
        parser.add_argument(
            "--backend", help="vault backend (default: settings.VAULT_DEFAULT_BACKEND)"
        )

    def handle(self, *args, **opts) -> None:
        title = Title.objects.filter(short_id=opts["short_id"]).first()
        if title is None:
            raise CommandError(f"no title with short id {opts['short_id']!r}")
        try:
            if title.media_type == MediaType.SERIES:
                seasons = (
                    [opts["season"]]
                    if opts["season"] is not None
                    else sorted(set(title.episodes.values_list("season", flat=True)))
                )
                if not seasons:
                    raise CommandError(f"{title} has no episodes")
                for season in seasons:
                    pack = season_pack_build(series=title, season=season, backend=opts["backend"])
                    self.stdout.write(
                        f"season {season} pack: {len(pack.episodes)} episodes, "
                        f"{pack.size_bytes} bytes, ref {pack.ref}"
                    )
            elif title.media_type == MediaType.MANGA:
                pack = chapter_pack_build(manga=title, backend=opts["backend"])
                self.stdout.write(
                    f"chapter pack: chapters {pack.chapters}, {pack.size_bytes} bytes, "
                    f"ref {pack.ref}"
                )
            else:
                raise CommandError("movies have no packs")
        except IngestError as exc:
            raise CommandError(str(exc)) from exc
