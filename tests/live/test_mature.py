"""The mature gate: the visitor's choice (``PUT /api/live/mature/``, a cookie for a year)
keeps mature streams out of the feeds ("hide") or lets them play ("show"); API clients pass
``mature=``; the stream page gates the player until the visitor says they are an adult."""

from __future__ import annotations

import pytest
from django.test import Client

from live.models import Follow
from tests.factories import LiveStreamFactory, UserFactory

pytestmark = pytest.mark.django_db


def _titles(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {s["title"] for s in response.json()["results"]}


@pytest.fixture
def streams():
    adult = LiveStreamFactory(title="Late show", is_mature=True)
    LiveStreamFactory(title="Morning show")
    LiveStreamFactory(title="Rerun", creator=adult.creator, status="offline")
    return adult


def test_the_choice_is_remembered_and_narrows_every_feed(streams):
    visitor = Client()
    visitor.get("/api/session/")
    assert visitor.get("/api/live/mature/").json() == {"choice": None}
    assert _titles(visitor.get("/api/live/streams/")) == {"Late show", "Morning show"}
    chose = visitor.put("/api/live/mature/", {"choice": "hide"}, "application/json")
    assert chose.json() == {"choice": "hide"}
    assert chose.cookies["sv_mature"]["max-age"] == 365 * 24 * 3600
    assert visitor.get("/api/live/mature/").json() == {"choice": "hide"}
    assert _titles(visitor.get("/api/live/streams/")) == {"Morning show"}
    trending = visitor.get("/api/live/streams/?feed=trending")
    assert _titles(trending) == {"Morning show", "Rerun"}
    mine = visitor.get(f"/api/live/creators/{streams.creator_id}/streams/")
    assert _titles(mine) == {"Rerun"}
    # The parameter wins over the cookie (and serves API clients with none).
    assert _titles(visitor.get("/api/live/streams/?mature=show")) == {"Late show", "Morning show"}
    assert _titles(Client().get("/api/live/streams/?mature=hide")) == {"Morning show"}


def test_the_following_feed_and_pages_honour_it(streams):
    viewer = Client()
    user = UserFactory()
    viewer.force_login(user)
    Follow.objects.create(follower=user, creator=streams.creator)
    viewer.put("/api/live/mature/", {"choice": "hide"}, "application/json")
    assert _titles(viewer.get("/api/live/streams/following/")) == {"Rerun"}
    directory = viewer.get("/live/").content.decode()
    assert "Morning show" in directory and "Late show" not in directory
    assert "Mature streams are hidden" in directory
    channel = viewer.get(f"/live/channel/{streams.creator_id}/").content.decode()
    assert "Late show" not in channel


def test_the_stream_page_gates_the_player_until_the_visitor_is_an_adult(streams):
    visitor = Client()
    page = visitor.get(f"/live/{streams.public_id}").content.decode()
    assert 'id="mature-gate"' in page and 'id="live-video"' not in page
    assert '"gated": true' in page
    listed = Client().get("/live/").content.decode()
    assert "Late show" in listed and "18+" in listed  # no choice yet: listed, marked
    visitor.get("/api/session/")
    visitor.put("/api/live/mature/", {"choice": "show"}, "application/json")
    page = visitor.get(f"/live/{streams.public_id}").content.decode()
    assert 'id="mature-gate"' not in page and 'id="live-video"' in page


def test_bad_choices_are_400():
    visitor = Client()
    visitor.get("/api/session/")
    bad = visitor.put("/api/live/mature/", {"choice": "maybe"}, "application/json")
    assert bad.status_code == 400 and "choice" in bad.json()["error"]["fields"]
    assert Client().get("/api/live/streams/?mature=some").status_code == 400
    odd = Client()
    odd.cookies["sv_mature"] = "<script>"
    assert odd.get("/api/live/mature/").json() == {"choice": None}


def test_creators_mark_a_stream_mature(streams):
    creator = Client()
    creator.force_login(streams.creator.user)
    public = streams.creator.streams.get(title="Rerun").public_id
    edited = creator.patch(
        f"/api/live/studio/streams/{public}/", {"is_mature": True}, "application/json"
    )
    assert edited.status_code == 200 and edited.json()["is_mature"] is True
