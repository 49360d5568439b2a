"""What the vault leaves to nginx (``vault.edge``): a local file the stream door admitted is
linked for nginx (with the extension that gives its Content-Type); every change to its title
withdraws the link and purges the title's cached subtitles and pages; the door re-reads the
row before linking, so a withdrawal is never undone by an older lookup."""

from __future__ import annotations

import os

import pytest
from asgiref.sync import async_to_sync

from catalog import services as catalog
from catalog.models import TitleStatus
from core.edge import cache_file_path
from ingest.chapters import chapter_ingest
from ingest.local import media_ingest
from tests.support.signed import signed
from vault import get_backend
from vault.edge import link_path, stream_link_grant
from vault.stream import stream_plan
from vault.targets import targets

pytestmark = pytest.mark.django_db


@pytest.fixture
def edge(settings, tmp_path):
    """An edge where the test client's host is the main site (its policy directory "open")."""
    root = tmp_path / "edge"
    settings.EDGE_DIR = str(root)
    (root / "docs" / "open").mkdir(parents=True)
    (root / "hosts").mkdir()
    (root / "hosts" / "testserver").symlink_to("../docs/open")
    targets.clear()
    yield root
    targets.clear()


def _links(edge):
    return edge / "docs" / "open" / "s"


def _cached(edge, path: str):
    key = os.path.realpath(edge / "docs" / "open") + path
    return cache_file_path(cache_dir=edge / "cache", levels="1:2", key=key)


def _plan(path_and_query: str):
    path, _, query = path_and_query.partition("?")
    params = dict(p.split("=", 1) for p in query.split("&"))
    return async_to_sync(stream_plan)(
        method="GET", path=path, query=params, headers={"host": "testserver", "range": "bytes=0-9"}
    )


def test_the_door_links_an_admitted_file_and_a_takedown_withdraws_it(
    edge, media, client, django_capture_on_commit_callbacks
):
    movie = media_ingest(path=media.movie).media_file
    link = link_path(_links(edge), movie.file_hash, "video/x-matroska")
    assert link.name.endswith(".mkv")

    assert _plan(signed(f"/s/{movie.file_hash}")).status == 206
    assert link.is_symlink() and link.read_bytes() == media.movie.read_bytes()

    # Subtitles and pages nginx cached are purged with the title's every change.
    sub_key = f"/api/subs/{movie.file_hash}/2.vtt"
    cached = _cached(edge, sub_key)
    cached.parent.mkdir(parents=True)
    cached.write_bytes(b"KEY: " + sub_key.encode())
    response = client.get(signed(sub_key))
    assert response.status_code == 200 and response["X-Accel-Expires"] == "3600"

    with django_capture_on_commit_callbacks(execute=True):
        catalog.title_set_status(title=movie.title, status=TitleStatus.BANNED)
    assert not link.exists() and not cached.exists()
    # The door's own lookup (cached for seconds) is not trusted: it reads the row again.
    assert _plan(signed(f"/s/{movie.file_hash}")).status == 404
    assert not link.exists()


def test_a_grant_after_a_withdrawal_does_not_link(edge, media):
    movie = media_ingest(path=media.movie).media_file
    backend = get_backend(movie.backend)
    catalog.title_set_status(title=movie.title, status=TitleStatus.BANNED)
    assert stream_link_grant(movie.file_hash, movie.backend, backend) is None
    assert not link_path(_links(edge), movie.file_hash, "video/x-matroska").exists()


def test_pages_are_marked_cacheable_for_nginx(edge, media, client, settings):
    settings.EDGE_BYTES_SECONDS = 120
    chapter = chapter_ingest(path=media.cbz).chapter
    response = client.get(signed(f"/api/read/{chapter.pk}/1"))
    assert response.status_code == 200 and response["X-Accel-Expires"] == "120"
    assert "must-revalidate" in response["Cache-Control"]  # browsers: short, as before
    assert "X-Accel-Expires" not in client.get(signed(f"/api/read/{chapter.pk}/99"))


def test_a_removed_file_loses_its_link(edge, media, django_capture_on_commit_callbacks):
    movie = media_ingest(path=media.movie).media_file
    assert _plan(signed(f"/s/{movie.file_hash}")).status == 206
    link = link_path(_links(edge), movie.file_hash, "video/x-matroska")
    assert link.is_symlink()
    sub_key = f"/api/subs/{movie.file_hash}/2.vtt"
    cached = _cached(edge, sub_key)
    cached.parent.mkdir(parents=True)
    cached.write_bytes(b"cached")
    # The title's next document no longer lists the file: the deletion itself withdraws it.
    with django_capture_on_commit_callbacks(execute=True):
        catalog.media_file_remove(media_file=movie)
    assert not link.exists() and not cached.exists()
