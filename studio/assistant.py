"""The studio assistant: a session's other voice. It walks a producer through the production
phases — story, characters, visuals, audio, scenes, post-production, assembly — doing what
each answer asks (a synopsis saved, a character added, a voice chosen, the episode produced or
published) and offering the next steps as choices (``last_choices``), then waits for the
producer (``awaiting_user_input``).

What it does is decided here, from the project's rows; how it says it is written through the
prompt registry (``studio.assistant``, recorded as a ``PromptExecution``): by OpenRouter when
``OPENROUTER_API_KEY`` is set, else by the local writer, which says it plainly. A failed call
falls back to the plain words, so a provider's outage never loses a producer's answer."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction

from jobs.engine import PermanentError, TransientError

from .errors import Invalid, StudioError
from .models import Character, Episode, Phase, PromptTemplate, Session
from .providers.http import ProviderError
from .providers.openrouter import chat_json
from .services import content, production, projects, publishing, sessions
from .services.prompts import CallResult, prompt_builtin, prompt_run

TEMPLATE = "studio.assistant"
ORDER = [p.value for p in Phase]
VOICES = ("deep", "high", "slow", "fast", "bright", "measured")
ASPECTS = ("16:9", "4:3", "21:9")
OUTPUT_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "required": ["message"],
    "properties": {"message": {"type": "string", "minLength": 1, "maxLength": 2000}},
}
TEXT = """You are the assistant of an animation studio, talking with a producer. The production
is in the phase "{{phase}}". What the producer just said or chose: {{said}}
What happened: {{done}}
The facts of the project: {{facts}}
The choices the producer will see as buttons: {{choices}}
Write a short, friendly reply (two or three sentences) that says what happened and what the
choices do. Answer with JSON: {"message": "..."}."""
NAME_LINE = re.compile(r"^\s*([^:\n]{1,80}?)\s*(?::\s*(.*))?$", re.S)


@dataclass
class Turn:
    """One reply in the making: what was done (in words) and what to offer next."""

    session: Session
    done: list[str] = field(default_factory=list)
    choices: list[dict[str, Any]] = field(default_factory=list)

    def offer(self, choice_id: str, label: str, action: str = "") -> None:
        self.choices.append({"choice_id": choice_id, "label": label, "action": action or choice_id})


def template() -> PromptTemplate:
    return prompt_builtin(
        data={
            "name": TEMPLATE,
            "app": "studio",
            "feature": "assistant",
            "stage": "conversation",
            "text": TEXT,
            "model": "local/assistant",
            "variables": [
                {"name": n, "type": "string", "required": True}
                for n in ("phase", "said", "done", "facts", "choices")
            ],
            "output_schema": OUTPUT_SCHEMA,
            "notes": "Built in: the studio assistant's replies in a session.",
        }
    )


def _episode(turn: Turn) -> Episode | None:
    session = turn.session
    if session.current_episode_id:
        return session.current_episode
    return session.project.episodes.order_by("episode_number").first()


def _act(turn: Turn, actor: Any, action: str, text: str) -> None:
    """Do what a choice (``action``) or the producer's words (``text``) ask, in this phase."""
    session, project = turn.session, turn.session.project
    verb, _, arg = action.partition(":")
    if verb == "phase" and arg in ORDER:
        session.current_step = arg
        projects.project_update(actor=actor, project=project, data={"current_phase": arg})
        turn.done.append(f"On to {Phase(arg).label.lower()}.")
    elif verb == "focus" and arg.isdigit():
        session = sessions.session_update(
            actor=actor, session=session, data={"focus_character": int(arg)}
        )
        turn.session = session
        turn.done.append(f"Working on {session.focus_character.name}.")
    elif verb == "aspect" and arg in ASPECTS:
        projects.project_update(actor=actor, project=project, data={"aspect_ratio": arg})
        turn.done.append(f"Pictures will be {arg}.")
    elif verb == "voice" and arg in VOICES and session.focus_character_id:
        character = session.focus_character
        content.character_update(
            actor=actor, character=character, data={"voice_characteristics": [arg]}
        )
        turn.done.append(f"{character.name} now has a {arg} voice.")
    elif verb == "burn":
        session.workflow_state = {**session.workflow_state, "burn_subtitles": arg == "on"}
        turn.done.append("Subtitles will be burnt in." if arg == "on" else "Subtitles stay soft.")
    elif verb == "produce" and (episode := _episode(turn)) is not None:
        burn = bool(session.workflow_state.get("burn_subtitles"))
        made = production.episode_produce(actor=actor, episode=episode, burn_subtitles=burn)
        turn.done.append(
            f"Episode {episode.episode_number} is in production: {made['created']} new tasks,"
            f" {made['reused']} already made. The board shows their progress."
        )
    elif verb == "publish" and (episode := _episode(turn)) is not None:
        publishing.episode_publish(actor=actor, episode=episode)
        turn.done.append(f"Episode {episode.episode_number} is on its way to the catalog.")
    elif text:
        _words(turn, actor, text)


def _words(turn: Turn, actor: Any, text: str) -> None:
    session, project = turn.session, turn.session.project
    phase = session.current_step or ORDER[0]
    if phase == Phase.STORY:
        projects.project_update(actor=actor, project=project, data={"description": text[:5000]})
        episode = _episode(turn)
        if episode is None:
            episode = content.episode_create(
                actor=actor,
                project=project,
                data={"episode_number": 1, "title": "Episode 1", "description": text[:5000]},
            )
        else:
            content.episode_update(actor=actor, episode=episode, data={"description": text[:5000]})
        turn.session = sessions.session_update(
            actor=actor, session=session, data={"current_episode": episode.pk}
        )
        turn.done.append(f"The story is written down for episode {episode.episode_number}.")
    elif phase == Phase.CHARACTERS:
        found = NAME_LINE.match(text)
        name, about = found.groups() if found else (text, "")
        character = content.character_create(
            actor=actor,
            project=project,
            data={"name": name.strip()[:100], "description": about or ""},
        )
        turn.session = sessions.session_update(
            actor=actor, session=session, data={"focus_character": character.pk}
        )
        turn.done.append(f"{character.name} joins the cast.")
    elif phase in (Phase.VISUALS, Phase.AUDIO) and session.focus_character_id:
        character = session.focus_character
        field_name = "style_notes" if phase == Phase.VISUALS else "voice_characteristics"
        value: Any = text[:2000]
        if phase == Phase.AUDIO:
            value = [w.strip() for w in text.split(",") if w.strip()][:10]
        content.character_update(actor=actor, character=character, data={field_name: value})
        turn.done.append(f"Noted for {character.name}.")
    else:
        session.user_preferences = {**session.user_preferences, "notes": text[:2000]}
        turn.done.append("Noted.")


def _offer(turn: Turn) -> None:
    session, project = turn.session, turn.session.project
    phase = session.current_step or ORDER[0]
    at = ORDER.index(phase)
    if phase == Phase.CHARACTERS:
        for c in Character.objects.filter(project=project).order_by("name")[:6]:
            turn.offer(f"focus-{c.pk}", f"Work on {c.name}", f"focus:{c.pk}")
    elif phase == Phase.VISUALS:
        for ratio in ASPECTS:
            turn.offer(f"aspect-{ratio}", f"Pictures in {ratio}", f"aspect:{ratio}")
    elif phase == Phase.AUDIO and session.focus_character_id:
        for word in VOICES[:4]:
            turn.offer(f"voice-{word}", f"A {word} voice", f"voice:{word}")
    elif phase in (Phase.SCENES, Phase.ASSEMBLY):
        turn.offer(
            "produce",
            "Make the episode" if phase == Phase.ASSEMBLY else "Write and draw the scenes",
        )
        episode = _episode(turn)
        if phase == Phase.ASSEMBLY and episode is not None and episode.final_video_id:
            turn.offer("publish", "Publish to the catalog")
    elif phase == Phase.POST:
        turn.offer("burn-on", "Burn the subtitles in", "burn:on")
        turn.offer("burn-off", "Keep subtitles soft", "burn:off")
    if at + 1 < len(ORDER):
        nxt = ORDER[at + 1]
        turn.offer(f"phase-{nxt}", f"Next: {Phase(nxt).label.lower()}", f"phase:{nxt}")
    if at > 0:
        back = ORDER[at - 1]
        turn.offer(f"phase-{back}", f"Back to {Phase(back).label.lower()}", f"phase:{back}")


PROMPTS = {
    Phase.STORY: "Tell me what the series is about, or this episode's story.",
    Phase.CHARACTERS: "Add a character as “Name: who they are”, or pick one to work on.",
    Phase.VISUALS: "Choose the picture shape, or describe the focused character's look.",
    Phase.AUDIO: "Pick a voice for the focused character, or describe it (“deep, slow”).",
    Phase.SCENES: "I can write the scenes, draw the storyboards and voice the lines.",
    Phase.POST: "Should the subtitles be burnt into the picture?",
    Phase.ASSEMBLY: "I can assemble the episode, then publish it to the catalog.",
}


def _plain(turn: Turn) -> str:
    phase = turn.session.current_step or ORDER[0]
    return " ".join([*turn.done, PROMPTS[Phase(phase)]])


def _facts(session: Session) -> dict[str, Any]:
    project = session.project
    return {
        "title": project.title,
        "description": project.description[:500],
        "characters": list(
            Character.objects.filter(project=project).values_list("name", flat=True)[:20]
        ),
        "episodes": project.episodes.count(),
    }


def _write(turn: Turn, said: str) -> tuple[str, dict[str, Any]]:
    """The reply in words and what wrote it."""
    plain = _plain(turn)
    local = lambda model, prompt, schema: CallResult(output={"message": plain})  # noqa: E731
    call = chat_json if settings.OPENROUTER_API_KEY else local
    phase = turn.session.current_step or ORDER[0]
    try:
        execution = prompt_run(
            template=template(),
            inputs={
                "phase": Phase(phase).label,
                "said": said or "(nothing yet)",
                "done": " ".join(turn.done) or "(nothing)",
                "facts": json.dumps(_facts(turn.session)),
                "choices": ", ".join(c["label"] for c in turn.choices),
            },
            call=call,
            project=turn.session.project,
        )
    except (ProviderError, TransientError, PermanentError) as exc:  # the provider failed
        return plain, {"writer": "local", "fallback": str(exc)[:300]}
    if execution.status != "success":
        return plain, {"writer": "local", "fallback": execution.error_message[:300]}
    writer = "openrouter" if call is chat_json else "local"
    return execution.output_raw["message"], {"writer": writer, "execution": execution.pk}


def session_reply(
    *, actor: Any, session: Session, content_text: str = "", choice_id: str = ""
) -> Session:
    """The producer's answer (words or a choice), what it asks done, and the assistant's
    reply with the next choices; with neither, on a session the assistant has not spoken in
    yet, its greeting. An unknown choice is refused; a refusal of what the choice
    asked (no final video to publish yet) becomes the reply, not an error."""
    greeting = not content_text.strip() and not choice_id
    if greeting and any(m.get("role") == "assistant" for m in session.history):
        raise Invalid("Say something or pick a choice.", fields={"content": ["Required."]})
    chosen = None
    if choice_id:
        chosen = next((c for c in session.last_choices if c["choice_id"] == choice_id), None)
        if chosen is None:
            raise Invalid("Not one of the choices offered.", fields={"choice_id": ["Unknown."]})
    said = chosen["label"] if chosen else content_text.strip()
    if not greeting:  # an empty answer to a new session: the assistant opens it
        session = sessions.session_message_add(
            actor=actor,
            session=session,
            role="user",
            content=said,
            metadata={"choice_id": choice_id} if choice_id else {},
        )
    if session.current_step not in ORDER:
        step = session.project.current_phase or ORDER[0]
        session = sessions.session_update(actor=actor, session=session, data={"current_step": step})
    session = Session.objects.select_related("project", "current_episode", "focus_character").get(
        pk=session.pk
    )
    turn = Turn(session=session)
    try:
        with transaction.atomic():
            _act(turn, actor, chosen["action"] if chosen else "", "" if chosen else said)
    except StudioError as exc:
        turn.done.append(f"That did not work: {exc.message}")
    _offer(turn)
    words, meta = _write(turn, said)
    sessions.session_update(
        actor=actor,
        session=turn.session,
        data={
            "current_step": turn.session.current_step,
            "awaiting_user_input": True,
            "last_choices": turn.choices,
            "workflow_state": turn.session.workflow_state,
            "user_preferences": turn.session.user_preferences,
        },
    )
    return sessions.session_message_add(
        actor=None,
        session=turn.session,
        role="assistant",
        content=words,
        metadata={**meta, "phase": turn.session.current_step},
    )
