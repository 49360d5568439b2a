from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from catalog.models import Chapter, Episode, MediaFile, SeasonPack, SubtitleTrack, Title
from core.hosts import AllowedHosts
from demo.sites import sites_load
from tenants.models import Tenant
from tenants.resolve import tenants_forget
from tests.factories import TitleFactory

pytestmark = pytest.mark.django_db


def test_seed_demo_builds_a_library_of_real_media_once(
    client, settings, tmp_path, capsys, django_capture_on_commit_callbacks
):
    settings.BASE_DIR = tmp_path
    with django_capture_on_commit_callbacks(execute=True):  # the rendition jobs run (eager)
        call_command("seed_demo", "--admin")
    out = capsys.readouterr().out
    assert "Admin login: admin / " in out
    counts = {m: m.objects.count() for m in (Title, MediaFile, Episode, Chapter, SeasonPack)}
    assert counts[Title] == 6 and counts[SeasonPack] == 1 and counts[Chapter] == 3
    assert counts[MediaFile] == 4 * 2 + 4  # two qualities per movie, four episodes
    assert SubtitleTrack.objects.filter(lang="spa").exists()
    assert SubtitleTrack.objects.filter(kind="image").exists()  # the PGS track of one movie
    # Every file plays in a browser: a rendition (AC3 audio transcoded, MKV remuxed).
    assert not MediaFile.objects.filter(playable_hash="").exists()
    assert set(MediaFile.objects.values_list("playable", flat=True)) == {"remux", "audio"}
    call_command("seed_demo", "--admin")  # idempotent: nothing doubled, same login
    assert {m: m.objects.count() for m in counts} == counts
    login = out.split("Admin login: ")[1].splitlines()[0]
    assert capsys.readouterr().out.count(login) == 1

    movie = Title.objects.get(tmdb_id=299534)
    doc = client.get(f"/api/titles/{movie.short_id}/").json()
    assert [f["quality"] for f in doc["files"]] == ["360p", "240p"]
    assert [s["lang"] for s in doc["files"][0]["subtitles"]] == ["eng", "spa"]
    assert {f["playback"] for f in doc["files"]} == {"rendition"}
    assert doc["intro_timings"]["pinned"] and doc["files"][0]["duration"] >= 300
    assert len(doc["visuals"]["screenshots"]) >= 5
    poster = client.get(f"/api/img/{doc['visuals']['poster']}")
    assert poster.status_code == 200 and poster["Content-Type"] == "image/jpeg"
    series = Title.objects.get(media_type="series")
    assert set(client.get(f"/api/titles/{series.short_id}/").json()["seasons"]) == {"1", "2"}
    chapter = Chapter.objects.first()
    assert chapter.page_count == 6
    assert client.login(username="admin", password=out.split("admin / ")[1].split()[0])


def test_the_demo_sites_show_different_brands_and_catalogs(client, settings):
    settings.TENANT_CHECK_SECONDS = 0
    settings.ALLOWED_HOSTS = AllowedHosts(["127.0.0.1", "testserver"])
    TitleFactory(title="Spirited Away")
    TitleFactory(title="Amélie", content_rating="18+")
    sites_load(io.StringIO())
    sites_load(io.StringIO())  # idempotent
    assert Tenant.objects.count() == 4 and Tenant.objects.filter(is_default=True).count() == 1
    tenants_forget()
    try:
        brands = {
            host: client.get("/api/site/", HTTP_HOST=host).json()
            for host in ("tenant-a.localhost:8000", "tenant-b.localhost:8000", "127.0.0.1:8000")
        }
        names = {host: brand["name"] for host, brand in brands.items()}
        assert names == {
            "tenant-a.localhost:8000": "Anime Hub",
            "tenant-b.localhost:8000": "Family Cinema",
            "127.0.0.1:8000": "StreamVault",
        }
        assert brands["tenant-a.localhost:8000"]["android_app"].endswith("app.apk")

        def titles(host: str) -> set[str]:
            response = client.get("/api/titles/?page_size=50", HTTP_HOST=host)
            return {card["title"] for card in response.json()["results"]}

        everything = titles("tenant-a.localhost:8000")
        assert everything == {"Spirited Away", "Amélie"} == titles("127.0.0.1:8000")
        assert everything - titles("tenant-b.localhost:8000") == {"Amélie"}  # 18+
        closed = client.get("/api/titles/", HTTP_HOST="tenant-c.localhost:8000")
        assert closed.status_code == 503 and closed.json()["error"]["code"] == "site_suspended"
    finally:
        tenants_forget()
