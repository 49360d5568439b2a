from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from catalog import services
from catalog.models import (
    Chapter,
    Episode,
    IssuedShortId,
    MediaFile,
    SubtitleTrack,
    Title,
    TitleStatus,
)
from catalog.text import BASE62
from tests.factories import TitleFactory, UserFactory, add_file, file_hash

pytestmark = pytest.mark.django_db


def test_title_create_cleans_title_and_issues_base62_short_id():
    t = TitleFactory(title="  Pokémon: The Movie!  ", genres=["Animation", "Family"], year=1998)
    assert t.title == "Pokémon: The Movie!"
    assert t.clean_title == "pokemon the movie"
    assert len(t.short_id) == 7 and set(t.short_id) <= set(BASE62)
    assert t.search_text == "pokemon the movie animation family 1998"
    assert t.document["short_id"] == t.short_id
    assert t.document["genres"] == ["Animation", "Family"]


def test_title_update_recomputes_clean_title_and_search_text():
    t = TitleFactory(title="Old Name", genres=["Drama"])
    services.title_update(title=t, data={"title": "Amélie", "genres": ["Comedy"], "year": 2001})
    t.refresh_from_db()
    assert t.clean_title == "amelie"
    assert t.search_text == "amelie comedy 2001"
    assert t.document["title"] == "Amélie" and t.document["genres"] == ["Comedy"]


def test_title_update_rejects_unknown_fields():
    t = TitleFactory()
    with pytest.raises(TypeError):
        services.title_update(title=t, data={"status": "banned"})


def test_tmdb_id_unique_per_media_type_in_service_and_database():
    TitleFactory(media_type="movie", tmdb_id=603)
    TitleFactory(media_type="series", tmdb_id=603)  # same id, other type: fine
    with pytest.raises(ValidationError):
        TitleFactory(media_type="movie", tmdb_id=603)
    t = Title.objects.get(media_type="series", tmdb_id=603)
    with pytest.raises(IntegrityError), transaction.atomic():
        Title.objects.filter(pk=t.pk).update(media_type="movie")


def test_manga_rules():
    with pytest.raises(ValidationError):
        TitleFactory(media_type="manga", tmdb_id=5)
    manga = TitleFactory(media_type="manga")
    assert manga.read_direction == "rtl"
    with pytest.raises(ValidationError):
        add_file(manga)


def test_short_ids_are_never_reused(monkeypatch):
    first = TitleFactory()
    old = first.short_id
    services.title_delete(title=first)
    assert IssuedShortId.objects.filter(short_id=old).exists()
    candidates = iter([old, old, "NEWid01"])
    monkeypatch.setattr(services.titles, "new_short_id", lambda: next(candidates))
    second = TitleFactory()
    assert second.short_id == "NEWid01"


def test_short_id_unique_in_database():
    a = TitleFactory()
    b = TitleFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Title.objects.filter(pk=b.pk).update(short_id=a.short_id)


def test_status_change_is_idempotent_and_refreshes_document():
    t = TitleFactory(status=TitleStatus.PROCESSING)
    assert services.title_set_status(title=t, status="available") is True
    assert services.title_set_status(title=t, status="available") is False
    t.refresh_from_db()
    assert t.document["status"] == "available" and t.card["status"] == "available"
    with pytest.raises(ValidationError):
        services.title_set_status(title=t, status="gone")


def test_files_sorted_best_first_and_dead_files_hidden():
    movie = TitleFactory()
    low = add_file(movie, quality="480p")
    add_file(movie, quality="2160p", label="4K HDR", size_bytes=14_200_000_000)
    add_file(movie, quality="1080p")
    movie.refresh_from_db()
    assert [f["quality"] for f in movie.document["files"]] == ["2160p", "1080p", "480p"]
    assert movie.document["files"][0]["size_human"] == "14.2 GB"
    assert movie.card["qualities"] == ["2160p", "1080p", "480p"]
    services.media_file_set_status(media_file=low, status="dead")
    movie.refresh_from_db()
    assert [f["quality"] for f in movie.document["files"]] == ["2160p", "1080p"]


def test_duplicate_file_hash_is_refused_and_unique_in_database():
    movie = TitleFactory()
    f = add_file(movie, file_hash="a" * 64)
    with pytest.raises(ValidationError):
        add_file(movie, file_hash="a" * 64)
    other = add_file(movie)
    with pytest.raises(IntegrityError), transaction.atomic():
        MediaFile.objects.filter(pk=other.pk).update(file_hash=f.file_hash)


def test_series_file_needs_an_episode_of_that_series():
    series = TitleFactory(media_type="series")
    other = TitleFactory(media_type="series")
    ep = services.episode_add(series=other, season=1, number=1)
    with pytest.raises(ValidationError):
        add_file(series)
    with pytest.raises(ValidationError):
        add_file(series, episode=ep)


def test_replace_file_drops_old_tracks():
    movie = TitleFactory()
    f = add_file(movie)
    services.subtitle_tracks_set(
        media_file=f, tracks=[{"stream_index": 2, "lang": "eng", "label": "English"}]
    )
    services.media_file_replace(
        media_file=f, file_hash=file_hash(), size_bytes=5, backend="local", ref="new"
    )
    assert not f.subtitles.exists()
    movie.refresh_from_db()
    assert movie.document["files"][0]["subtitles"] == []
    assert movie.document["files"][0]["file_hash"] == f.file_hash


def test_subtitle_tracks_unique_stream_index():
    f = add_file(TitleFactory())
    tracks = [{"stream_index": 3, "lang": "eng"}, {"stream_index": 3, "lang": "spa"}]
    with pytest.raises(ValidationError):
        services.subtitle_tracks_set(media_file=f, tracks=tracks)
    services.subtitle_tracks_set(media_file=f, tracks=tracks[:1])
    with pytest.raises(IntegrityError), transaction.atomic():
        SubtitleTrack.objects.create(media_file=f, stream_index=3, lang="fre")


def test_embeds_mirrors_and_link_status():
    movie = TitleFactory()
    f = add_file(movie)
    services.embeds_set(
        media_file=f,
        embeds=[
            {"host": "B", "url": "https://b.example/e/1", "priority": 2},
            {"host": "A", "url": "https://a.example/e/1", "priority": 1},
        ],
    )
    services.mirrors_set(
        media_file=f, mirrors=[{"host": "Gofile", "url": "https://g.example/d/1", "icon": "g.png"}]
    )
    movie.refresh_from_db()
    entry = movie.document["files"][0]
    assert [e["host"] for e in entry["embeds"]] == ["A", "B"]
    assert entry["downloads"] == [
        {"host": "Gofile", "url": "https://g.example/d/1", "icon": "g.png", "status": "active"}
    ]
    mirror = f.mirrors.get()
    assert services.link_set_status(link=mirror, status="dead") is True
    assert services.link_set_status(link=mirror, status="dead") is False
    mirror.refresh_from_db()
    assert mirror.last_checked_at is not None
    movie.refresh_from_db()
    assert movie.document["files"][0]["downloads"][0]["status"] == "dead"
    with pytest.raises(ValidationError):
        services.embeds_set(media_file=f, embeds=[{"host": "X", "url": "not a url"}])


def test_episodes_unique_and_idempotent():
    series = TitleFactory(media_type="series")
    a = services.episode_add(series=series, season=1, number=1, name="Pilot")
    b = services.episode_add(series=series, season=1, number=1, name="Pilot (renamed)")
    assert a.pk == b.pk and Episode.objects.get(pk=a.pk).name == "Pilot (renamed)"
    with pytest.raises(IntegrityError), transaction.atomic():
        Episode.objects.create(series=series, season=1, number=1)


def test_series_document_shape():
    series = TitleFactory(media_type="series", series_status="ongoing")
    for season, number in ((2, 1), (1, 2), (1, 1)):
        ep = services.episode_add(series=series, season=season, number=number, name=f"E{number}")
        add_file(series, episode=ep, quality="720p")
    services.season_pack_set(
        series=series,
        season=1,
        backend="local",
        ref="p",
        size_bytes=25_000_000_000,
        episodes=[2, 1],
    )
    series.refresh_from_db()
    doc = series.document
    assert list(doc["seasons"]) == ["1", "2"]
    assert [e["episode"] for e in doc["seasons"]["1"]] == [1, 2]
    assert doc["seasons"]["1"][0]["quality"] == "720p"
    assert doc["total_seasons"] == 2 and doc["series_status"] == "ongoing"
    assert doc["season_packs"] == [
        {
            "season": 1,
            "pack_hash": "p",
            "size": "25.0 GB",
            "size_bytes": 25_000_000_000,
            "episodes": [1, 2],
        }
    ]
    assert "files" not in doc and series.card["qualities"] == ["720p"]


def test_chapters_unique_with_page_index():
    manga = TitleFactory(media_type="manga", read_direction="ltr")
    pages = [{"name": "001.jpg", "size": 10, "width": 800, "height": 1200}]
    services.chapter_add(manga=manga, number="1.5", backend="local", ref="c", pages=pages)
    services.chapter_add(manga=manga, number=1, backend="local", ref="c1", pages=pages * 3)
    with pytest.raises(ValidationError):
        services.chapter_add(
            manga=manga, number=Decimal("1.50"), backend="local", ref="x", pages=[]
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        Chapter.objects.create(manga=manga, number=1, ref="dup")
    manga.refresh_from_db()
    assert [(c["chap"], c["pages"]) for c in manga.document["chapters"]] == [(1, 3), (1.5, 1)]
    assert manga.document["read_direction"] == "ltr" and manga.document["chapter_count"] == 2


def test_intro_timings_published_when_votes_agree(settings):
    settings.INTRO_MIN_VOTES = 3
    title = TitleFactory()
    for n, (start, end) in enumerate([(90, 150), (92, 151), (300, 400)]):
        services.intro_vote_cast(
            title=title, user=UserFactory(username=f"v{n}"), start=start, end=end
        )
    title.refresh_from_db()
    assert title.document["intro_timings"] is None  # only two of three agree
    user = UserFactory(username="v3")
    services.intro_vote_cast(title=title, user=user, start=500, end=600)
    services.intro_vote_cast(title=title, user=user, start=91, end=149)  # moves the vote
    title.refresh_from_db()
    assert title.document["intro_timings"] == {"start": 91, "end": 150, "votes": 3, "pinned": False}
    with pytest.raises(ValidationError):
        services.intro_vote_cast(title=title, user=user, start=10, end=5)


def test_documents_deferred_rebuilds_once(django_assert_max_num_queries):
    with services.documents_deferred():
        movie = TitleFactory()
        for q in ("1080p", "720p"):
            add_file(movie, quality=q)
        movie.refresh_from_db()
        assert movie.document == {}  # not yet built
    movie.refresh_from_db()
    assert len(movie.document["files"]) == 2


def test_write_invalidates_cached_document(client):
    movie = TitleFactory(title="Before")
    assert client.get(f"/api/titles/{movie.short_id}/").json()["title"] == "Before"
    services.title_update(title=movie, data={"title": "After"})
    assert cache.get(services.title_cache_key(movie.short_id)) is None
    assert client.get(f"/api/titles/{movie.short_id}/").json()["title"] == "After"
