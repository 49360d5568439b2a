"""Conversational sessions: opened per project, messages appended (the history persists and a
session resumes where it stopped), the context (episode, scene, character) set within the
project, choices offered and the state moved."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from ..errors import Invalid, NotInProject
from ..models import Character, Episode, Project, Scene, Session, SessionState

ROLES = ("user", "assistant", "system")
MAX_HISTORY = 500  # messages kept per session (the oldest go first)


def _context(project: Project, data: dict[str, Any]) -> dict[str, Any]:
    found = {}
    for field, model in (
        ("current_episode", Episode),
        ("current_scene", Scene),
        ("focus_character", Character),
    ):
        if field not in data:
            continue
        value = data[field]
        if value is None:
            found[field] = None
            continue
        row = (
            model.objects.filter(pk=value, project_id=project.pk).first()
            if isinstance(value, int) and not isinstance(value, bool)
            else None
        )
        if row is None:
            raise NotInProject(f"Unknown {field}.", fields={field: ["Not in this project."]})
        found[field] = row
    return found


def _choices(value: Any) -> list[dict[str, Any]]:
    if not isinstance(value, list):
        raise Invalid("Choices are a list.", fields={"last_choices": ["A list."]})
    clean = []
    for choice in value:
        if not isinstance(choice, dict) or not all(
            isinstance(choice.get(k), str) and choice.get(k) for k in ("choice_id", "label")
        ):
            raise Invalid("Bad choice.", fields={"last_choices": ["choice_id and label."]})
        clean.append(
            {
                "choice_id": choice["choice_id"],
                "label": choice["label"],
                "action": str(choice.get("action", "")),
                "metadata": choice.get("metadata") or {},
            }
        )
    return clean


@transaction.atomic
def session_open(*, actor: Any, project: Project, data: dict[str, Any]) -> Session:
    session = Session(project=project, user=actor, current_step=str(data.get("current_step", "")))
    for key, row in _context(project, data).items():
        setattr(session, key, row)
    session.save()
    return session


@transaction.atomic
def session_update(*, actor: Any, session: Session, data: dict[str, Any]) -> Session:
    session = Session.objects.select_for_update().get(pk=session.pk)
    for key, row in _context(session.project, data).items():
        setattr(session, key, row)
    if "state" in data:
        if data["state"] not in SessionState.values:
            raise Invalid("Unknown state.", fields={"state": [", ".join(SessionState.values)]})
        session.state = data["state"]
    if "current_step" in data:
        session.current_step = str(data["current_step"])[:40]
    if "awaiting_user_input" in data:
        session.awaiting_user_input = bool(data["awaiting_user_input"])
    if "last_choices" in data:
        session.last_choices = _choices(data["last_choices"])
    for key in ("workflow_state", "user_preferences"):
        if key in data:
            if not isinstance(data[key], dict):
                raise Invalid("An object.", fields={key: ["An object."]})
            setattr(session, key, data[key])
    session.save()
    return session


@transaction.atomic
def session_message_add(
    *, actor: Any, session: Session, role: str, content: str, metadata: dict | None = None
) -> Session:
    """Append a message; a user's message answers what the session was waiting for."""
    if role not in ROLES:
        raise Invalid("Unknown role.", fields={"role": [", ".join(ROLES)]})
    if not content.strip():
        raise Invalid("An empty message.", fields={"content": ["Required."]})
    session = Session.objects.select_for_update().get(pk=session.pk)
    session.history = [
        *session.history,
        {
            "role": role,
            "content": content,
            "timestamp": timezone.now().isoformat(),
            "metadata": metadata or {},
        },
    ][-MAX_HISTORY:]
    if role == "user":
        session.awaiting_user_input = False
    if session.state == SessionState.PAUSED:
        session.state = SessionState.ACTIVE
    session.save()
    return session
