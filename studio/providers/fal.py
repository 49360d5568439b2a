"""fal's queue API for images: submit (``POST /{model}``, with ``fal_webhook`` so fal calls us
back), status (``GET /{app}/requests/{id}/status``: queue position, metrics), result (``GET
/{app}/requests/{id}``) and cancel (``PUT /{app}/requests/{id}/cancel``). Each request is a
``FalRequest`` row; a webhook (``studio.services.fal``) or a poll fills in its result, and the
images are copied into the vault at once (fal's URLs expire). A content-filter refusal is
tried again with a new seed up to ``FAL_CONTENT_RETRIES`` times, then fails that task only.
Cost is the images made at ``FAL_COST_PER_IMAGE``; fal's metrics go to the media's metadata."""

from __future__ import annotations

import secrets
import tempfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
from django.conf import settings
from django.urls import reverse

from jobs.engine import JobContext, PermanentError, Requeue, TransientError

from ..generators import Output
from ..models import Character, FalRequest, FalState, Media, MediaType, Scene, Task
from ..services.media import media_create
from ..services.production import is_take, panels_attach, panels_to_draw
from .http import (
    ContentRefused,
    ProviderError,
    ProviderInputError,
    client,
    raise_for,
    request,
)

NAME = "fal"
REFUSAL_WORDS = ("content_policy", "content policy", "content filter", "nsfw")


def _http() -> httpx.Client:
    if not settings.FAL_KEY:
        raise ProviderError("FAL_KEY is not set (docs/configuration.md)")
    return client(
        base_url=settings.FAL_QUEUE_URL,
        headers={"Authorization": f"Key {settings.FAL_KEY}"},
        timeout=settings.FAL_TIMEOUT,
    )


def app_of(model: str) -> str:
    """Status, result and cancel live under the app (``fal-ai/flux``), not its sub-path."""
    return "/".join(model.split("/")[:2])


def submit(http: httpx.Client, model: str, arguments: dict[str, Any]) -> str:
    params = {}
    if settings.FAL_WEBHOOKS and settings.SITE_URL:
        params["fal_webhook"] = settings.SITE_URL.rstrip("/") + reverse("studio-fal-webhook")
    reply = request(http, "POST", model, provider=NAME, params=params, json=arguments).json()
    if not reply.get("request_id"):
        raise ProviderError(f"{NAME} queued the request but sent no request id")
    return str(reply["request_id"])


def status(http: httpx.Client, model: str, request_id: str) -> dict[str, Any]:
    url = f"{app_of(model)}/requests/{request_id}/status"
    return request(http, "GET", url, provider=NAME).json()


def result(http: httpx.Client, model: str, request_id: str) -> dict[str, Any]:
    return request(http, "GET", f"{app_of(model)}/requests/{request_id}", provider=NAME).json()


def cancel(http: httpx.Client, model: str, request_id: str) -> str:
    """fal's answer: CANCELLATION_REQUESTED, or ALREADY_COMPLETED (a 400 that is not an
    error here: there is nothing left to cancel)."""
    url = f"{app_of(model)}/requests/{request_id}/cancel"
    try:
        response = http.put(url)
    except httpx.TransportError as exc:
        raise TransientError(f"{NAME} unreachable: {type(exc).__name__}") from exc
    if response.status_code not in (200, 202, 400):
        raise_for(response, provider=NAME)
    return str((response.json() or {}).get("status", response.status_code))


def refused(payload: dict[str, Any] | None, error: str = "") -> bool:
    """fal's content filter: ``has_nsfw_concepts`` on an image, or a content-policy error."""
    if payload and any(payload.get("has_nsfw_concepts") or []):
        return True
    text = (error + " " + str((payload or {}).get("detail", ""))).lower()
    return any(w in text for w in REFUSAL_WORDS)


def _prompt(scene: Scene, panel: dict[str, Any], cast: dict[int, Character]) -> str:
    speaking = {line.get("character") for line in scene.dialogue}
    present = speaking | set(panel.get("characters") or [])
    who = ", ".join(
        f"{c.name} ({c.description or c.style_notes or 'a character'})"
        for c in cast.values()
        if c.pk in present
    )
    parts = (
        f"{panel.get('camera_angle') or 'medium shot'}: {panel.get('description') or ''}",
        f"{scene.location}, {scene.time_of_day}" if scene.location else "",
        f"Characters: {who}" if who else "",
        f"A {scene.project.get_genre_display().lower()} series: {scene.project.title}",
    )
    return ". ".join(p for p in parts if p.strip())


def _targets(task: Task) -> tuple[Scene | None, list[tuple[str, str, dict[str, Any]]]]:
    """(scene, [(key, prompt, panel)]): one per storyboard panel, or the task's prompt."""
    if task.scene_id:
        scene = Scene.objects.select_related("project").get(pk=task.scene_id)
        cast = {c.pk: c for c in Character.objects.filter(project_id=scene.project_id)}
        task.scene = scene
        panels = panels_to_draw(task)
        return scene, [(f"panel-{p['panel_number']}", _prompt(scene, p, cast), p) for p in panels]
    if task.parameters.get("media_type", "concept_art") not in MediaType.values:
        raise PermanentError(f"parameters.media_type is one of {', '.join(MediaType.values)}")
    prompt = str(task.parameters.get("prompt") or "").strip()
    if not prompt:
        raise PermanentError("an image task needs a scene or parameters.prompt")
    return None, [("image", prompt, {})]


def _wait(ctx: JobContext, key: str, row: FalRequest) -> None:
    where = f"position {row.queue_position}" if row.queue_position is not None else "running"
    ctx.job.state["fal_wait"] = {"key": key, "state": row.state, "position": row.queue_position}
    ctx.save_state()
    ctx.note(f"fal: {key} {where}")
    what = row.get_state_display().lower()
    raise Requeue(f"fal: {key} is {what}", countdown=settings.FAL_POLL_SECONDS)


def _settle(http: httpx.Client, row: FalRequest) -> FalRequest:
    """Bring the row up to date by polling, unless a webhook already did."""
    if row.state in (FalState.COMPLETED, FalState.FAILED) and (row.result or row.error):
        return row
    seen = status(http, row.model, row.request_id)
    row.state = seen.get("status", row.state)
    row.queue_position = seen.get("queue_position")
    if row.state == FalState.COMPLETED:
        try:
            row.result = result(http, row.model, row.request_id)
        except (ProviderInputError, ContentRefused) as exc:  # e.g. content_policy_violation
            row.state, row.error = FalState.FAILED, str(exc)
        if seen.get("metrics"):
            row.result = {**(row.result or {}), "_metrics": seen["metrics"]}
    row.save()
    return row


def _one(ctx: JobContext, http: httpx.Client, task: Task, key: str, prompt: str) -> FalRequest:
    """The finished request for ``key``: submitted once, waited for, re-seeded on refusal."""
    mine = ctx.state.setdefault("fal", {}).setdefault(key, {"refusals": 0})
    model = task.parameters.get("model") or settings.FAL_IMAGE_MODEL
    while True:
        if not mine.get("request"):
            seed = secrets.randbelow(2**31)
            arguments = {"prompt": prompt, "seed": seed, "num_images": 1}
            arguments |= {"enable_safety_checker": True, **task.parameters.get("arguments", {})}
            rid = submit(http, model, arguments)
            FalRequest.objects.create(request_id=rid, task=task, model=model, key=key, seed=seed)
            mine["request"] = rid
            ctx.save_state()
        row = _settle(http, FalRequest.objects.get(request_id=mine["request"]))
        if row.state in (FalState.QUEUED, FalState.RUNNING):
            _wait(ctx, key, row)
        if row.state == FalState.COMPLETED and not refused(row.result):
            return row
        if not refused(row.result, row.error):
            raise ProviderError(f"{NAME} failed {key}: {row.error or row.state}")
        mine["refusals"] += 1
        if mine["refusals"] > settings.FAL_CONTENT_RETRIES:
            raise ContentRefused(
                f"{NAME}'s content filter refused {key} {mine['refusals']} times "
                "(each with a new seed): change its prompt"
            )
        mine["request"] = None
        ctx.save_state()


def _download(url: str, dest: Path) -> None:
    try:
        with httpx.stream("GET", url, timeout=settings.FAL_TIMEOUT, follow_redirects=True) as r:
            if r.status_code >= 500:
                raise TransientError(f"{NAME}'s file host answered {r.status_code}")
            if r.status_code != 200:
                raise ProviderError(f"{NAME}'s image is gone ({r.status_code}): its URL expired")
            with dest.open("wb") as out:
                for chunk in r.iter_bytes(1 << 16):
                    out.write(chunk)
    except httpx.TransportError as exc:
        raise TransientError(f"{NAME}'s file host unreachable: {type(exc).__name__}") from exc


def _keep(task: Task, scene: Scene | None, key: str, prompt: str, row: FalRequest) -> Media:
    images = (row.result or {}).get("images") or []
    if not images or not images[0].get("url"):
        raise ProviderError(f"{NAME} finished {key} without an image")
    image = images[0]
    name = image.get("file_name") or f"{key}.png"
    with tempfile.TemporaryDirectory() as work:
        path = Path(work) / "image"
        _download(image["url"], path)
        data: dict[str, Any] = {"description": prompt[:2000]}
        kind = task.parameters.get("media_type") or "concept_art"
        if scene is not None:
            data |= {"scene": scene.pk, "episode": scene.episode_id}
            kind = "storyboard"
        elif task.character_id:
            data["character"] = task.character_id
            kind = task.parameters.get("media_type") or "character_design"
        return media_create(
            actor=None,
            project=task.project,
            upload=path,
            filename=f"{key}-{name}" if scene is not None else name,
            media_type=kind,
            data=data,
            provider="fal",
            cost=Decimal(settings.FAL_COST_PER_IMAGE),
            generation_metadata={
                "generator": "fal",
                "model": row.model,
                "request_id": row.request_id,
                "seed": row.seed,
                "task_id": task.pk,
                "prompt": prompt,
                "metrics": (row.result or {}).get("_metrics", {}),
                **(
                    {"panel_number": int(key.removeprefix("panel-")), "scene": scene.pk}
                    | ({"take": task.parameters["take"]} if is_take(task) else {})
                    if scene is not None
                    else {}
                ),
            },
        )


def image(ctx: JobContext, task: Task) -> Output:
    scene, targets = _targets(task)
    kept: dict[str, int] = ctx.state.setdefault("kept", {})
    with _http() as http:
        for key, prompt, _ in targets:
            if key in kept:
                continue
            row = _one(ctx, http, task, key, prompt)
            with ctx.step(key, progress=int(90 * (len(kept) + 1) / len(targets)), atomic=True):
                kept[key] = _keep(task, scene, key, prompt, row).pk
    if scene is not None and not is_take(task):  # a take waits for the producer's pick
        images = {int(k.removeprefix("panel-")): pk for k, pk in kept.items()}
        panels_attach(scene=scene, images=images)
    price = Decimal(settings.FAL_COST_PER_IMAGE)
    return Output(
        media=Media.objects.filter(pk=kept[targets[0][0]]).first(),
        result={"images": kept},
        cost=price * len(kept),
    )


def cancel_open(*, request_ids: list[str]) -> int:
    """Ask fal to drop requests still queued or running (a cancelled task's)."""
    rows = list(FalRequest.objects.filter(request_id__in=request_ids))
    done = 0
    with _http() as http:
        for row in rows:
            if row.state in (FalState.QUEUED, FalState.RUNNING):
                cancel(http, row.model, row.request_id)
                row.state = FalState.CANCELLED
                row.save(update_fields=["state", "updated_at"])
                done += 1
    return done
