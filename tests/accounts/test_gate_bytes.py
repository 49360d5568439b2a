"""Every byte passes the gatekeeper: subtitles and manga pages are served only through signed,
expiring URLs that the gatekeeper issues after the same checks as a stream; chapter and page
addresses cannot be enumerated."""

from __future__ import annotations

import time

import pytest
from rest_framework.test import APIClient

from accounts.models import Role
from catalog import services as catalog
from core.signing import signature
from ingest.local import media_ingest, path_ingest
from ingest.packs import season_pack_build
from tests.factories import TitleFactory, UserFactory

pytestmark = pytest.mark.django_db
DEVICE = {"HTTP_X_DEVICE_FINGERPRINT": "device-1"}


@pytest.fixture
def viewer():
    api = APIClient()
    api.force_login(UserFactory())
    return api


def _path(url: str) -> str:
    """The path and query of an absolute URL (the test client talks to the app directly)."""
    return "/" + url.split("://", 1)[-1].split("/", 1)[1]


def test_unsigned_or_expired_page_and_subtitle_urls_are_refused(media, client):
    movie = media_ingest(path=media.movie).media_file
    chapter = path_ingest(path=media.cbz).chapter
    for uri in (f"/api/read/{chapter.id}/1", f"/api/subs/{movie.file_hash}/2.vtt"):
        assert client.get(uri).status_code == 403  # a guessed address
        past = int(time.time()) - 5
        expired = client.get(f"{uri}?md5={signature(uri=uri, expires=past)}&expires={past}")
        assert expired.status_code == 410
        other = f"/api/read/{chapter.id + 1}/1"  # a signature is for one address only
        forged = client.get(
            f"{other}?md5={signature(uri=uri, expires=past + 60)}&expires={past + 60}"
        )
        assert forged.status_code == 403


def test_the_read_gatekeeper_signs_every_page(media, viewer):
    chapter = path_ingest(path=media.cbz).chapter
    grant = viewer.post(f"/api/read/{chapter.id}/", **DEVICE)
    assert grant.status_code == 200, grant.content
    pages = grant.json()["pages"]
    assert len(pages) == chapter.page_count
    for url in pages:
        page = viewer.get(_path(url))
        assert page.status_code == 200 and page.content


def test_the_read_gatekeeper_refuses_as_the_stream_one_does(media, viewer, settings):
    chapter = path_ingest(path=media.cbz).chapter
    assert viewer.post("/api/read/999999/", **DEVICE).status_code == 404
    banned = APIClient()
    banned.force_login(UserFactory(role=Role.BANNED))
    assert banned.post(f"/api/read/{chapter.id}/", **DEVICE).status_code == 403
    settings.STREAM_RATE_LIMIT = 2
    codes = [viewer.post(f"/api/read/{chapter.id}/", **DEVICE).status_code for _ in range(4)]
    assert codes[-1] == 429


def test_the_stream_grant_carries_signed_subtitle_urls(media, viewer):
    movie = media_ingest(path=media.movie).media_file
    grant = viewer.post(f"/api/stream/{movie.file_hash}/", {}, format="json", **DEVICE).json()
    subs = {s["stream_index"]: s for s in grant["subtitles"]}
    assert sorted(subs) == [2, 3]  # the text tracks; the image track is not WebVTT
    vtt = viewer.get(_path(subs[2]["url"]))
    assert vtt.status_code == 200 and b"Hello there" in vtt.content


def test_packs_are_signed_by_the_gatekeeper_from_the_document(media, viewer):
    series = TitleFactory(media_type="series", title="Test Show")
    media_ingest(path=media.episode1, title=series, season=1, episode=1)
    season_pack_build(series=series, season=1)
    series.refresh_from_db()
    pack_hash = series.document["season_packs"][0]["pack_hash"]
    grant = viewer.post(f"/api/stream/{pack_hash}/", {}, format="json", **DEVICE)
    assert grant.status_code == 200, grant.content
    download = viewer.get(_path(grant.json()["url"]))
    assert download.status_code == 200 and download["Content-Type"] == "application/zip"


def test_an_18_plus_title_needs_an_account_not_a_guest(media, viewer):
    movie = media_ingest(path=media.movie).media_file
    catalog.title_update(title=movie.title, data={"content_rating": "18+"})
    guest = APIClient()
    guest.get("/api/session/")  # a browser that keeps cookies: a guest session
    refused = guest.post(f"/api/stream/{movie.file_hash}/", {}, format="json", **DEVICE)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "account_required"
    allowed = viewer.post(f"/api/stream/{movie.file_hash}/", {}, format="json", **DEVICE)
    assert allowed.status_code == 200
