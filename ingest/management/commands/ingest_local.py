"""``manage.py ingest_local PATH`` — ingest a local video file, an archive of episodes (.zip,
.7z, .rar: each episode in it, with a report), a .cbz, a .zip or a folder of images."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from catalog.models import Title
from core.signing import sign
from ingest.errors import IngestError
from ingest.local import path_ingest


class Command(BaseCommand):
    help = (
        "Ingest a local file into the vault and the catalog: a video (probe, WebVTT subtitles, "
        "screenshots), a .cbz or a folder of images (a manga chapter)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("path")
        parser.add_argument("--title", help="short id of the title to attach to")
        parser.add_argument("--season", type=int)
        parser.add_argument("--episode", type=int)
        parser.add_argument("--chapter", help="chapter number (default: from the name)")
        parser.add_argument(
            "--backend", help="vault backend (default: settings.VAULT_DEFAULT_BACKEND)"
        )

    def handle(self, *args, **opts) -> None:
        title = None
        if opts["title"]:
            title = Title.objects.filter(short_id=opts["title"]).first()
            if title is None:
                raise CommandError(f"no title with short id {opts['title']!r}")
        if (opts["season"] is None) != (opts["episode"] is None):
            raise CommandError("--season and --episode go together")
        try:
            result = path_ingest(
                path=opts["path"],
                title=title,
                season=opts["season"],
                episode=opts["episode"],
                chapter=opts["chapter"],
                backend=opts["backend"],
            )
        except IngestError as exc:
            raise CommandError(str(exc)) from exc
        t = result.title
        if result.pack is not None:
            for line in result.pack:
                where = (
                    f" S{line['season']:02d}E{line['episode']:02d}" if line.get("episode") else ""
                )
                why = f": {line['reason']}" if line.get("reason") else ""
                self.stdout.write(f"{line['status']}{where}  {line['name']}{why}")
            if t is not None:
                self.stdout.write(f"series: {t.title} [{t.short_id}]")
            return
        if result.chapter is not None:
            ch = result.chapter
            self.stdout.write(
                f"chapter {ch.number.normalize():f} of {t.title} [{t.short_id}]: "
                f"{ch.page_count} pages (chapter id {ch.id})\n"
                f"  read (page 1): "
                f"{sign(uri=f'/api/read/{ch.id}/1', ttl=settings.READ_URL_TTL).url}"
            )
            return
        mf = result.media_file
        verb = "ingested" if result.created else "already in the catalog"
        subs = ", ".join(f"{s.lang}#{s.stream_index}:{s.kind}" for s in mf.subtitles.all())
        self.stdout.write(
            f"{verb}: {t.title} [{t.short_id}] {mf.quality} {mf.container} "
            f"{mf.width}x{mf.height} {mf.duration}s file_hash={mf.file_hash}"
            + (f" subtitles: {subs}" if subs else "")
        )
        signed = sign(uri=f"/s/{mf.file_hash}", ttl=settings.STREAM_URL_TTL)
        self.stdout.write(f"  stream: {signed.url}")
        for track in mf.subtitles.all():
            if track.kind == "text":
                uri = f"/api/subs/{mf.file_hash}/{track.stream_index}.vtt"
                url = sign(uri=uri, ttl=settings.STREAM_URL_TTL).url
                self.stdout.write(f"  subtitles ({track.lang}): {url}")
