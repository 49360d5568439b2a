"""Studio tasks on real Celery workers over real Redis and PostgreSQL: dependencies run in order
(a dependent starts only after every dependency finished), the highest priority is claimed
first, a failure cancels what depends on it, and a worker killed with -9 mid-task loses nothing
and runs nothing twice — the stale sweep re-queues it and a new worker resumes after the
recorded steps; and an episode is made by the offline generators on a worker."""

from __future__ import annotations

import json

import pytest

from jobs.engine import job_requeue_stale
from jobs.models import Job, JobStatus
from studio.models import Embedding, Episode, Media, Task
from studio.services import production, tasks
from tests.studio.factories import character_of, episode_of, producer, project_of, scene_of
from tests.support.swarm import Ticker, wait_for

pytestmark = pytest.mark.django_db(transaction=True)
GENERATORS = json.dumps(
    {
        "image_generation": "tests.support.studio.slow_image",
        "scene_assembly": "tests.support.studio.slow_image",
    }
)


@pytest.fixture
def studio_worker(swarm_workers, settings):
    settings.STUDIO_GENERATORS = json.loads(GENERATORS)

    def start(concurrency: int = 2):
        return swarm_workers.start(
            queues="heavy", concurrency=concurrency, STUDIO_GENERATORS=GENERATORS
        )

    return start


def _job(task: Task) -> Job:
    return Job.objects.get(pk=task.job_id)


def _ended(*made: Task) -> bool:
    return all(
        _job(t).status in (JobStatus.DONE, JobStatus.FAILED, JobStatus.CANCELLED) for t in made
    )


def test_dependencies_run_in_order_on_real_workers(studio_worker, swarm_workers):
    owner = producer()
    project = project_of(owner)
    made = [
        t
        for t, _ in tasks.tasks_create(
            actor=owner,
            project=project,
            specs=[
                {
                    "key": "cut",
                    "task_type": "scene_assembly",
                    "depends_on": ["a", "b"],
                    "parameters": {"steps": 1},
                },
                {
                    "key": "a",
                    "task_type": "image_generation",
                    "parameters": {"label": "a", "steps": 2},
                },
                {
                    "key": "b",
                    "task_type": "image_generation",
                    "parameters": {"label": "b", "steps": 3},
                },
                {
                    "key": "bad",
                    "task_type": "image_generation",
                    "parameters": {"fail": "no model", "steps": 1},
                },
                {"key": "after-bad", "task_type": "scene_assembly", "depends_on": ["bad"]},
            ],
        )
    ]
    studio_worker()
    cut, a, b, bad, after_bad = made
    wait_for(lambda: _ended(*made), timeout=90, what="the tasks to end")
    assert [_job(t).status for t in made] == [
        JobStatus.DONE,
        JobStatus.DONE,
        JobStatus.DONE,
        JobStatus.FAILED,
        JobStatus.CANCELLED,
    ]
    assert _job(cut).started_at >= max(_job(a).finished_at, _job(b).finished_at)
    assert _job(after_bad).last_error == f"dependency #{bad.job_id} failed: no model"
    assert _job(after_bad).attempts == 0  # never ran
    for task in (cut, a, b):
        task.refresh_from_db()
        assert task.output_media is not None and task.processing_time > 0
    assert Media.objects.count() == 3
    assert {_job(t).runner.split(":")[0] for t in (a, b)} != {""}


def test_the_highest_priority_is_claimed_first(studio_worker):
    owner = producer()
    project = project_of(owner)
    made = [
        t
        for t, _ in tasks.tasks_create(
            actor=owner,
            project=project,
            specs=[
                {
                    "task_type": "image_generation",
                    "priority": p,
                    "parameters": {"label": p, "steps": 1},
                }
                for p in (1, 5, 9, 3)
            ],
        )
    ]
    studio_worker(concurrency=1)  # one at a time: the order of claims is the order of runs
    wait_for(lambda: _ended(*made), timeout=90, what="the tasks to end")
    order = sorted(made, key=lambda t: _job(t).started_at)
    assert [_job(t).priority for t in order] == [9, 5, 3, 1]


def test_kill_9_mid_task_requeues_it_and_it_completes_once(studio_worker, swarm_workers):
    owner = producer()
    project = project_of(owner)
    task = tasks.tasks_create(
        actor=owner,
        project=project,
        specs=[
            {"task_type": "image_generation", "parameters": {"steps": 8, "step_seconds": 0.5}},
        ],
    )[0][0]
    first = studio_worker()
    wait_for(
        lambda: 2 <= len(_job(task).steps_done) < 7, timeout=60, what="the task to be under way"
    )
    swarm_workers.kill9(first)
    killed = _job(task)
    assert killed.status == JobStatus.RUNNING
    done_before = list(killed.steps_done)
    studio_worker()
    sweep = Ticker(lambda: job_requeue_stale(stale_seconds=2), every=0.5)
    sweep.start()
    try:
        wait_for(lambda: _ended(task), timeout=90, what="the task to finish after the restart")
    finally:
        sweep.stopped.set()
        sweep.join(5)
    job = _job(task)
    assert job.status == JobStatus.DONE, job.last_error
    assert job.attempts == 2
    assert job.steps_done[: len(done_before)] == done_before
    assert sorted(job.steps_done) == sorted({*job.steps_done})  # no step twice
    assert job.state["frames"] == list(range(8))
    assert Media.objects.count() == 1


def test_an_episode_is_drawn_voiced_assembled_and_embedded_on_a_real_worker(swarm_workers):
    """The offline generators themselves (Pillow, Piper, ffmpeg, MiniLM), each task sent
    through Redis to a worker process: what a producer's episode goes through."""
    owner = producer()
    project = project_of(owner)
    mara = character_of(project, name="Mara")
    episode = episode_of(project)
    scene_of(episode, dialogue=[{"character": mara.pk, "lines": "We leave at dawn."}])
    swarm_workers.start(queues="heavy", concurrency=2)
    production.episode_produce(actor=owner, episode=episode)
    wait_for(
        lambda: Episode.objects.get(pk=episode.pk).status == "completed",
        timeout=120,
        what="the episode made on the worker",
    )
    episode.refresh_from_db()
    video = episode.final_video.technical_data
    assert video["video_codec"] == "h264" and video["audio_codecs"] == ["aac"]
    assert video["duration"] > 2  # the line, with the beats around it
    boards = Media.objects.filter(episode=episode, media_type="storyboard")
    wait_for(
        lambda: Embedding.objects.filter(media__in=boards).count() == boards.count() > 0,
        what="the storyboards' embeddings",
    )
    assert not Job.objects.filter(scope=f"studio-project:{project.pk}", status="failed").exists()
