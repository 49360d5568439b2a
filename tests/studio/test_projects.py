"""Projects, quotas and counters: the tier's limits refused with a 403 that says the limit (and
never passed by two requests at once), unverified email accounts refused, scenes numbered and
reordered, dialogue and panels checked against the project, the derived counters right under
concurrent writers, full-text search, and a project's deletion taking everything under it —
its tasks and its vault objects included."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from accounts.models import UserKind
from jobs.engine import job_run
from jobs.models import Job, JobStatus
from studio.errors import Conflict, NotInProject, QuotaExceeded
from studio.models import Episode, Media, Project, Scene, Task, Tier
from studio.services import content, projects, scenes, tasks
from tests.factories import UserFactory
from tests.studio.factories import (
    character_of,
    episode_of,
    media_of,
    producer,
    project_of,
    scene_of,
)

pytestmark = pytest.mark.django_db


def test_over_the_project_quota_is_a_403_that_says_the_limit(client):
    owner = producer()
    Tier.objects.filter(name="free").update(max_projects=2)
    client.force_login(owner)
    for n in range(2):
        response = client.post(
            "/api/studio/projects/",
            {"title": f"P{n}", "genre": "drama"},
            content_type="application/json",
        )
        assert response.status_code == 201, response.content
    refused = client.post(
        "/api/studio/projects/", {"title": "P3", "genre": "drama"}, content_type="application/json"
    )
    assert refused.status_code == 403
    error = refused.json()["error"]
    assert error["code"] == "quota_exceeded"
    assert "free tier allows 2 projects" in error["message"]
    assert Project.objects.filter(created_by=owner).count() == 2
    me = client.get("/api/studio/me/").json()
    assert me["quota"] == {
        "tier": "free",
        "max_projects": 2,
        "projects_used": 2,
        "projects_left": 0,
        "max_episodes_per_project": 5,
        "features": ["local_generation"],
    }


def test_over_the_episode_quota_is_a_403(client):
    owner = producer()
    Tier.objects.filter(name="free").update(max_episodes_per_project=1)
    project = project_of(owner)
    episode_of(project)
    with pytest.raises(QuotaExceeded, match="allows 1 episodes per project"):
        episode_of(project, title="Two")
    client.force_login(owner)
    response = client.post(
        f"/api/studio/projects/{project.pk}/episodes/",
        {"title": "Two"},
        content_type="application/json",
    )
    assert response.status_code == 403 and response.json()["error"]["code"] == "quota_exceeded"


def test_unverified_email_accounts_and_guests_cannot_create_projects(client):
    unverified = UserFactory(kind=UserKind.EMAIL, telegram_id=None, email="a@example.org")
    client.force_login(unverified)
    response = client.post(
        "/api/studio/projects/", {"title": "X", "genre": "drama"}, content_type="application/json"
    )
    assert response.status_code == 403
    assert "Verify your email" in response.json()["error"]["message"]
    unverified.email_verified = True
    unverified.save()
    response = client.post(
        "/api/studio/projects/", {"title": "X", "genre": "drama"}, content_type="application/json"
    )
    assert response.status_code == 201


@pytest.mark.django_db(transaction=True)
def test_two_requests_at_once_cannot_both_take_the_last_project_slot():
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    owner = producer()
    Tier.objects.filter(name="free").update(max_projects=1)
    results: list[str] = []
    barrier = threading.Barrier(8)

    def create(n: int) -> None:
        Tier.objects.count()  # connected before the start, so the creations overlap
        barrier.wait()
        try:
            projects.project_create(actor=owner, data={"title": f"T{n}", "genre": "drama"})
            results.append("made")
        except QuotaExceeded:
            results.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=create, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["made"] + ["refused"] * 7
    assert Project.objects.filter(created_by=owner).count() == 1


@pytest.mark.django_db(transaction=True)
def test_counters_stay_right_under_concurrent_writers():
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    owner = producer()
    project = project_of(owner)
    episode = episode_of(project)
    made = [scene_of(episode) for _ in range(6)]
    barrier = threading.Barrier(8)
    errors: list[BaseException] = []

    def work(n: int) -> None:
        Tier.objects.count()  # connected before the start, so the writes overlap
        barrier.wait()
        try:
            if n < 6:  # approve the six scenes, each through its path
                for status in ("generating", "reviewing", "approved"):
                    scenes.scene_update(actor=owner, scene=made[n], data={"status": status})
            else:  # and add two more at the same time
                scene_of(Episode.objects.get(pk=episode.pk))
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    episode.refresh_from_db()
    project.refresh_from_db()
    assert (episode.scene_count, episode.completed_scenes, episode.render_progress) == (8, 6, 75)
    assert project.overall_progress == 75
    assert sorted(
        Scene.objects.filter(episode=episode).values_list("scene_number", flat=True)
    ) == list(range(1, 9))


def test_scene_status_follows_its_path_and_counts_attempts():
    owner = producer()
    scene = scene_of(episode_of(project_of(owner)))
    with pytest.raises(Conflict, match="pending scene cannot become approved"):
        scenes.scene_update(actor=owner, scene=scene, data={"status": "approved"})
    for status in ("generating", "failed", "generating"):
        scene = scenes.scene_update(actor=owner, scene=scene, data={"status": status})
    assert scene.attempts == 2 and scene.last_attempt is not None


def test_reorder_numbers_every_scene_once(client):
    owner = producer()
    episode = episode_of(project_of(owner))
    a, b, c = (scene_of(episode, title=t) for t in "abc")
    client.force_login(owner)
    url = f"/api/studio/episodes/{episode.pk}/scenes/reorder/"
    response = client.post(url, {"order": [c.pk, a.pk, b.pk]}, content_type="application/json")
    assert response.status_code == 200
    assert [s["title"] for s in response.json()] == ["c", "a", "b"]
    listed = client.get(f"/api/studio/episodes/{episode.pk}/scenes/").json()["results"]
    assert [(s["scene_number"], s["title"]) for s in listed] == [(1, "c"), (2, "a"), (3, "b")]
    bad = client.post(url, {"order": [c.pk, a.pk]}, content_type="application/json")
    assert bad.status_code == 400 and "order" in bad.json()["error"]["fields"]


def test_dialogue_and_panels_are_checked_against_the_project():
    owner = producer()
    project = project_of(owner)
    other = project_of(producer())
    ada, stranger = character_of(project), character_of(other)
    episode = episode_of(project)
    art = media_of(project)
    line = {"character": ada.pk, "lines": "Hello.", "emotion": "warm", "timing": 1.5}
    scene = scene_of(
        episode,
        dialogue=[line],
        characters=[ada.pk],
        panels=[{"panel_number": 2, "image": art.pk}, {"panel_number": 1}],
    )
    assert [p["panel_number"] for p in scene.panels] == [1, 2]
    with pytest.raises(NotInProject):
        scene_of(episode, dialogue=[{**line, "character": stranger.pk}])
    with pytest.raises(NotInProject):
        scene_of(episode, panels=[{"panel_number": 1, "image": media_of(other).pk}])
    with pytest.raises(NotInProject):
        scene_of(episode, characters=[stranger.pk])
    appearances = content.character_appearances(character=ada)
    assert appearances == [{"episode": episode.pk, "scenes": [scene.pk], "screen_time": 0}]


def test_full_text_search_on_titles_and_names(client):
    owner = producer()
    Tier.objects.filter(name="free").update(max_projects=10)
    red = project_of(owner, title="The Red Planet")
    project_of(owner, title="Blue Harbour")
    character_of(red, name="Captain Mara Venn")
    character_of(red, name="Doc")
    client.force_login(owner)
    found = client.get("/api/studio/projects/?q=red plan").json()["results"]
    assert [p["title"] for p in found] == ["The Red Planet"]
    names = client.get(f"/api/studio/projects/{red.pk}/characters/?q=venn").json()["results"]
    assert [c["name"] for c in names] == ["Captain Mara Venn"]


def test_lists_take_a_fixed_number_of_queries(client, django_assert_max_num_queries):
    owner = producer()
    Tier.objects.filter(name="free").update(max_projects=20, max_episodes_per_project=20)
    client.force_login(owner)

    def fill(n: int) -> Project:
        project = project_of(owner)
        episode = episode_of(project)
        for _ in range(n):
            c = character_of(project)
            scene_of(episode, characters=[c.pk])
            media_of(project)
        tasks.tasks_create(
            actor=owner,
            project=project,
            specs=[{"task_type": "image_generation", "parameters": {"n": i}} for i in range(n)],
        )
        return project

    small, big = fill(1), fill(6)
    for project in (small, big):
        episode = project.episodes.get()
        for url in (
            "/api/studio/projects/",
            f"/api/studio/projects/{project.pk}/characters/",
            f"/api/studio/episodes/{episode.pk}/scenes/",
            f"/api/studio/projects/{project.pk}/media/",
            f"/api/studio/projects/{project.pk}/tasks/",
            "/api/studio/tasks/queue/",
        ):
            with django_assert_max_num_queries(9):
                assert client.get(url).status_code == 200, url


def test_deleting_a_project_takes_everything_under_it_and_its_vault_objects(settings):
    owner = producer()
    project = project_of(owner)
    episode = episode_of(project)
    scene_of(episode)
    character_of(project)
    art = media_of(project)
    vault_files = [p for p in settings.VAULT_DIR.rglob("*") if p.is_file()]
    assert vault_files
    task = tasks.tasks_create(
        actor=owner, project=project, specs=[{"task_type": "image_generation"}]
    )[0][0]
    job_id = task.job_id
    counts = projects.project_delete(actor=owner, project=project)
    assert counts == {"episodes": 1, "scenes": 1, "characters": 1, "media": 1, "tasks": 1}
    for model in (Project, Episode, Scene, Media, Task):
        assert not model.objects.exists(), model
    assert not Job.objects.filter(pk=job_id).exists()
    purge = Job.objects.get(kind="studio_purge")
    assert purge.payload == {"refs": [art.ref]}
    assert job_run(job_id=purge.pk) == JobStatus.DONE
    assert not [p for p in vault_files if p.exists()]
