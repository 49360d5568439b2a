"""The studio's models, one module per area."""

from __future__ import annotations

from .media import Media, MediaStatus, MediaType, Provider
from .members import Member, StudioRole, Theme, Tier
from .projects import (
    AspectRatio,
    Audience,
    Character,
    Collaborator,
    Episode,
    EpisodeStatus,
    Genre,
    Phase,
    Project,
    ProjectStatus,
    QualityTier,
    Relationship,
    Scene,
    SceneStatus,
    TimeOfDay,
)
from .prompts import ExecutionStatus, PromptExecution, PromptLabel, PromptTemplate, PromptVersion
from .vectors import Embedding, FalRequest, FalState
from .work import GENERATORS, GeneratorChoice, Session, SessionState, Task, TaskType

__all__ = [
    "GENERATORS",
    "AspectRatio",
    "Audience",
    "Character",
    "Collaborator",
    "Embedding",
    "Episode",
    "EpisodeStatus",
    "ExecutionStatus",
    "FalRequest",
    "FalState",
    "GeneratorChoice",
    "Genre",
    "Media",
    "MediaStatus",
    "MediaType",
    "Member",
    "Phase",
    "Project",
    "ProjectStatus",
    "PromptExecution",
    "PromptLabel",
    "PromptTemplate",
    "PromptVersion",
    "Provider",
    "QualityTier",
    "Relationship",
    "Scene",
    "SceneStatus",
    "Session",
    "SessionState",
    "StudioRole",
    "Task",
    "TaskType",
    "Theme",
    "Tier",
    "TimeOfDay",
]
