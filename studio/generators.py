"""Which code produces each task type's output. A generator is a callable
``(ctx: JobContext, task: Task) -> Output``, named by its dotted path per task type: the task's
own (a take drawn by another generator), else a studio admin's choice in the admin
(``GeneratorChoice``), else ``STUDIO_GENERATORS``; a task type
without one fails with a clear error. ``GENERATORS`` lists what each type can use."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.utils.module_loading import import_string

from jobs.engine import JobContext, PermanentError

from .models import GENERATORS, GeneratorChoice, Media, Task


@dataclass
class Output:
    """What a generator made: the media it stored, its result and what it cost."""

    media: Media | None = None
    result: dict[str, Any] = field(default_factory=dict)
    cost: Decimal = Decimal(0)
    tokens_used: int = 0


Generator = Callable[[JobContext, Task], Output]


def generator_path(task_type: str) -> str:
    chosen = GeneratorChoice.objects.filter(task_type=task_type).values_list("generator", flat=True)
    return chosen.first() or settings.STUDIO_GENERATORS.get(task_type, "")


def generator_for(task_type: str, chosen: str = "") -> Generator:
    """The task type's generator; ``chosen`` (a task's own pick, one of ``GENERATORS``) wins."""
    path = chosen if chosen in GENERATORS.get(task_type, []) else generator_path(task_type)
    if not path:
        raise PermanentError(
            f"no generator is configured for {task_type} (STUDIO_GENERATORS, docs/studio.md)"
        )
    try:
        return import_string(path)
    except ImportError as exc:
        raise PermanentError(f"the {task_type} generator {path!r} cannot be loaded: {exc}") from exc
