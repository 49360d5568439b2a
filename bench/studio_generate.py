"""Offline generation speed: the studio demo's project gets an episode of ``--scenes`` scenes
written, drawn, voiced, assembled, embedded and published with no provider key (the embedded
default: SQLite, the local vault), every task run here in the engine's order, as one studio
worker would. Prints the seconds each step took, per minute of the finished episode, and the
total beside real time (the baseline: 60 s of generation per minute of episode).

    .venv/bin/python bench/studio_generate.py               # 6 scenes (about a minute)
    .venv/bin/python bench/studio_generate.py --scenes 3"""

from __future__ import annotations

import argparse
import io
import os
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

WORK = Path(tempfile.mkdtemp(prefix="studio-bench-"))
os.environ.update(
    {
        "DATABASE_URL": f"sqlite:///{WORK / 'db.sqlite3'}",
        "VAULT_DIR": str(WORK / "vault"),
        "EDGE_DIR": str(WORK / "edge"),
        "DEBUG": "true",
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "LOG_LEVEL": "WARNING",
    }
)
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "streamvault.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402

from demo import studio as demo  # noqa: E402
from jobs.engine import job_run  # noqa: E402
from jobs.models import Job, JobStatus  # noqa: E402
from studio.models import Task  # noqa: E402
from studio.services import production, publishing  # noqa: E402

STEPS = {
    "script_generation": "script (local writer)",
    "image_generation": "storyboards (Pillow)",
    "audio_generation": "voices (Piper)",
    "scene_assembly": "scene clips (ffmpeg)",
    "episode": "episode join + thumbnail",
    "embedding_generation": "embeddings (MiniLM)",
    "studio_publish": "publish (ingest: probe, WebVTT, screenshots)",
}


def drain(scope: str, spent: dict[str, float]) -> None:
    while job := (
        Job.objects.filter(scope=scope, status=JobStatus.QUEUED)
        .order_by("-priority", "created_at", "id")
        .first()
    ):
        task = Task.objects.filter(job=job).first()
        step = job.kind if task is None else task.task_type
        if task is not None and task.task_type == "scene_assembly" and task.scene_id is None:
            step = "episode"
        began = time.perf_counter()
        status = job_run(job_id=job.pk)
        spent[step] += time.perf_counter() - began
        if status != JobStatus.DONE:
            job.refresh_from_db()
            raise SystemExit(f"{job.kind} #{job.pk} {status}: {job.last_error}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scenes", type=int, default=6)
    args = parser.parse_args()
    call_command("migrate", verbosity=0, stdout=io.StringIO())
    owner = demo._owner()
    project, episode = demo._project(owner)
    scope = f"studio-project:{project.pk}"
    spent: dict[str, float] = defaultdict(float)
    began = time.perf_counter()
    production.episode_produce(actor=owner, episode=episode, scenes=args.scenes)
    drain(scope, spent)  # the script
    production.episode_produce(actor=owner, episode=episode)  # the scenes it wrote
    drain(scope, spent)
    episode.refresh_from_db()
    publishing.episode_publish(actor=owner, episode=episode)
    drain(scope, spent)
    total = time.perf_counter() - began
    episode.refresh_from_db()
    minutes = episode.duration / 60
    print(
        f"studio, offline: {args.scenes} scenes, {episode.scenes.count()} made, "
        f"episode {episode.duration} s; {os.cpu_count()} cores"
    )
    print(f"  {'step':<46} {'seconds':>8} {'s per min of episode':>22}")
    for step, label in STEPS.items():
        if step in spent:
            print(f"  {label:<46} {spent[step]:>8.1f} {spent[step] / minutes:>22.1f}")
    print(
        f"  {'total (with the engine and the database)':<46} {total:>8.1f} {total / minutes:>22.1f}"
    )
    print(f"  baseline, real time: 60.0 s per minute; ratio {total / minutes / 60:.2f}x")


if __name__ == "__main__":
    main()
