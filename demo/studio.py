"""The studio demo (``manage.py studio_demo``): a project with a cast, its first episode written,
drawn, voiced and assembled offline by the embedded default (no provider key), then published to
the catalog, where it plays on the site with its voices and subtitles. Safe to run again: an
episode already made is reused (its tasks' content keys), not made twice."""

from __future__ import annotations

from typing import IO

from django.contrib.auth import get_user_model
from django.db import transaction

from jobs.engine import job_run
from jobs.models import Job, JobStatus
from studio.models import Episode, Project
from studio.services import content, production, projects, publishing

TITLE = "Far Signal"
CAST = [
    {
        "name": "Mara",
        "description": "The ship's pilot.",
        "personality": ["Bold", "Restless"],
        "motivations": ["Find the way home"],
        "color_palette": ["#d9480f"],
        "voice_characteristics": ["bright"],
    },
    {
        "name": "Doc",
        "description": "The ship's doctor, older than the ship.",
        "personality": ["Careful", "Dry"],
        "motivations": ["Keep the crew alive"],
        "color_palette": ["#1c7ed6"],
        "voice_characteristics": ["deep", "slow"],
    },
    {
        "name": "Io",
        "description": "A maintenance robot who listens to everything.",
        "personality": ["Curious"],
        "motivations": ["Understand the signal"],
        "color_palette": ["#2f9e44"],
        "voice_characteristics": ["high", "fast"],
    },
]


def _owner():
    User = get_user_model()
    owner = User.objects.filter(username="admin").first()
    if owner is None:
        owner, _ = User.objects.get_or_create(username="studio-demo")
    return owner


def _project(owner) -> tuple[Project, Episode]:
    project = Project.objects.filter(title=TITLE, created_by=owner).first()
    if project is None:
        with transaction.atomic():
            project = projects.project_create(
                actor=owner,
                data={
                    "title": TITLE,
                    "genre": "sci-fi",
                    "description": "A small crew far from home follows a signal nobody sent.",
                    "episode_count": 3,
                },
            )
            made = [content.character_create(actor=owner, project=project, data=c) for c in CAST]
            content.character_relationship_set(
                actor=owner,
                character=made[0],
                other_id=made[1].pk,
                relationship_type="Old friend",
                description="He taught her to fly.",
            )
            content.episode_create(
                actor=owner,
                project=project,
                data={
                    "title": "The Signal",
                    "logline": "A signal from an empty sector splits the crew.",
                    "themes": ["the signal"],
                },
            )
    return project, project.episodes.order_by("episode_number").first()


def _drain(scope: str) -> int:
    """Run the queued jobs of the project here (as the studio workers would), in their order."""
    ran = 0
    while job := (
        Job.objects.filter(scope=scope, status=JobStatus.QUEUED)
        .order_by("-priority", "created_at", "id")
        .first()
    ):
        status = job_run(job_id=job.pk)
        if status != JobStatus.DONE:
            job.refresh_from_db()
            raise RuntimeError(f"{job.kind} #{job.pk} {status}: {job.last_error}")
        ran += 1
    return ran


def studio_demo_load(stdout: IO[str]) -> Episode:
    owner = _owner()
    project, episode = _project(owner)
    scope = f"studio-project:{project.pk}"
    stdout.write(f"Studio demo: {project.title}, episode {episode.episode_number} …")
    production.episode_produce(actor=owner, episode=episode)
    _drain(scope)  # the script queues the scenes' work when it is written
    production.episode_produce(actor=owner, episode=episode)
    ran = _drain(scope)
    episode.refresh_from_db()
    if episode.catalog_episode_id is None or ran:
        publishing.episode_publish(actor=owner, episode=episode)
        _drain(scope)
        episode.refresh_from_db()
    project.refresh_from_db()
    title = project.catalog_title
    stdout.write(
        f"  {episode.scenes.count()} scenes, {episode.duration} s, published as "
        f"{title.title} S01E{episode.episode_number:02d}\n"
        f"  Watch:   /watch/{title.short_id}/?s=1&e={episode.episode_number}\n"
        f"  Studio:  /studio/projects/{project.pk}/  (the board: /studio/episodes/{episode.pk}/;"
        f" signed in as {owner.username})\n"
        f"  Admin:   /admin/studio/project/{project.pk}/change/"
    )
    return episode
