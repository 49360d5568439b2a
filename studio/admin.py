"""The studio in the admin: tiers, members with their quota use, projects with their episodes
and characters, scenes per episode with status badges, media, sessions, the task queue (retry,
cancel) and the prompt registry (versions side by side, label moves, executions with their
totals). Writes go through the services, which audit them. Prompt templates are in
``admin_prompts``."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import Count, QuerySet
from django.urls import reverse
from django.utils.html import format_html
from unfold.admin import TabularInline

from core.admin import ReadOnlyAdmin, pretty_json
from core.admin_audit import AuditedAdmin
from jobs.models import JobStatus

from . import admin_prompts, admin_providers  # noqa: F401  (register their admins)
from .errors import StudioError
from .models import (
    Character,
    Episode,
    Media,
    Member,
    Project,
    Scene,
    SceneStatus,
    Session,
    Task,
    Tier,
)
from .services import costs, members, projects, tasks

BADGE = {
    SceneStatus.PENDING: "#777",
    SceneStatus.GENERATING: "#1565c0",
    SceneStatus.REVIEWING: "#ef6c00",
    SceneStatus.APPROVED: "#2e7d32",
    SceneStatus.FAILED: "#b71c1c",
    JobStatus.WAITING: "#777",
    JobStatus.QUEUED: "#555",
    JobStatus.RUNNING: "#1565c0",
    JobStatus.DONE: "#2e7d32",
    JobStatus.FAILED: "#b71c1c",
    JobStatus.CANCELLED: "#999",
}


def badge(status: str) -> str:
    return format_html(
        '<span style="background:{};color:#fff;padding:1px 6px;border-radius:8px">{}</span>',
        BADGE.get(status, "#555"),
        status,
    )


@admin.register(Tier)
class TierAdmin(AuditedAdmin):
    list_display = [
        "name", "max_projects", "max_episodes_per_project", "monthly_budget", "features",
    ]  # fmt: skip


@admin.register(Member)
class MemberAdmin(AuditedAdmin):
    ordering = ("-id",)  # newest first
    list_display = ["user", "role", "tier", "projects_used", "theme", "language", "created_at"]
    list_filter = ["role", "tier"]
    search_fields = ["user__username", "user__email"]
    list_select_related = ["user", "tier"]
    fields = [
        "user", "role", "tier", "budget_top_up", "budget_now", "theme", "notifications",
        "language",
    ]  # fmt: skip
    readonly_fields = ["user", "budget_now"]

    @admin.display(description="This month (allowed / spent / left)")
    def budget_now(self, obj: Member) -> str:
        found = costs.budget(user=obj.user)
        return f"${found['monthly_budget']:.2f} / ${found['spent']:.2f} / ${found['left']:.2f}"

    def has_add_permission(self, request) -> bool:
        return False  # made on first use

    def get_queryset(self, request) -> QuerySet:
        return super().get_queryset(request).annotate(owned=Count("user__studio_projects"))

    @admin.display(description="Projects (used / allowed)", ordering="owned")
    def projects_used(self, obj: Member) -> str:
        return f"{obj.owned} / {obj.tier.max_projects}"

    def save_model(self, request, obj: Member, form, change: bool) -> None:
        data = {k: form.cleaned_data[k] for k in form.changed_data}
        if "tier" in data:
            data["tier"] = data["tier"].name
        fresh = Member.objects.get(pk=obj.pk)
        members.member_update(actor=request.user, member=fresh, changes=data)


class EpisodeInline(TabularInline):
    model = Episode
    fields = [
        "episode_number",
        "title",
        "status",
        "scene_count",
        "completed_scenes",
        "render_progress",
    ]
    readonly_fields = fields
    extra = 0
    show_change_link = True
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class CharacterInline(TabularInline):
    model = Character
    fields = ["name", "age", "gender", "voice_id"]
    readonly_fields = fields
    extra = 0
    show_change_link = True
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Project)
class ProjectAdmin(AuditedAdmin):
    list_display = [
        "title",
        "created_by",
        "status",
        "genre",
        "episodes",
        "overall_progress",
        "updated_at",
    ]
    list_filter = ["status", "genre", "target_audience"]
    search_fields = ["title", "created_by__username", "created_by__email"]
    list_select_related = ["created_by"]
    inlines = [EpisodeInline, CharacterInline]
    fields = [
        "title",
        "description",
        "genre",
        "episode_count",
        "target_audience",
        "status",
        "created_by",
        "aspect_ratio",
        "episode_duration",
        "quality_tier",
        "current_phase",
        "overall_progress",
        "catalog_title",
        "spend",
    ]
    readonly_fields = ["created_by", "overall_progress", "catalog_title", "spend"]

    def has_add_permission(self, request) -> bool:
        return False  # producers create projects (quota, ownership)

    def get_queryset(self, request) -> QuerySet:
        return super().get_queryset(request).annotate(n_episodes=Count("episodes"))

    @admin.display(description="Spend (all time, by task type)")
    def spend(self, obj: Project) -> str:
        found = costs.project_costs(project=obj)
        parts = [f"{kind}: ${value:.2f}" for kind, value in sorted(found["by_type"].items())]
        paused = f"; {len(found['paused'])} run(s) paused for the budget" if found["paused"] else ""
        return f"${found['total']:.2f}" + (f" ({', '.join(parts)})" if parts else "") + paused

    @admin.display(description="Episodes", ordering="n_episodes")
    def episodes(self, obj: Project) -> int:
        return obj.n_episodes

    def save_model(self, request, obj: Project, form, change: bool) -> None:
        data = {k: form.cleaned_data[k] for k in form.changed_data}
        try:
            projects.project_update(
                actor=request.user, project=Project.objects.get(pk=obj.pk), data=data
            )
        except StudioError as exc:
            messages.error(request, exc.message)

    def get_deleted_objects(self, objs, request):
        # What hangs under a project is deleted by the service with it (and audited there):
        # no per-model delete permission is asked for the rows it takes along.
        deleted, counts, _, protected = super().get_deleted_objects(objs, request)
        return deleted, counts, set(), protected

    def delete_model(self, request, obj: Project) -> None:
        projects.project_delete(actor=request.user, project=obj)

    def delete_queryset(self, request, queryset: QuerySet) -> None:
        for project in queryset:
            projects.project_delete(actor=request.user, project=project)


@admin.register(Episode)
class EpisodeAdmin(ReadOnlyAdmin):
    list_display = [
        "__str__",
        "project",
        "status",
        "scene_count",
        "completed_scenes",
        "render_progress",
        "scenes_link",
    ]
    list_filter = ["status"]
    search_fields = ["title", "project__title"]
    list_select_related = ["project"]

    @admin.display(description="Scenes")
    def scenes_link(self, obj: Episode) -> str:
        url = reverse("admin:studio_scene_changelist") + f"?episode__id__exact={obj.pk}"
        return format_html('<a href="{}">{} scenes in order</a>', url, obj.scene_count)


@admin.register(Scene)
class SceneAdmin(ReadOnlyAdmin):
    list_display = [
        "scene_number",
        "title",
        "episode",
        "status_badge",
        "attempts",
        "last_attempt",
        "location",
    ]
    list_filter = ["status", "time_of_day"]
    search_fields = ["title", "location", "episode__title"]
    list_select_related = ["episode"]
    ordering = ["episode_id", "scene_number"]
    readonly_fields = ["dialogue_json", "panels_json"]

    @admin.display(description="Status", ordering="status")
    def status_badge(self, obj: Scene) -> str:
        return badge(obj.status)

    @admin.display(description="Dialogue")
    def dialogue_json(self, obj: Scene) -> str:
        return pretty_json(obj.dialogue)

    @admin.display(description="Panels")
    def panels_json(self, obj: Scene) -> str:
        return pretty_json(obj.panels)


@admin.register(Character)
class CharacterAdmin(ReadOnlyAdmin):
    list_display = ["name", "project", "age", "gender", "voice_id"]
    search_fields = ["name", "project__title"]
    list_select_related = ["project"]


@admin.register(Media)
class MediaAdmin(ReadOnlyAdmin):
    list_display = [
        "filename",
        "project",
        "media_type",
        "status",
        "filesize",
        "provider",
        "cost",
        "created_at",
    ]
    list_filter = ["media_type", "status", "provider", "agent_generated"]
    search_fields = ["filename", "description", "project__title"]
    list_select_related = ["project"]
    exclude = ["ref", "thumbnail_ref"]  # the vault refs are not shown


@admin.register(Session)
class SessionAdmin(ReadOnlyAdmin):
    list_display = [
        "pk",
        "project",
        "user",
        "state",
        "current_step",
        "awaiting_user_input",
        "updated_at",
    ]
    list_filter = ["state", "awaiting_user_input"]
    list_select_related = ["project", "user"]


class JobStatusFilter(admin.SimpleListFilter):
    title = "status"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return JobStatus.choices

    def queryset(self, request, queryset):
        return queryset.filter(job__status=self.value()) if self.value() else queryset


class PriorityFilter(JobStatusFilter):
    title = "priority"
    parameter_name = "priority"

    def lookups(self, request, model_admin):
        return [(str(n), str(n)) for n in range(10, 0, -1)]

    def queryset(self, request, queryset):
        return queryset.filter(job__priority=int(self.value())) if self.value() else queryset


@admin.register(Task)
class TaskAdmin(ReadOnlyAdmin):
    list_display = [
        "pk",
        "task_type",
        "project",
        "status_badge",
        "priority",
        "progress",
        "tries",
        "runner",
        "cost",
        "created_at",
    ]
    list_filter = [JobStatusFilter, PriorityFilter, "task_type"]
    search_fields = ["=pk", "project__title", "content_key"]
    list_select_related = ["job", "project"]
    ordering = ["-job__priority", "job__created_at"]
    actions = ["retry", "cancel"]

    def has_change_permission(self, request, obj=None) -> bool:
        return request.user.has_perm("studio.change_task")  # the actions; the form stays read-only

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in Task._meta.fields]

    @admin.display(description="Status", ordering="job__status")
    def status_badge(self, obj: Task) -> str:
        return badge(obj.job.status)

    @admin.display(description="Priority", ordering="job__priority")
    def priority(self, obj: Task) -> int:
        return obj.job.priority

    @admin.display(description="Progress")
    def progress(self, obj: Task) -> str:
        return f"{obj.job.progress}% {obj.job.current_step}".strip()

    @admin.display(description="Attempts")
    def tries(self, obj: Task) -> str:
        return f"{obj.job.attempts}/{obj.job.max_attempts}"

    @admin.display(description="Worker")
    def runner(self, obj: Task) -> str:
        return obj.job.runner

    @admin.action(description="Retry the selected tasks", permissions=["change"])
    def retry(self, request, queryset: QuerySet) -> None:
        done = 0
        for task in queryset.select_related("job"):
            try:
                done += tasks.task_retry(actor=request.user, task=task)
            except StudioError:
                continue
        self.message_user(request, f"Re-queued {done} task(s).")

    @admin.action(
        description="Cancel the selected tasks (and what depends on them)", permissions=["change"]
    )
    def cancel(self, request, queryset: QuerySet) -> None:
        done = sum(
            tasks.task_cancel(actor=request.user, task=t) for t in queryset.select_related("job")
        )
        self.message_user(request, f"Cancelled {done} task(s).")
