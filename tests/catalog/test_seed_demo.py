from __future__ import annotations

import pytest
from django.core.management import call_command

from catalog.models import Chapter, Episode, MediaFile, SeasonPack, SubtitleTrack, Title

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
    assert capsys.readouterr().out.count(out.split("Admin login: ")[1].strip()) == 1

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
