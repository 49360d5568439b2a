"""Every byte door applies the site's catalog policy and suspension, through the shipped nginx
(``deploy/nginx.conf.template`` under honcho): a signed stream and a signed subtitle of a title
tenant-b hides are served on the main site (nginx then answers them itself: a link, a cache
hit) but never on tenant-b's host — neither from nginx's cache or links nor from the stream
process — and nothing at all on suspended tenant-c's host (503)."""

from __future__ import annotations

import pytest

from catalog import services as catalog
from catalog.models import ContentRating, SubtitleTrack, Title
from ingest.local import media_ingest
from tenants.models import TenantStatus
from tests.streamvault.test_topology import running_topology
from tests.support.signed import signed

pytestmark = pytest.mark.django_db(transaction=True)

MAIN, B, C = "localhost", "tenant-b.localhost", "tenant-c.localhost"


def test_a_title_hidden_on_a_site_is_served_by_no_door_of_that_site(
    site, media, tmp_path, settings
):
    movie = media_ingest(path=media.movie).media_file
    catalog.title_edit(
        title=Title.objects.get(pk=movie.title_id),
        data={"content_rating": ContentRating.ADULT},
        actor=None,
    )
    site("Tenant B", B, allowed_ratings=[ContentRating.SAFE])  # hides the 18+ movie
    site("Tenant C", C, status=TenantStatus.SUSPENDED)
    track = SubtitleTrack.objects.filter(media_file=movie, kind="text").first()

    with running_topology(tmp_path, settings) as (client, _env, _work, _proc):
        stream = signed(f"/s/{movie.file_hash}")  # with the topology's signing secret
        subtitle = signed(f"/api/subs/{movie.file_hash}/{track.stream_index}.vtt")

        def get(url: str, host: str, **headers: str):
            return client.get(url, headers={"Host": host, **headers})

        # The main site shows it: the door admits the stream, then nginx sends it itself; the
        # subtitle is cached at nginx.
        assert get(stream, MAIN, Range="bytes=0-9").status_code == 206
        again = get(stream, MAIN, Range="bytes=10-19")
        assert again.status_code == 206 and again.headers.get("x-edge") == "stream"
        assert get(subtitle, MAIN).status_code == 200
        assert get(subtitle, MAIN).headers.get("x-edge-cache") == "HIT"

        # Tenant B hides it: the same signed URLs find no link and no cached answer of the main
        # site, and the stream process says no.
        for _ in range(2):
            refused = get(stream, B, Range="bytes=0-9")
            assert refused.status_code == 404, refused.text
            assert refused.json()["error"]["code"] == "not_found"
            sub = get(subtitle, B)
            assert sub.status_code == 404 and sub.headers.get("x-edge-cache") != "HIT"

        # Tenant C is suspended: nothing, from any door.
        for url in (stream, subtitle):
            answer = get(url, C, Range="bytes=0-9")
            assert answer.status_code == 503, (url, answer.status_code, answer.text)
            assert answer.headers.get("x-edge-cache") != "HIT"

        # The main site is unaffected.
        assert get(stream, MAIN, Range="bytes=0-9").status_code == 206
        assert get(subtitle, MAIN).headers.get("x-edge-cache") == "HIT"
