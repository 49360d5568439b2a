"""A studio admin's choice of generator per task type (the admin's "Generator choices"): a
choice must be one of the generators that type can use; setting or clearing it is audited."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from core.audit import audit_record

from ..errors import Forbidden, Invalid
from ..models import GENERATORS, GeneratorChoice
from ..policy import is_studio_admin


@transaction.atomic
def generator_choose(*, actor: Any, task_type: str, generator: str) -> GeneratorChoice:
    if not is_studio_admin(actor):
        raise Forbidden("Only a studio admin chooses generators.")
    if task_type not in GENERATORS:
        raise Invalid("Unknown task type.", fields={"task_type": [", ".join(GENERATORS)]})
    if generator not in GENERATORS[task_type]:
        allowed = ", ".join(GENERATORS[task_type])
        raise Invalid(
            "Not a generator of this task type.", fields={"generator": [f"One of: {allowed}."]}
        )
    row = GeneratorChoice.objects.select_for_update().filter(task_type=task_type).first()
    before = {"generator": row.generator} if row else None
    if row is not None and row.generator == generator:
        return row  # idempotent: nothing changed, nothing audited
    row = row or GeneratorChoice(task_type=task_type)
    row.generator = generator
    row.updated_by = actor if getattr(actor, "pk", None) else None
    row.save()
    audit_record(
        actor=actor,
        action="studio_generator_choose",
        target=row,
        before=before,
        after={"task_type": task_type, "generator": generator},
    )
    return row


@transaction.atomic
def generator_unchoose(*, actor: Any, choice: GeneratorChoice) -> None:
    """Back to ``STUDIO_GENERATORS`` for this task type."""
    if not is_studio_admin(actor):
        raise Forbidden("Only a studio admin chooses generators.")
    audit_record(
        actor=actor,
        action="studio_generator_unchoose",
        target=choice,
        before={"task_type": choice.task_type, "generator": choice.generator},
    )
    choice.delete()
