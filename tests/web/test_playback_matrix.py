"""Which releases Chromium plays, measured in Debian's Chromium: every codec pair we meet in
H.264/HEVC/AV1 video x AAC/AC3/FLAC/Opus audio, in MKV, MP4 and WebM (WebM only holds AV1 and
Opus of these). For each: does the original play, and does what ``media.playable`` makes of it
play. The rule is right when every file it plays directly plays, and every rendition plays.
docs/playback.md keeps the table this prints."""

from __future__ import annotations

import functools
import os
import subprocess
import threading
from concurrent.futures import ThreadPoolExecutor
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from media.playable import DIRECT, make_playable, playable_plan

VIDEO = {
    "h264": ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"],
    "hevc": ["-c:v", "libx265", "-preset", "ultrafast", "-x265-params", "log-level=0"],
    "av1": ["-c:v", "libsvtav1", "-preset", "12", "-pix_fmt", "yuv420p"],
}
AUDIO = {
    "aac": ["-c:a", "aac"],
    "ac3": ["-c:a", "ac3"],
    "flac": ["-c:a", "flac"],
    "opus": ["-c:a", "libopus"],
}
CONTAINERS = {"mkv": "matroska", "mp4": "mp4", "webm": "webm"}


def _combos():
    for video in VIDEO:
        for audio in AUDIO:
            for container in CONTAINERS:
                if container == "webm" and (video != "av1" or audio != "opus"):
                    continue  # WebM holds VP8/VP9/AV1 with Vorbis/Opus only
                yield video, audio, container


def _make(root: Path, video: str, audio: str, container: str) -> Path:
    out = root / f"{video}-{audio}.{container}"
    subprocess.run(
        ["ffmpeg", "-nostdin", "-v", "error", "-y",
         "-f", "lavfi", "-i", "testsrc=size=160x120:rate=24:duration=2",
         "-f", "lavfi", "-i", "sine=frequency=440:duration=2",
         *VIDEO[video], *AUDIO[audio], "-strict", "-2", "-f", CONTAINERS[container], str(out)],
        check=True, timeout=300,
    )  # fmt: skip
    return out


@pytest.fixture(scope="module")
def media_server(tmp_path_factory):
    root = tmp_path_factory.mktemp("matrix")
    handler = functools.partial(SimpleHTTPRequestHandler, directory=str(root))
    handler.extensions_map = {
        ".mkv": "video/x-matroska",
        ".webm": "video/webm",
        ".mp4": "video/mp4",
    }
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield root, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


PLAYS = """async (url) => {
  const v = document.createElement('video');
  v.muted = true;
  document.body.append(v);
  const result = await new Promise((resolve) => {
    const done = (ok) => { clearTimeout(timer); resolve(ok); };
    const timer = setTimeout(() => done(false), 2000);  // a playable file plays in well under 1 s
    v.addEventListener('error', () => done(false));
    v.addEventListener('timeupdate', () => {
      // Plays: the picture moves and the sound is decoded (muted, but decoded).
      if (v.currentTime > 0.3 && v.webkitAudioDecodedByteCount > 0) done(true);
    });
    v.src = url;
    v.play().catch(() => done(false));
  });
  v.remove();
  return result;
}"""


def test_the_rule_matches_what_chromium_plays(browser, media_server, capsys):
    root, base = media_server

    def encode(combo: tuple[str, str, str]) -> tuple[Path, str, Path | None]:
        video, audio, container = combo
        src = _make(root, video, audio, container)
        plan = playable_plan(container=container, video_codec=video, audio_codecs=[audio])
        out = None
        if plan != DIRECT:
            out = make_playable(src, plan, root / f"{src.stem}-{container}.playable.mp4")
        return src, plan, out

    combos = list(_combos())
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:  # ffmpeg runs apart
        encoded = list(pool.map(encode, combos))
    page = browser.new_page()
    page.goto(base + "/")
    rows = []
    for (video, audio, container), (src, plan, out) in zip(combos, encoded, strict=True):
        original = page.evaluate(PLAYS, f"{base}/{src.name}")
        made = original if out is None else page.evaluate(PLAYS, f"{base}/{out.name}")
        rows.append((video, audio, container, original, plan, made))
    page.close()
    with capsys.disabled():
        print("\n| video | audio | container | plays as it is | what we do | then plays |")
        print("|---|---|---|---|---|---|")
        for video, audio, container, original, plan, made in rows:
            print(f"| {video} | {audio} | {container} | {'yes' if original else 'no'} | {plan} "
                  f"| {'yes' if made else 'no'} |")  # fmt: skip
    assert all(made for *_, made in rows), [r for r in rows if not r[-1]]
    assert all(original for *_, original, plan, _ in rows if plan == DIRECT)
