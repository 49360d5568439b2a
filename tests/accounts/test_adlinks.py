"""The ad-link generator: a free user's heavy download (a pack, a file over AD_LINK_MIN_BYTES)
goes through a URL-shortener link made once per file and day by the real GPLinks-style client
against a local HTTP server answering in the provider's format (success and error shapes);
premium users and admins bypass it; a shortener that fails gives the plain signed link."""

from __future__ import annotations

import json
import logging
from urllib.parse import parse_qs, urlparse

import pytest
from django.test import Client
from rest_framework.test import APIClient
from werkzeug import Request, Response

from accounts import services
from accounts.adlinks import GPLinks, ShortenerError
from accounts.models import AdLink
from core.signing import LinkCheck, verify
from ingest.local import media_ingest
from ingest.packs import season_pack_build
from tests.factories import TitleFactory, UserFactory

pytestmark = pytest.mark.django_db
DEVICE = {"HTTP_X_DEVICE_FINGERPRINT": "device-1"}
KEY = "gp-secret-key-123"


@pytest.fixture
def shortener(settings, httpserver):
    """A GPLinks-style API: ``?api=KEY&url=LONG`` → ``{"status": "success", "shortenedUrl"}``;
    a wrong key → ``{"status": "error", "message": "Invalid API Key"}``. Records what it got."""
    calls: list[str] = []

    def handler(request: Request) -> Response:
        if request.args.get("api") != KEY:
            body = {"status": "error", "message": "Invalid API Key"}
            return Response(json.dumps(body), 200, content_type="application/json")
        calls.append(request.args["url"])
        body = {"status": "success", "shortenedUrl": f"https://gplinks.co/x{len(calls)}"}
        return Response(json.dumps(body), 200, content_type="application/json")

    httpserver.expect_request("/api").respond_with_handler(handler)
    settings.AD_LINK_PROVIDER = "gplinks"
    settings.AD_LINK_API_URL = httpserver.url_for("/api")
    settings.AD_LINK_API_KEY = KEY
    return calls


@pytest.fixture
def pack_hash(media):
    series = TitleFactory(media_type="series", title="Test Show")
    media_ingest(path=media.episode1, title=series, season=1, episode=1)
    season_pack_build(series=series, season=1)
    series.refresh_from_db()
    return series.document["season_packs"][0]["pack_hash"]


def _grant(user, file_hash: str) -> dict:
    api = APIClient()
    api.force_login(user)
    response = api.post(f"/api/stream/{file_hash}/", {}, format="json", **DEVICE)
    assert response.status_code == 200, response.content
    return response.json()


def test_a_free_users_pack_goes_through_todays_ad_link(shortener, pack_hash):
    first = _grant(UserFactory(role="free"), pack_hash)
    link = AdLink.objects.get()
    # Our own redirect (it counts the click for the site), then the shortener's link.
    assert first["download"] == {
        "url": f"http://testserver/go/{link.pk}",
        "via": "ad_link",
        "reason": "free user, a pack",
    }
    assert first["url"] == first["download"]["url"]  # no plain link to go around it
    followed = Client().get(f"/go/{link.pk}")
    assert followed.status_code == 302 and followed["Location"] == "https://gplinks.co/x1"
    assert Client().get("/go/999999").status_code == 404
    again = _grant(UserFactory(role="free"), pack_hash)
    assert again["download"]["url"] == first["download"]["url"]
    assert len(shortener) == 1 and AdLink.objects.count() == 1  # once per file and day
    # The hidden link is a signed /s/ URL valid for the rest of the day.
    long = urlparse(shortener[0])
    query = {k: v[0] for k, v in parse_qs(long.query).items()}
    assert long.path == f"/s/{pack_hash}"
    assert verify(uri=long.path, md5=query["md5"], expires=query["expires"]) == LinkCheck.OK


def test_premium_and_admins_bypass_it(shortener, pack_hash):
    premium = UserFactory(role="premium")
    services.user_grant_premium(user=premium, days=3, actor=None)
    for user, reason in ((premium, "premium"), (UserFactory(role="admin"), "staff")):
        grant = _grant(user, pack_hash)
        assert grant["download"]["via"] == "direct" and grant["download"]["reason"] == reason
        assert "/s/" in grant["url"]
    assert shortener == []


def test_heavy_files_get_an_ad_link_for_download_and_a_direct_stream(shortener, media, settings):
    movie = media_ingest(path=media.movie).media_file
    settings.AD_LINK_MIN_BYTES = 1  # every file is heavy
    grant = _grant(UserFactory(role="free"), movie.file_hash)
    assert grant["download"]["via"] == "ad_link"
    assert grant["download"]["reason"].startswith("free user, a file over")
    assert "/s/" in grant["url"]  # the player streams the signed link itself
    settings.AD_LINK_MIN_BYTES = movie.size_bytes + 1
    light = _grant(UserFactory(role="free"), movie.file_hash)
    assert light["download"] == {
        "url": light["url"],
        "via": "direct",
        "reason": "not a heavy download",
    }


def test_a_failing_or_missing_shortener_gives_the_plain_link(
    shortener, pack_hash, settings, caplog
):
    settings.AD_LINK_API_KEY = "wrong-key"
    with caplog.at_level(logging.WARNING):
        grant = _grant(UserFactory(role="free"), pack_hash)
    assert grant["download"]["via"] == "direct"
    assert grant["download"]["reason"] == "the URL shortener is not answering"
    assert "Invalid API Key" in caplog.text and "wrong-key" not in caplog.text
    settings.AD_LINK_API_URL = "http://127.0.0.1:9/api"  # nothing listens
    settings.AD_LINK_API_KEY = KEY
    assert _grant(UserFactory(), pack_hash)["download"]["via"] == "direct"
    settings.AD_LINK_PROVIDER = ""
    assert _grant(UserFactory(), pack_hash)["download"]["reason"] == "ad links are off"
    assert not AdLink.objects.exists()


def test_the_client_reads_the_providers_error_shapes(httpserver):
    httpserver.expect_request("/html").respond_with_data("<html>502</html>", status=502)
    httpserver.expect_request("/odd").respond_with_json({"status": "success"})
    httpserver.expect_request("/list").respond_with_json(["x"])
    for path, expected in (("/html", "not JSON"), ("/odd", "HTTP 200"), ("/list", "object")):
        client = GPLinks(api_url=httpserver.url_for(path), api_key=KEY)
        with pytest.raises(ShortenerError, match=expected) as caught:
            client.shorten("https://sv.example/s/abc")
        assert KEY not in str(caught.value)
