"""The kill switch is whole: after a takedown every URL a client ever obtained for the title —
subtitles, screenshots, poster, manga pages, season and chapter packs, the files — answers 404,
and the stored bytes of all of them are deleted; before it, none of those bytes is sent with a
long public max-age."""

from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync

import vault
from catalog import services as catalog
from catalog.models import Screenshot, SubtitleTrack
from ingest.local import media_ingest, path_ingest
from ingest.packs import chapter_pack_build, season_pack_build
from medic import services
from medic.services.takedown import CLI
from tests.factories import TitleFactory
from tests.support.signed import signed
from tests.vault.test_stream import signed_path

pytestmark = pytest.mark.django_db


def _exists(tagged: str) -> bool:
    backend, ref = vault.resolve_tagged(tagged)
    try:
        async_to_sync(backend.stat)(ref)
    except vault.NotFound:
        return False
    return True


@pytest.fixture
def library(media, tmp_path):
    movie = media_ingest(path=media.movie).media_file
    shot = Screenshot.objects.filter(media_file=movie).first()
    # The poster: a JPEG (a screenshot's bytes plus a trailer) stored as a tagged ref.
    shot_bytes = async_to_sync(vault.read_all)(vault.get_backend(shot.backend), shot.ref)
    poster = tmp_path / "poster.jpg"
    poster.write_bytes(shot_bytes + b"poster")
    stored = async_to_sync(vault.get_backend().put)(poster)
    catalog.title_update(title=movie.title, data={"poster": vault.tag_ref(stored)})
    series = TitleFactory(media_type="series", title="Test Show")
    episode = media_ingest(path=media.episode1, title=series, season=1, episode=1).media_file
    pack = season_pack_build(series=series, season=1)
    chapter = path_ingest(path=media.cbz).chapter
    chapters = chapter_pack_build(manga=chapter.manga)
    return {
        "movie": movie,
        "episode": episode,
        "season_pack": pack,
        "chapter": chapter,
        "chapter_pack": chapters,
    }


def _urls(lib) -> dict[str, str]:
    movie = lib["movie"]
    movie.title.refresh_from_db()
    shot = Screenshot.objects.filter(media_file=movie).first()
    return {
        "file": signed_path(movie.file_hash),
        "subtitle": signed(f"/api/subs/{movie.file_hash}/2.vtt"),
        "screenshot": f"/api/img/{shot.ref}",
        "poster": f"/api/img/{movie.title.poster}",
        "season_pack": signed_path(lib["season_pack"].ref),
        "page": signed(f"/api/read/{lib['chapter'].id}/1"),
        "chapter_pack": signed_path(lib["chapter_pack"].ref),
    }


def _take_down(title, capture):
    with capture(execute=True):
        services.title_takedown(title=title, actor=CLI, reason="DMCA #7")


def test_every_url_of_a_taken_down_title_is_404_and_its_bytes_are_gone(
    library, client, django_capture_on_commit_callbacks
):
    urls = _urls(library)
    for name, url in urls.items():
        response = client.get(url)
        assert response.status_code == 200, (name, response.status_code)
        control = response.get("Cache-Control", "")
        assert "immutable" not in control and "max-age=604800" not in control, name
    movie = library["movie"]
    vtt = SubtitleTrack.objects.get(media_file=movie, stream_index=2).vtt_ref
    shot = Screenshot.objects.filter(media_file=movie).first()
    poster = movie.title.poster

    for title in (movie.title, library["episode"].title, library["chapter"].manga):
        _take_down(title, django_capture_on_commit_callbacks)

    for name, url in urls.items():
        assert client.get(url).status_code == 404, name
    assert not _exists(vtt)
    assert not _exists(f"{shot.backend}:{shot.ref}")
    assert not _exists(poster)
    for key in ("season_pack", "chapter_pack", "chapter"):
        row = library[key]
        row.refresh_from_db()
        assert not _exists(f"{row.backend}:{row.ref}"), key


def test_a_shared_object_survives_the_takedown_of_one_of_its_titles(
    library, django_capture_on_commit_callbacks
):
    movie = library["movie"]
    other = TitleFactory(title="Another Film")
    catalog.title_update(title=other, data={"poster": movie.title.poster})
    _take_down(movie.title, django_capture_on_commit_callbacks)
    assert _exists(other.poster)


@pytest.mark.django_db(transaction=True)
def test_the_release_card_in_the_public_channel_is_deleted(tmp_path, fake_telegram):
    """The card the broadcast posted is deleted through a leased account (eager here; the
    telegram queue in production), like a stored message."""
    from ingest.models import Broadcast
    from swarm.models import Worker
    from swarm.telegram.fake import fake_message_exists, fake_message_put
    from swarm.workers import worker_set_session

    chat, message = -1001000000042, 5
    worker_set_session(worker=Worker.objects.create(name="w"), session_string="s")
    card = tmp_path / "card.txt"
    card.write_bytes(b"card")
    fake_message_put(chat_id=chat, message_id=message, path=card)
    title = TitleFactory()
    Broadcast.objects.create(title=title, chat_id=chat, message_id=message)
    takedown = services.title_takedown(title=title, actor=CLI, reason="DMCA #8")
    takedown = services.takedown_execute(takedown_id=takedown.pk)
    assert takedown.messages_results[f"card:{chat}:{message}"] == "deleted"
    assert not fake_message_exists(chat_id=chat, message_id=message)
