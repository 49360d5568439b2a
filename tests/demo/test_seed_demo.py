from __future__ import annotations

import pytest
from django.core.management import call_command

from catalog.models import Chapter, Episode, MediaFile, SeasonPack, SubtitleTrack, Title
from core.hosts import AllowedHosts
from tenants.models import Tenant
from tenants.resolve import tenants_forget

pytestmark = pytest.mark.django_db


def test_seed_demo_builds_a_library_once(client, settings, tmp_path, capsys):
    settings.BASE_DIR = tmp_path
    call_command("seed_demo", "--admin")
    out = capsys.readouterr().out
    assert "Admin login: admin / " in out
    counts = {m: m.objects.count() for m in (Title, MediaFile, Episode, Chapter, SeasonPack)}
    assert counts[Title] == 6 and counts[SeasonPack] == 1 and counts[Chapter] == 3
    assert SubtitleTrack.objects.filter(lang="spa").exists()
    call_command("seed_demo", "--admin")  # idempotent: nothing doubled, same login
    assert {m: m.objects.count() for m in counts} == counts
    login = out.split("Admin login: ")[1].splitlines()[0]
    assert capsys.readouterr().out.count(login) == 1

    movie = Title.objects.get(tmdb_id=299534)
    doc = client.get(f"/api/titles/{movie.short_id}/").json()
    assert [f["quality"] for f in doc["files"]] == ["2160p", "1080p", "720p"]
    assert doc["files"][0]["subtitles"][1] == {
        "lang": "spa",
        "label": "Español",
        "index": 4,
        "kind": "text",
    }
    assert len(doc["visuals"]["screenshots"]) == 5
    series = Title.objects.get(media_type="series")
    assert set(client.get(f"/api/titles/{series.short_id}/").json()["seasons"]) == {"1", "2"}
    assert client.login(username="admin", password=out.split("admin / ")[1].split()[0])


def test_the_demo_sites_show_different_brands_and_catalogs(client, settings):
    settings.TENANT_CHECK_SECONDS = 0
    settings.ALLOWED_HOSTS = AllowedHosts(["127.0.0.1", "testserver"])
    call_command("seed_demo")
    call_command("seed_demo")  # idempotent
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
        assert len(everything) == 6 and titles("127.0.0.1:8000") == everything
        assert everything - titles("tenant-b.localhost:8000") == {"Amélie"}  # 18+
        closed = client.get("/api/titles/", HTTP_HOST="tenant-c.localhost:8000")
        assert closed.status_code == 503 and closed.json()["error"]["code"] == "site_suspended"
    finally:
        tenants_forget()
