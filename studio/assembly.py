"""Scene assembly (the ``scene_assembly`` generator, whoever drew and voiced the scene): a
scene's storyboard panels and sound track → its clip, each panel on screen while its line is
spoken (``media.assemble``); and, for a task on an episode with no scene, the episode's scenes
→ its final video and thumbnail. Every output is probed into ``technical_data``."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from jobs.engine import JobContext, PermanentError
from media.assemble import AssemblyError, Cue, Shot, concat, scene_render, still
from media.probe import ProbeError, probe

from .generators import Output
from .local.drawing import SIZES
from .models import Episode, EpisodeStatus, Media, Scene, SceneStatus, Task
from .services.content import episode_update
from .services.media import media_create, media_fetch
from .services.scenes import scene_update

SILENT_SHOT = 3.0  # seconds per panel of a scene without a sound track
GENERATOR = "ffmpeg-assembly"


def _technical(path: Path) -> dict[str, Any]:
    try:
        result = probe(path)
    except ProbeError as exc:
        raise PermanentError(f"the assembled file does not probe: {exc}") from exc
    return {
        "duration": round(result.duration or 0, 3),
        "width": result.width,
        "height": result.height,
        "video_codec": result.video_codec,
        "audio_codecs": result.audio_codecs,
        "subtitles": [s.codec for s in result.subtitles],
    }


def shots_for(panels: list[dict], cues: list[dict], duration: float) -> list[tuple[int, float]]:
    """(panel index, seconds) per shot. With cues: an opening establishing panel holds until
    the first line; then each line's panel from its start to the next line's; the last to the
    end of the sound. Panels run out → the last one stays. Without cues: each panel for
    ``SILENT_SHOT`` seconds."""
    if not cues:
        return [(i, SILENT_SHOT) for i in range(len(panels))]
    opening = "establishing" in str(panels[0].get("camera_angle") or "").lower()
    offset = 1 if opening and len(panels) > 1 else 0
    # An opening panel has a shot of its own before the first line; otherwise the first
    # line's panel opens the scene.
    starts = [0.0] + [c["start"] for c in (cues if offset else cues[1:])]
    shots = []
    for n, start in enumerate(starts):
        end = starts[n + 1] if n + 1 < len(starts) else duration
        panel = min(n, len(panels) - 1)
        if end - start > 0.04:
            shots.append((panel, end - start))
    return shots


def _cue(cue: dict[str, Any]) -> Cue:
    speaker = cue.get("speaker") or ""
    return Cue(cue["start"], cue["end"], f"{speaker}: {cue['text']}" if speaker else cue["text"])


def _scene_clip(ctx: JobContext, task: Task, scene: Scene) -> Output:
    panels = sorted(scene.panels, key=lambda p: p["panel_number"])
    if not panels or any(not p.get("image") for p in panels):
        raise PermanentError(
            f"scene {scene.scene_number} has panels without pictures: draw its storyboard first"
        )
    track = scene.audio_track
    if scene.dialogue and track is None:
        raise PermanentError(
            f"scene {scene.scene_number} has dialogue but no sound track: voice it first"
        )
    cues = (track.technical_data.get("cues") or []) if track else []
    duration = (
        float(track.technical_data.get("duration", 0)) if track else SILENT_SHOT * len(panels)
    )
    images = {m.pk: m for m in Media.objects.filter(pk__in=[p["image"] for p in panels])}
    burn = bool(task.parameters.get("burn_subtitles", False))
    with tempfile.TemporaryDirectory() as work:
        root = Path(work)
        paths = []
        for i, panel in enumerate(panels):
            media = images.get(panel["image"])
            if media is None:
                raise PermanentError(
                    f"scene {scene.scene_number}, panel {panel['panel_number']}: picture gone"
                )
            paths.append(media_fetch(media=media, dest=root / f"panel-{i}.png"))
        audio = media_fetch(media=track, dest=root / "track.wav") if track else None
        shots = [Shot(paths[i], s) for i, s in shots_for(panels, cues, duration)]
        out = root / "scene.mp4"
        try:
            scene_render(
                shots,
                out,
                audio=audio,
                cues=[_cue(c) for c in cues],
                size=SIZES.get(scene.project.aspect_ratio, SIZES["16:9"]),
                burn=burn,
            )
        except AssemblyError as exc:
            raise PermanentError(
                f"ffmpeg could not assemble scene {scene.scene_number}: {exc}"
            ) from exc
        technical = {**_technical(out), "cues": cues, "burned_subtitles": burn}
        with ctx.step("store", progress=95, atomic=True):
            clip = media_create(
                actor=None,
                project=scene.project,
                upload=out,
                filename=f"scene-{scene.scene_number}.mp4",
                media_type="video_segment",
                data={"scene": scene.pk, "episode": scene.episode_id},
                provider="local",
                generation_metadata={"generator": GENERATOR, "task_id": task.pk},
                technical_data=technical,
            )
            _scene_done(scene, clip)
    return Output(media=clip, result={"duration": technical["duration"]})


def _scene_done(scene: Scene, clip: Media) -> None:
    path = {
        SceneStatus.PENDING: [SceneStatus.GENERATING, SceneStatus.REVIEWING],
        SceneStatus.FAILED: [SceneStatus.GENERATING, SceneStatus.REVIEWING],
        SceneStatus.GENERATING: [SceneStatus.REVIEWING],
        SceneStatus.APPROVED: [SceneStatus.REVIEWING],
    }.get(scene.status, [])
    scene = scene_update(actor=None, scene=scene, data={"video_segment": clip.pk})
    for status in path:
        scene = scene_update(actor=None, scene=scene, data={"status": status})


def _episode_video(ctx: JobContext, task: Task, episode: Episode) -> Output:
    scenes = list(episode.scenes.select_related("video_segment").order_by("scene_number"))
    missing = [s.scene_number for s in scenes if s.video_segment is None]
    if not scenes or missing:
        which = ", ".join(map(str, missing)) or "none yet"
        raise PermanentError(f"episode {episode.episode_number} has scenes without a clip: {which}")
    with tempfile.TemporaryDirectory() as work:
        root = Path(work)
        parts = [
            media_fetch(media=s.video_segment, dest=root / f"scene-{s.scene_number}.mp4")
            for s in scenes
        ]
        out = root / "episode.mp4"
        try:
            concat(parts, out)
            technical = _technical(out)
            thumb = still(out, root / "thumbnail.jpg", at=min(2.0, technical["duration"] / 2))
        except AssemblyError as exc:
            raise PermanentError(
                f"ffmpeg could not join episode {episode.episode_number}: {exc}"
            ) from exc
        technical["scenes"] = [{"scene": s.pk, "clip": s.video_segment_id} for s in scenes]
        meta = {"generator": GENERATOR, "task_id": task.pk}
        with ctx.step("store", progress=95, atomic=True):
            video = media_create(
                actor=None, project=episode.project, upload=out,
                filename=f"episode-{episode.episode_number}.mp4", media_type="final_video",
                data={"episode": episode.pk}, provider="local", generation_metadata=meta,
                technical_data=technical,
            )  # fmt: skip
            picture = media_create(
                actor=None, project=episode.project, upload=thumb,
                filename=f"episode-{episode.episode_number}.jpg", media_type="concept_art",
                data={"episode": episode.pk, "alt": f"{episode.title}: thumbnail"},
                provider="local", generation_metadata=meta,
            )  # fmt: skip
            episode_update(
                actor=None,
                episode=episode,
                data={
                    "final_video": video.pk,
                    "thumbnail": picture.pk,
                    "duration": round(technical["duration"]),
                    "status": EpisodeStatus.COMPLETED,
                },
            )
    return Output(media=video, result={"duration": technical["duration"], "thumbnail": picture.pk})


def assemble(ctx: JobContext, task: Task) -> Output:
    """The ``scene_assembly`` generator: a scene's clip, or (no scene) the episode's video."""
    if task.scene_id:
        scene = (
            Scene.objects.select_related("project", "audio_track").filter(pk=task.scene_id).first()
        )
        if scene is None:
            raise PermanentError("the scene was deleted")
        return _scene_clip(ctx, task, scene)
    episode = Episode.objects.select_related("project").filter(pk=task.episode_id).first()
    if episode is None:
        raise PermanentError("assembly needs a scene, or an episode to join")
    return _episode_video(ctx, task, episode)
