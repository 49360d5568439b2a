from __future__ import annotations

from typing import Any

import pytest
from django.core.management import CommandError, call_command

from catalog import services
from catalog.bulk import titles_bulk_load
from catalog.documents import title_card_build, title_document_build, titles_for_build
from catalog.models import (
    Chapter,
    Episode,
    Genre,
    IssuedShortId,
    MediaFile,
    MediaType,
    SeasonPack,
    SubtitleTrack,
    Title,
    TitleStatus,
)
from catalog.text import BASE62, clean_title

pytestmark = pytest.mark.django_db


def test_load_bulk_command_creates_titles_of_every_kind(capsys):
    call_command("load_bulk", titles=120, batch=50, seed=7)
    assert "Loaded 120 titles" in capsys.readouterr().out
    assert Title.objects.count() == 120
    short_ids = list(Title.objects.values_list("short_id", flat=True))
    assert len(set(short_ids)) == 120
    assert all(len(s) == 7 and set(s) <= set(BASE62) for s in short_ids)
    # Every id handed out is registered, so it is never given out again.
    assert set(IssuedShortId.objects.values_list("short_id", flat=True)) == set(short_ids)
    kinds = set(Title.objects.values_list("media_type", flat=True))
    assert kinds == {MediaType.MOVIE, MediaType.SERIES, MediaType.MANGA}
    assert MediaFile.objects.filter(title__media_type="movie", episode=None).exists()
    assert SubtitleTrack.objects.filter(media_file__title__media_type="movie").exists()
    assert Episode.objects.exists() and SeasonPack.objects.exists() and Chapter.objects.exists()
    assert MediaFile.objects.filter(episode__isnull=False).count() >= Episode.objects.count()
    assert not MediaFile.objects.filter(title__media_type="manga").exists()
    assert Genre.objects.count() >= 10
    assert not Title.objects.filter(genres=None).exists()
    for t in Title.objects.prefetch_related("genres"):
        assert t.clean_title == clean_title(t.title)
        expected = [t.clean_title, *(clean_title(g.name) for g in t.genres.all()), str(t.year)]
        assert sorted(t.search_text.split()) == sorted(" ".join(expected).split())
        assert 1950 <= t.year <= 2025
        assert (t.tmdb_id is None) == (t.media_type == MediaType.MANGA)


def test_documents_equal_a_rebuild_from_the_rows():
    titles_bulk_load(count=150, batch_size=40, seed=3)
    ids = list(Title.objects.values_list("id", flat=True))
    rebuilt = 0
    for title in titles_for_build(ids):
        doc = title_document_build(title)
        assert doc == title.document, title.short_id
        assert title_card_build(doc) == title.card
        rebuilt += 1
    assert rebuilt == 150
    # And rebuilding through the services changes nothing.
    before = dict(Title.objects.values_list("id", "document"))
    assert services.title_documents_rebuild(title_ids=ids) == 150
    assert dict(Title.objects.values_list("id", "document")) == before


def test_names_are_varied_and_mostly_unique():
    titles_bulk_load(count=400, seed=11)
    names = list(Title.objects.values_list("title", flat=True))
    assert len(set(names)) >= 0.97 * len(names)
    assert all(len(n.split()) >= 2 for n in names)
    first_words = {n.split()[0] for n in names}
    assert len(first_words) > 40


def test_loading_twice_continues_ids_and_never_reuses_short_ids():
    titles_bulk_load(count=60, seed=1)
    titles_bulk_load(count=60, seed=1)  # same seed: same names, fresh short ids and tmdb ids
    assert Title.objects.count() == 120
    assert IssuedShortId.objects.count() == 120
    for media_type in (MediaType.MOVIE, MediaType.SERIES):
        tmdb = list(Title.objects.filter(media_type=media_type).values_list("tmdb_id", flat=True))
        assert len(tmdb) == len(set(tmdb))


def test_bulk_rows_match_what_the_services_write():
    """Replay one title of each kind through the services and compare the documents: the bulk
    rows are the rows the product itself would have written."""
    titles_bulk_load(count=80, seed=5)
    for media_type in MediaType.values:
        title = (
            Title.objects.filter(media_type=media_type)
            .exclude(episodes=None, chapters=None, files=None)
            .first()
        )
        assert title is not None, media_type
        old_doc = dict(title.document)
        old_clean, old_search = title.clean_title, title.search_text
        replayed = _replay_through_services(title)
        replayed.refresh_from_db()
        assert replayed.clean_title == old_clean
        assert replayed.search_text == old_search
        assert _comparable(replayed.document) == _comparable(old_doc)


def test_api_detail_serves_a_bulk_title(client, django_assert_max_num_queries):
    titles_bulk_load(count=30, seed=2)
    title = Title.objects.exclude(status=TitleStatus.BANNED).filter(media_type="series").first()
    assert title is not None
    with django_assert_max_num_queries(1):
        response = client.get(f"/api/titles/{title.short_id}/")
    assert response.status_code == 200
    assert response.json() == title.document
    with django_assert_max_num_queries(0):
        assert client.get(f"/api/titles/{title.short_id}/").json() == title.document
    listing = client.get("/api/titles/", {"page_size": 100}).json()
    assert listing["count"] == Title.objects.exclude(status=TitleStatus.BANNED).count()


def test_command_rejects_bad_arguments():
    with pytest.raises(CommandError):
        call_command("load_bulk", titles=-1)
    with pytest.raises(CommandError):
        call_command("load_bulk", titles=5, batch=0)
    assert not Title.objects.exists()


def _comparable(doc: dict[str, Any]) -> dict[str, Any]:
    doc = {k: v for k, v in doc.items() if k not in ("short_id", "created_at")}
    if "chapters" in doc:
        doc["chapters"] = [{k: v for k, v in ch.items() if k != "id"} for ch in doc["chapters"]]
    if "seasons" in doc:  # episode ids are the replayed rows' own
        doc["seasons"] = {
            season: [{k: v for k, v in ep.items() if k != "id"} for ep in episodes]
            for season, episodes in doc["seasons"].items()
        }
    return doc


def _file_kwargs(f: MediaFile) -> dict[str, Any]:
    fields = [
        "quality",
        "label",
        "file_hash",
        "size_bytes",
        "backend",
        "ref",
        "backup_url",
        "status",
        "container",
        "video_codec",
        "width",
        "height",
        "duration",
        "bitrate",
        "hdr",
        "audio_langs",
    ]
    return {name: getattr(f, name) for name in fields}


def _file_links(f: MediaFile) -> tuple[list, list, list]:
    subs = [
        {k: getattr(s, k) for k in ("stream_index", "lang", "label", "codec", "kind", "vtt_ref")}
        for s in f.subtitles.all()
    ]
    embeds = [
        {k: getattr(e, k) for k in ("host", "url", "priority", "status")} for e in f.embeds.all()
    ]
    mirrors = [
        {k: getattr(m, k) for k in ("host", "url", "icon", "status")} for m in f.mirrors.all()
    ]
    return subs, embeds, mirrors


def _replay_through_services(title: Title) -> Title:
    """Read every row of a bulk title, delete it, and write the same through the services."""
    spec = {
        name: getattr(title, name)
        for name in (
            "media_type",
            "title",
            "year",
            "tmdb_id",
            "rating",
            "overview",
            "content_rating",
            "status",
            "series_status",
            "read_direction",
            "poster",
            "backdrop",
        )
    }
    spec["genres"] = [g.name for g in title.genres.all()]
    files = [(None, _file_kwargs(f), _file_links(f)) for f in title.files.filter(episode=None)]
    episodes = [
        (
            {"season": ep.season, "number": ep.number, "name": ep.name, "air_date": ep.air_date},
            [(_file_kwargs(f), _file_links(f)) for f in ep.files.all()],
        )
        for ep in title.episodes.all()
    ]
    shots = [(s.ref, s.position, s.backend) for s in title.screenshots.all()]
    packs = [
        {
            "season": p.season,
            "backend": p.backend,
            "ref": p.ref,
            "size_bytes": p.size_bytes,
            "episodes": p.episodes,
        }
        for p in title.season_packs.all()
    ]
    chapters = [
        {"number": c.number, "name": c.name, "backend": c.backend, "ref": c.ref, "pages": c.pages}
        for c in title.chapters.all()
    ]
    services.title_delete(title=title)

    new = services.title_create(**spec)

    def add(episode: Episode | None, kwargs: dict[str, Any], links: tuple) -> None:
        f = services.media_file_add(title=new, episode=episode, **kwargs)
        subs, embeds, mirrors = links
        services.subtitle_tracks_set(media_file=f, tracks=subs)
        services.embeds_set(media_file=f, embeds=embeds)
        services.mirrors_set(media_file=f, mirrors=mirrors)

    for _, kwargs, links in files:
        add(None, kwargs, links)
    for ep_spec, ep_files in episodes:
        episode = services.episode_add(series=new, **ep_spec)
        for kwargs, links in ep_files:
            add(episode, kwargs, links)
    for ref, position, backend in shots:
        services.screenshot_add(title=new, ref=ref, position=position, backend=backend)
    for pack in packs:
        services.season_pack_set(series=new, **pack)
    for chapter in chapters:
        services.chapter_add(manga=new, **chapter)
    return new
