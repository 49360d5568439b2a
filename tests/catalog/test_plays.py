"""Title views count real plays: a progress report past the threshold counts once per visitor,
title and day; counts gather in Redis and the beat task adds them to ``Title.views`` (on a
real worker too), so ``ordering=-views`` means something; without Redis the row is updated at
once; a batch a dead flush left behind is added by the next one."""

from __future__ import annotations

import pytest
from django.conf import settings
from rest_framework.test import APIClient

from catalog import plays, tasks
from catalog import services as catalog
from catalog.models import Title
from core.redis import client as redis_client
from tests.factories import TitleFactory, UserFactory, add_file
from tests.support.swarm import wait_for


def _movie(name: str, seconds: float = 7200.0) -> Title:
    title = TitleFactory(media_type="movie", title=name)
    add_file(title, quality="1080p", duration=seconds)
    title.refresh_from_db()
    return title


def _watch(client: APIClient, title: Title, position: int):
    response = client.put(
        f"/api/me/progress/{title.short_id}/", {"position": position}, format="json"
    )
    assert response.status_code == 200, response.content
    return response


def _viewer() -> APIClient:
    client = APIClient()
    client.force_login(UserFactory())
    return client


def _views(title: Title) -> int:
    return Title.objects.get(pk=title.pk).views


@pytest.mark.django_db
def test_a_play_counts_once_per_visitor_and_day_then_lands_on_the_flush():
    popular, quiet = _movie("Popular"), _movie("Quiet")
    one, two = _viewer(), _viewer()
    _watch(one, popular, 10)  # not yet a play
    assert plays.plays_flush() == 0
    for position in (40, 400, 800):  # one play however often the player reports
        _watch(one, popular, position)
    _watch(two, popular, 60)
    _watch(two, quiet, 45)
    assert _views(popular) == 0  # nothing written per request
    assert plays.plays_flush() == 3
    assert (_views(popular), _views(quiet)) == (2, 1)
    assert plays.plays_flush() == 0
    ordered = APIClient().get("/api/titles/?ordering=-views").json()["results"]
    assert [t["title"] for t in ordered[:2]] == ["Popular", "Quiet"]
    home = APIClient().get("/").content.decode()
    row = home[home.index("Most watched") :]
    assert row.index("Popular") < row.index("Quiet")


@pytest.mark.django_db
def test_short_items_count_at_half_and_manga_past_the_first_page():
    short = _movie("Short", seconds=40.0)
    viewer = _viewer()
    _watch(viewer, short, 19)
    _watch(viewer, short, 21)
    manga = TitleFactory(media_type="manga", title="Pages")
    pages = [{"name": f"{i:03d}.jpg", "size": 1, "width": 1, "height": 1} for i in range(5)]
    catalog.chapter_add(manga=manga, number=1, backend="local", ref="x", pages=pages)
    viewer.put(f"/api/me/progress/{manga.short_id}/", {"chapter": 1, "page": 1}, format="json")
    plays.plays_flush()
    assert (_views(short), _views(manga)) == (1, 0)
    viewer.put(f"/api/me/progress/{manga.short_id}/", {"chapter": 1, "page": 2}, format="json")
    plays.plays_flush()
    assert _views(manga) == 1


@pytest.mark.django_db
def test_without_redis_the_row_is_counted_at_once(settings):
    settings.REDIS_URL = ""
    title = _movie("Offline")
    _watch(_viewer(), title, 100)
    assert _views(title) == 1


@pytest.mark.django_db
def test_a_batch_a_dead_flush_left_is_added_next_time():
    title = _movie("Leftover")
    redis_client(settings.REDIS_URL).hset(f"{plays.FLUSHING}dead", str(title.pk), 5)
    assert plays.plays_flush() == 5 and _views(title) == 5
    assert not redis_client(settings.REDIS_URL).exists(f"{plays.FLUSHING}dead")


def test_the_beat_task_on_a_worker(celery_worker):
    title = _movie("Worker")
    plays.play_record(title_id=title.pk, visitor_id=1)
    tasks.plays_flush.delay()
    assert wait_for(lambda: _views(title) == 1, timeout=30)
