"""Costs and budgets. Each task records what it really cost (OpenRouter's usage, ElevenLabs'
characters; offline generation costs nothing). A member may spend their tier's monthly budget
plus any top-up per calendar month. Before a run the studio estimates it; a run that would pass
what is left is not refused and does not fail: its paid tasks wait behind a budget gate (a job
that is not done), and "top up and continue" opens the gate once the budget allows."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from core.audit import audit_record
from jobs.engine import job_create, job_settled
from jobs.models import Job, JobStatus

from ..errors import Conflict, Forbidden, Invalid
from ..generators import generator_path
from ..models import Member, Project, StudioRole, Task
from .members import member_get

GATE = "studio_budget_gate"
PAID_PREFIX = "studio.providers."


def _month_start(now: datetime | None = None) -> datetime:
    now = timezone.localtime(now or timezone.now())
    return now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def task_estimate(task_type: str) -> Decimal:
    """What one task of this type is expected to cost with the generator in use for it (the
    admin's choice, else the setting): ``STUDIO_COST_ESTIMATES`` for that generator; a
    provider's client not listed there the default estimate; anything else nothing."""
    path = generator_path(task_type)
    if path in settings.STUDIO_COST_ESTIMATES:
        return Decimal(str(settings.STUDIO_COST_ESTIMATES[path]))
    if path.startswith(PAID_PREFIX):
        return Decimal(str(settings.STUDIO_COST_ESTIMATE))
    return Decimal(0)


def spend(*, user: Any, since: datetime | None = None) -> Decimal:
    """What the user's tasks cost since the start of this month (or ``since``)."""
    total = Task.objects.filter(created_by_id=user.pk, created_at__gte=since or _month_start())
    return total.aggregate(s=Sum("cost"))["s"] or Decimal(0)


def budget(*, user: Any) -> dict[str, Decimal]:
    member = member_get(user=user)
    allowed = member.tier.monthly_budget + member.budget_top_up
    spent = spend(user=user)
    return {"monthly_budget": allowed, "spent": spent, "left": max(Decimal(0), allowed - spent)}


def project_costs(*, project: Project) -> dict[str, Any]:
    rows = Task.objects.filter(project=project).values("task_type").annotate(s=Sum("cost"))
    by_type = {r["task_type"]: r["s"] for r in rows}
    gates = Job.objects.filter(kind=GATE, scope=f"studio-project:{project.pk}")
    paused = [
        {"gate": g.pk, "estimate": Decimal(g.payload["estimate"])}
        for g in gates.filter(status=JobStatus.WAITING)
    ]
    return {"total": sum(by_type.values(), Decimal(0)), "by_type": by_type, "paused": paused}


def gate_for(*, actor: Any, project: Project, estimate: Decimal) -> Job | None:
    """A budget gate when a run estimated at ``estimate`` would pass what the project owner
    has left this month; None when it fits (or costs nothing)."""
    if estimate <= 0:
        return None
    left = budget(user=project.created_by)["left"]
    if estimate <= left:
        return None
    gate = job_create(
        kind=GATE,
        payload={"project": project.pk, "estimate": str(estimate), "left": str(left)},
        created_by=actor if getattr(actor, "pk", None) else None,
        scope=f"studio-project:{project.pk}",
        enqueue=False,
    )
    Job.objects.filter(pk=gate.pk).update(status=JobStatus.WAITING)
    gate.status = JobStatus.WAITING
    return gate


@transaction.atomic
def budget_continue(*, actor: Any, project: Project) -> list[int]:
    """ "Continue" after a top-up: open the project's budget gates the budget now covers, oldest
    first (their tasks are queued). Refused, saying what is missing, when none fits."""
    gates = list(
        Job.objects.select_for_update()
        .filter(kind=GATE, scope=f"studio-project:{project.pk}", status=JobStatus.WAITING)
        .order_by("created_at", "id")
    )
    if not gates:
        raise Conflict("Nothing is paused for the budget in this project.")
    left = budget(user=project.created_by)["left"]
    opened = []
    for gate in gates:
        need = Decimal(gate.payload["estimate"])
        if need > left:
            break
        left -= need
        Job.objects.filter(pk=gate.pk).update(status=JobStatus.DONE, finished_at=timezone.now())
        job_settled(job_id=gate.pk, status=JobStatus.DONE)
        opened.append(gate.pk)
    if not opened:
        need = Decimal(gates[0].payload["estimate"])
        raise Conflict(
            f"The paused run needs about ${need:.2f}; ${left:.2f} is left this month. "
            "Top up the budget first."
        )
    audit_record(
        actor=actor, action="studio_budget_continue", target=project, after={"gates": opened}
    )
    return opened


@transaction.atomic
def member_top_up(*, actor: Any, member: Member, amount: Decimal) -> Member:
    """Add to a member's budget for this month and after (studio admins; audited)."""
    if (
        not getattr(actor, "is_superuser", False)
        and member_get(user=actor).role != StudioRole.ADMIN
    ):
        raise Forbidden("Only a studio admin may top up a budget.")
    if not isinstance(amount, Decimal) or not Decimal("0.01") <= amount <= Decimal("100000"):
        raise Invalid("An amount from 0.01 to 100000.", fields={"amount": ["0.01 to 100000."]})
    member = Member.objects.select_for_update().get(pk=member.pk)
    before = member.budget_top_up
    member.budget_top_up = before + amount
    member.save(update_fields=["budget_top_up", "updated_at"])
    audit_record(
        actor=actor, action="studio_budget_top_up", target=member,
        before={"top_up": str(before)}, after={"top_up": str(member.budget_top_up)},
    )  # fmt: skip
    return member
