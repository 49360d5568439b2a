"""Intro timings from viewers: one vote per visitor per title or episode, the median published
(per episode too) when enough agree, an editor's pin published instead (audited), and votes
that do not fit refused with a 409."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from catalog import services as catalog
from catalog.models import IntroVote, Title
from core.models import AuditEntry
from tests.factories import StaffFactory, TitleFactory, UserFactory, add_file

pytestmark = pytest.mark.django_db


@pytest.fixture
def movie():
    title = TitleFactory(title="Long Film", status="available")
    add_file(title, quality="1080p", duration=3600.0)
    return title


def voter() -> APIClient:
    client = APIClient()
    client.force_login(UserFactory())
    return client


def test_votes_replace_and_the_median_is_published_when_enough_agree(movie, settings):
    settings.INTRO_MIN_VOTES = 3
    url = f"/api/titles/{movie.short_id}/intro/"
    first = voter()
    answer = first.put(url, {"start": 60, "end": 150}, format="json")
    assert answer.status_code == 200, answer.content
    assert answer.json() == {"vote": {"start": 60, "end": 150}, "intro_timings": None}
    first.put(url, {"start": 61, "end": 151}, format="json")  # a new vote replaces it
    assert IntroVote.objects.count() == 1
    voter().put(url, {"start": 62, "end": 150}, format="json")
    third = voter().put(url, {"start": 60, "end": 152}, format="json").json()
    assert third["intro_timings"] == {"start": 61, "end": 151, "votes": 3, "pinned": False}
    assert Title.objects.get(pk=movie.pk).document["intro_timings"]["start"] == 61
    assert first.delete(url).status_code == 204
    assert Title.objects.get(pk=movie.pk).document["intro_timings"] is None


def test_episode_votes_are_published_per_episode(settings):
    settings.INTRO_MIN_VOTES = 2
    series = TitleFactory(media_type="series", title="Show", status="available")
    ep = catalog.episode_add(series=series, season=1, number=2)
    add_file(series, episode=ep, quality="720p", duration=1500.0)
    url = f"/api/titles/{series.short_id}/episodes/1/2/intro/"
    voter().put(url, {"start": 30, "end": 90}, format="json")
    answer = voter().put(url, {"start": 31, "end": 90}, format="json").json()
    assert answer["intro_timings"] == {"start": 30, "end": 90, "votes": 2, "pinned": False}
    (entry,) = Title.objects.get(pk=series.pk).document["seasons"]["1"]
    assert entry["intro_timings"]["start"] == 30
    assert Title.objects.get(pk=series.pk).document["intro_timings"] is None  # the title's own
    assert (
        voter()
        .put(
            f"/api/titles/{series.short_id}/episodes/9/9/intro/",
            {"start": 1, "end": 2},
            format="json",
        )
        .status_code
        == 404
    )
    huge = voter().put(
        f"/api/titles/{series.short_id}/episodes/{10**20}/1/intro/",
        {"start": 1, "end": 2},
        format="json",
    )
    assert huge.status_code == 404


def test_votes_that_do_not_fit_are_a_409(movie, settings):
    settings.INTRO_MAX_SECONDS = 300
    url = f"/api/titles/{movie.short_id}/intro/"
    client = voter()
    for body in (
        {"start": 100, "end": 100},  # ends as it starts
        {"start": 100, "end": 500},  # 400 s long
        {"start": 3500, "end": 3700},  # past the end of the hour-long film
    ):
        response = client.put(url, body, format="json")
        assert response.status_code == 409, body
        assert response.json()["error"]["code"] == "invalid_intro"
    manga = TitleFactory(media_type="manga", status="available")
    assert (
        client.put(
            f"/api/titles/{manga.short_id}/intro/", {"start": 1, "end": 5}, format="json"
        ).status_code
        == 409
    )
    for body in ({"start": -1, "end": 5}, {"start": "1", "end": 5}, {"start": 1}):
        assert client.put(url, body, format="json").status_code == 400
    assert not IntroVote.objects.exists()


def test_an_editors_pin_wins_and_is_audited(movie, settings):
    settings.INTRO_MIN_VOTES = 1
    voter().put(f"/api/titles/{movie.short_id}/intro/", {"start": 10, "end": 20}, format="json")
    editor = StaffFactory()
    assert catalog.intro_pin(title=movie, start=30, end=95, actor=editor) is True
    assert catalog.intro_pin(title=movie, start=30, end=95, actor=editor) is False
    document = Title.objects.get(pk=movie.pk).document
    assert document["intro_timings"] == {"start": 30, "end": 95, "votes": 1, "pinned": True}
    pin = AuditEntry.objects.get(action="intro_pin")
    assert pin.actor == editor and pin.after == {"intro_start": 30, "intro_end": 95}
    catalog.intro_pin(title=movie, start=None, end=None, actor=editor)  # back to the viewers
    assert Title.objects.get(pk=movie.pk).document["intro_timings"]["pinned"] is False


def test_the_admin_shows_the_votes_and_pins_through_the_audited_edit(client, movie, settings):
    settings.INTRO_MIN_VOTES = 1
    voter().put(f"/api/titles/{movie.short_id}/intro/", {"start": 10, "end": 20}, format="json")
    editor = StaffFactory()
    client.force_login(editor)
    page = client.get(f"/admin/catalog/title/{movie.pk}/change/")
    assert b"1 votes; median 10 to 20 s (1 agree)" in page.content


def test_an_episode_pin_in_the_title_admin_goes_through_the_audited_service(client, settings):
    series = TitleFactory(media_type="series", title="Show", status="available")
    episode = catalog.episode_add(series=series, season=1, number=1)
    editor = StaffFactory()
    client.force_login(editor)
    url = f"/admin/catalog/title/{series.pk}/change/"
    page = client.get(url)
    form = page.context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k != "genres"}
    data["genres"] = []
    for inline in page.context["inline_admin_formsets"]:
        formset = inline.formset
        management = formset.management_form
        for name in ("TOTAL_FORMS", "INITIAL_FORMS", "MIN_NUM_FORMS", "MAX_NUM_FORMS"):
            data[f"{formset.prefix}-{name}"] = management[name].value()
        for row in formset.forms:
            for name, field in row.fields.items():
                value = row.initial.get(name, field.initial)
                if value is not None:
                    data[f"{row.prefix}-{name}"] = getattr(value, "pk", value)
    prefix = next(
        i.formset.prefix
        for i in page.context["inline_admin_formsets"]
        if i.formset.model.__name__ == "Episode"
    )
    data[f"{prefix}-0-intro_start"], data[f"{prefix}-0-intro_end"] = "12", "80"
    data[f"{prefix}-0-name"] = "Low Tide"  # changed beside the pin: recorded too, once
    response = client.post(url, data)
    assert response.status_code == 302, response.context and response.context["errors"]
    episode.refresh_from_db()
    assert (episode.intro_start, episode.intro_end) == (12, 80)
    pin = AuditEntry.objects.get(action="intro_pin")
    assert pin.actor == editor and pin.after == {"intro_start": 12, "intro_end": 80}
    (named,) = AuditEntry.objects.filter(
        action="admin_change", target_type__model="episode", target_id=str(episode.pk)
    )
    assert (named.before, named.after) == ({"name": ""}, {"name": "Low Tide"})
    (entry,) = Title.objects.get(pk=series.pk).document["seasons"]["1"]
    assert entry["intro_timings"] == {"start": 12, "end": 80, "votes": 0, "pinned": True}
