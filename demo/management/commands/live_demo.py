"""``manage.py live_demo``: go live on the demo channel (``seed_demo`` made it) — a new stream
key (printed nowhere), then ffmpeg publishes a test card with a running clock to nginx-rtmp
(``LIVE_RTMP_URL``) exactly as OBS would, until Ctrl-C or ``--seconds``. The page to watch is
printed once the broadcast is live."""

from __future__ import annotations

import shutil
import subprocess
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from demo.live import CHANNEL
from live.models import Creator, StreamStatus
from live.services import stream_key_rotate

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"


def encoder(url: str, seconds: int) -> list[str]:
    """ffmpeg as OBS: 720p test card, the wall clock drawn on it, H.264 + AAC, a keyframe every
    2 s, FLV over RTMP."""
    limit = f":duration={seconds}" if seconds else ""
    clock = (
        f",drawtext=fontfile={FONT}:text='%{{localtime\\:%X}}'"
        ":fontsize=64:fontcolor=white:box=1:boxcolor=black@0.6:x=40:y=h-th-40"
    )
    return [
        "ffmpeg", "-nostdin", "-v", "error", "-re",
        "-f", "lavfi", "-i", f"testsrc2=size=1280x720:rate=30{limit}",
        "-f", "lavfi", "-i", f"sine=frequency=440{limit}",
        "-vf", f"format=yuv420p{clock}",
        "-c:v", "libx264", "-preset", "veryfast", "-tune", "zerolatency", "-g", "60",
        "-b:v", "2500k", "-c:a", "aac", "-b:a", "128k", "-f", "flv", url,
    ]  # fmt: skip


class Command(BaseCommand):
    help = "Go live on the demo channel with ffmpeg as the encoder (needs nginx-rtmp running)."

    def add_arguments(self, parser):
        parser.add_argument("--seconds", type=int, default=0, help="stop after (0: Ctrl-C)")

    def handle(self, *args, seconds: int, **options):
        creator = Creator.objects.filter(channel_name=CHANNEL).first()
        if creator is None:
            raise CommandError("No demo channel: run `manage.py seed_demo` (scripts/dev.sh does).")
        if shutil.which("ffmpeg") is None:
            raise CommandError("ffmpeg is not installed (scripts/dev.sh installs it).")
        key = stream_key_rotate(creator=creator)
        url = f"{settings.LIVE_RTMP_URL.rstrip('/')}/{key}"
        command = encoder(url, seconds)
        if (
            "drawtext"
            not in subprocess.run(
                ["ffmpeg", "-hide_banner", "-filters"], capture_output=True, text=True
            ).stdout
        ):
            command[command.index("-vf") + 1] = "format=yuv420p"
        began = timezone.now()
        proc = subprocess.Popen(command)
        deadline = time.monotonic() + 15
        stream = None
        while stream is None and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.3)
            stream = creator.streams.filter(status=StreamStatus.LIVE, started_at__gte=began).first()
        if stream is None:
            proc.terminate()
            raise CommandError(
                f"Not live: is nginx-rtmp listening at {settings.LIVE_RTMP_URL} "
                "(scripts/dev.sh starts it)?"
            )
        site = settings.SITE_URL.rstrip("/")
        self.stdout.write(f"Live: {site}/live/{stream.public_id}  (Ctrl-C to stop)")
        try:
            proc.wait()
        except KeyboardInterrupt:
            proc.terminate()
            proc.wait()
