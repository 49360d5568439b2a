"""The local writer: a scene breakdown and dialogue made offline from the project's own facts
(the series' genre, the episode's synopsis and themes, the characters' personalities,
motivations and relationships), through the same prompt registry and output schema as a
provider's model. It is deterministic (the same facts give the same script) and says what it
is: its executions are recorded under the model ``local/storyteller``.

It writes a plain three-act shape — an opening, turns, a resolution — with two characters per
scene taking turns; it is a working draft to edit, not literature."""

from __future__ import annotations

import hashlib
import json
import random
from typing import Any

from jobs.engine import JobContext

from ..generators import Output
from ..models import Task
from ..services.prompts import Call, CallResult
from ..writing import script_write

PLACES = {
    "action": ["the rooftop", "the rail yard", "the harbour", "the old factory"],
    "comedy": ["the kitchen", "the corner shop", "the school hall", "the park bench"],
    "drama": ["the family home", "the hospital corridor", "the station", "the garden"],
    "horror": ["the cellar", "the empty chapel", "the woods", "the attic"],
    "sci-fi": ["the bridge", "the cargo bay", "the observation deck", "the airlock"],
    "thriller": ["the parking garage", "the archive", "the night train", "the safe house"],
    "romance": ["the café", "the bookshop", "the pier", "the rooftop garden"],
    "documentary": ["the workshop", "the field", "the studio", "the town square"],
}
MOODS = {
    "action": ["tense", "urgent", "triumphant"],
    "comedy": ["playful", "awkward", "warm"],
    "drama": ["quiet", "strained", "hopeful"],
    "horror": ["uneasy", "dreadful", "breathless"],
    "sci-fi": ["curious", "tense", "awed"],
    "thriller": ["guarded", "urgent", "relieved"],
    "romance": ["shy", "tender", "hopeful"],
    "documentary": ["curious", "reflective", "bright"],
}
TIMES = ["day", "dusk", "night", "dawn"]
OPENERS = [
    "{other}, we need to talk about {topic}.",
    "You heard the news about {topic}, {other}?",
    "I can't stop thinking about {topic}.",
]
REPLIES = [
    "I know. All I want is {motive}.",
    "Then let's be {trait} about it, for once.",
    "You always say that. {rel}",
    "Not now. First, {motive}.",
]
TURNS = [
    "Wait. Something is wrong here.",
    "If we do this, there is no going back.",
    "Then we do it together, {other}.",
    "Trust me, just this once.",
]
CLOSERS = [
    "Whatever happens, I am glad you are here.",
    "Tomorrow we start again.",
    "That is the end of it. For now.",
]


def _first(values: list[Any], fallback: str) -> str:
    for value in values:
        if isinstance(value, str) and value.strip():
            return value.strip().rstrip(".").lower()
    return fallback


def _line(rng: random.Random, options: list[str], **words: str) -> str:
    return rng.choice(options).format(**words)


def breakdown(facts: dict[str, Any], scene_count: int) -> dict[str, Any]:
    """The script for ``facts`` (``studio.writing.episode_facts``): the same facts, the same
    script."""
    seed = hashlib.sha256(json.dumps([facts, scene_count], sort_keys=True).encode()).digest()
    rng = random.Random(seed)
    series, episode = facts["series"], facts["episode"]
    cast = facts["characters"] or [{"name": "Narrator", "personality": [], "motivations": []}]
    genre = series.get("genre") or "drama"
    topic = (
        _first(list(episode.get("themes") or []), "")
        or (episode.get("title") or series.get("title") or "what happened").lower()
    )
    places = PLACES.get(genre, PLACES["drama"])
    moods = MOODS.get(genre, MOODS["drama"])
    scenes = []
    for i in range(scene_count):
        a = cast[i % len(cast)]
        b = cast[(i + 1) % len(cast)] if len(cast) > 1 else a
        rel = next((r for r in a.get("relationships", []) if r["with"] == b["name"]), None)
        words = {
            "other": b["name"],
            "topic": topic,
            "motive": _first(a.get("motivations", []), "to get this right"),
            "trait": _first(b.get("personality", []), "careful"),
            "rel": f"That is what a {rel['type'].lower()} would say." if rel else "Not this time.",
        }
        first = i == 0
        last = i == scene_count - 1
        opener = _line(rng, OPENERS if first or rng.random() < 0.5 else TURNS, **words)
        closer = _line(rng, CLOSERS if last else TURNS, **{**words, "other": a["name"]})
        dialogue = [
            {"character": a["name"], "line": opener, "emotion": moods[0]},
            {"character": b["name"], "line": _line(rng, REPLIES, **words), "emotion": moods[1]},
            {"character": a["name"], "line": closer, "emotion": moods[-1 if last else 1]},
        ]
        beat = "opens" if first else ("resolves" if last else "turns")
        scenes.append(
            {
                "title": f"{a['name']} and {b['name']}" if a is not b else a["name"],
                "location": places[i % len(places)],
                "time_of_day": TIMES[(i + rng.randrange(2)) % len(TIMES)],
                "mood": moods[min(i, len(moods) - 1)],
                "action": f"The story {beat} at {places[i % len(places)]}: "
                f"{a['name']} and {b['name']} face {topic}.",
                "characters": sorted({a["name"], b["name"]}),
                "dialogue": dialogue,
            }
        )
    logline = episode.get("logline") or f"{cast[0]['name']} faces {topic}."
    return {"logline": logline[:300], "scenes": scenes}


def script(ctx: JobContext, task: Task) -> Output:
    """The ``script_generation`` generator of the embedded default."""

    def call_for(inputs: dict[str, Any]) -> Call:
        def call(model: str, prompt: str, schema: dict | None) -> CallResult:
            return CallResult(output=breakdown(inputs["facts"], inputs["scene_count"]))

        return call

    return script_write(ctx, task, call_for=call_for)
