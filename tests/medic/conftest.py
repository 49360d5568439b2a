from __future__ import annotations

import shutil
import subprocess

import pytest
from pytest_httpserver import HTTPServer

from tests.conftest import require


@pytest.fixture
def web():
    """A threaded pytest-httpserver: a slow answer must not hold the others back."""
    server = HTTPServer(threaded=True)
    server.start()
    yield server
    server.clear()
    if server.is_running():
        server.stop()


@pytest.fixture(scope="module")
def tiny_video(tmp_path_factory):
    """A 2-second H.264 video: what a backup host serves to a re-leech."""
    require(shutil.which("ffmpeg") is not None, "needs ffmpeg")
    out = tmp_path_factory.mktemp("medic-video") / "Old.Film.2019.720p.mkv"
    subprocess.run(
        ["ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i",
         "testsrc=size=160x120:rate=10:duration=2", "-c:v", "libx264", "-preset", "ultrafast",
         "-pix_fmt", "yuv420p", str(out)],
        check=True,
        timeout=60,
    )  # fmt: skip
    return out
