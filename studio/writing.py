"""Scripts: an episode's scene breakdown and dialogue, written through the prompt registry by
whichever model the ``script_generation`` generator calls (the local writer or a provider's),
checked against the template's output schema and turned into the episode's scenes.

The built-in template ``studio.episode-script`` is made on first use; staff edit it (new
versions, labels) like any other, and every run is a ``PromptExecution``."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from jobs.engine import JobContext, PermanentError

from .generators import Output
from .models import Character, Episode, ExecutionStatus, PromptTemplate, Task, TimeOfDay
from .services.content import episode_update
from .services.production import episode_produce
from .services.prompts import Call, prompt_builtin, prompt_run
from .services.scenes import scene_create

TEMPLATE = "studio.episode-script"
DEFAULT_SCENES = 3

LINE = {
    "type": "object",
    "additionalProperties": False,
    "required": ["character", "line", "emotion"],
    "properties": {
        "character": {"type": "string", "minLength": 1},
        "line": {"type": "string", "minLength": 1, "maxLength": 400},
        "emotion": {"type": "string"},
    },
}
SCENE = {
    "type": "object",
    "additionalProperties": False,
    "required": ["title", "location", "time_of_day", "mood", "action", "characters", "dialogue"],
    "properties": {
        "title": {"type": "string", "minLength": 1, "maxLength": 200},
        "location": {"type": "string", "maxLength": 200},
        "time_of_day": {"type": "string", "enum": list(TimeOfDay.values)},
        "mood": {"type": "string", "maxLength": 60},
        "action": {"type": "string"},
        "characters": {"type": "array", "items": {"type": "string"}},
        "dialogue": {"type": "array", "items": LINE},
    },
}
OUTPUT_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "required": ["logline", "scenes"],
    "properties": {
        "logline": {"type": "string", "maxLength": 300},
        "scenes": {"type": "array", "minItems": 1, "maxItems": 40, "items": SCENE},
    },
}
TEXT = """You are the head writer of an animated series. Write episode {{episode_number}} as a
scene breakdown with dialogue, from the facts below (the series, the episode's synopsis, the
characters with their personalities, motivations and relationships, and any scenes already
planned). Write {{scene_count}} scenes. Use only the characters named in the facts; each line is
one or two short spoken sentences. Answer with JSON matching the output schema.

Facts:
{{facts}}
"""


def script_template() -> PromptTemplate:
    """The built-in template, made with its first version on first use."""
    return prompt_builtin(
        data={
            "name": TEMPLATE,
            "app": "studio",
            "feature": "script",
            "stage": "writing",
            "text": TEXT,
            "model": "local/storyteller",
            "variables": [
                {"name": "episode_number", "type": "number", "required": True},
                {"name": "scene_count", "type": "number", "required": True},
                {"name": "facts", "type": "json", "required": True},
            ],
            "output_schema": OUTPUT_SCHEMA,
            "notes": "Built in: the episode's scene breakdown and dialogue.",
        }
    )


def episode_facts(episode: Episode) -> dict[str, Any]:
    """What the writer knows: the series, the episode and its cast (JSON-ready)."""
    project = episode.project
    cast = list(Character.objects.filter(project=project).prefetch_related("relationships__other"))
    return {
        "series": {
            "title": project.title,
            "genre": project.genre,
            "audience": project.target_audience,
            "description": project.description,
        },
        "episode": {
            "number": episode.episode_number,
            "title": episode.title,
            "logline": episode.logline,
            "summary": episode.summary or episode.description,
            "themes": episode.themes,
        },
        "characters": [
            {
                "name": c.name,
                "description": c.description,
                "personality": c.personality,
                "motivations": c.motivations,
                "relationships": [
                    {"with": r.other.name, "type": r.relationship_type, "note": r.description}
                    for r in c.relationships.all()
                ],
            }
            for c in cast
        ],
    }


def _scenes_apply(episode: Episode, output: dict[str, Any]) -> list[int]:
    """The breakdown as the episode's scenes (after any it has); lines by unknown characters
    are refused, since a schema cannot know the cast."""
    cast = {c.name.casefold(): c.pk for c in Character.objects.filter(project=episode.project)}
    made = []
    for i, scene in enumerate(output["scenes"]):
        unknown = sorted(
            {ln["character"] for ln in scene["dialogue"] if ln["character"].casefold() not in cast}
        )
        if unknown:
            raise PermanentError(
                f"scene {i + 1} gives lines to characters the project does not have: "
                + ", ".join(unknown)
            )
        speakers = [cast[line["character"].casefold()] for line in scene["dialogue"]]
        named = [cast[n.casefold()] for n in scene["characters"] if n.casefold() in cast]
        made.append(
            scene_create(
                actor=None,
                episode=episode,
                data={
                    "title": scene["title"],
                    "location": scene["location"],
                    "time_of_day": scene["time_of_day"],
                    "mood": scene["mood"],
                    "action": scene["action"],
                    "characters": sorted(set(named + speakers)),
                    "dialogue": [
                        {
                            "character": cast[line["character"].casefold()],
                            "lines": line["line"],
                            "emotion": line["emotion"],
                        }
                        for line in scene["dialogue"]
                    ],
                },
            ).pk
        )
    if output.get("logline") and not episode.logline:
        episode_update(actor=None, episode=episode, data={"logline": output["logline"][:300]})
    return made


def script_write(
    ctx: JobContext, task: Task, *, call_for: Callable[[dict[str, Any]], Call]
) -> Output:
    """Write the task's episode: one prompt run (``call_for(inputs)`` is the model call), then
    the scenes (one transaction)."""
    episode = Episode.objects.select_related("project").filter(pk=task.episode_id).first()
    if episode is None:
        raise PermanentError("a script is written for an episode: give the task an episode")
    count = task.parameters.get("scenes", DEFAULT_SCENES)
    if not isinstance(count, int) or isinstance(count, bool) or not 1 <= count <= 40:
        raise PermanentError("parameters.scenes is a number of scenes from 1 to 40")
    state = ctx.state
    if not ctx.done("write"):
        with ctx.step("write", progress=60):
            inputs = {
                "episode_number": episode.episode_number,
                "scene_count": count,
                "facts": episode_facts(episode),
            }
            execution = prompt_run(
                template=script_template(),
                inputs=inputs,
                call=call_for(inputs),
                project=episode.project,
                notes=f"task {task.pk}",
            )
            if execution.status != ExecutionStatus.SUCCESS:
                raise PermanentError(f"the script was not usable: {execution.error_message}")
            state["execution"] = execution.pk
            state["output"] = execution.output_raw
            state["cost"] = str(execution.cost)
            state["tokens"] = execution.tokens_in + execution.tokens_out
    if not ctx.done("scenes"):
        with ctx.step("scenes", progress=95, atomic=True):
            state["scenes"] = _scenes_apply(episode, state["output"])
            if task.parameters.get("then_produce"):
                episode_produce(
                    actor=None, episode=episode, burn_subtitles=bool(task.parameters.get("burn"))
                )
    Task.objects.filter(pk=task.pk).update(prompt_execution_id=state["execution"])
    return Output(
        result={"scenes": state["scenes"], "execution": state["execution"]},
        cost=Decimal(state["cost"]),
        tokens_used=state["tokens"],
    )
