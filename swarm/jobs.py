"""The swarm's job handler (discovered by ``jobs``): posts to a channel through a leased
account; and the receiver that turns admin alerts into admin_alerts channel posts."""

from __future__ import annotations

from django.dispatch import receiver
from django.utils import timezone

from core.models import AdminAlert
from core.signals import admin_alert
from jobs.engine import JobContext, PermanentError, job_create, job_handler
from swarm.models import Channel, WorkerRole
from swarm.telegram.runtime import bot_send, telegram_call

# The kind of a post to a channel (ingest's announcements, admin alerts, submissions).
CHANNEL_POST = "channel_post"


@job_handler(CHANNEL_POST, label="Channel post", queue="telegram")
def _channel_post(ctx: JobContext):
    """Post text to the first active channel of ``channel_kind`` through a leased account, or,
    with ``buttons`` (rows of [label, callback data]), from the Manager bot."""
    kind = ctx.payload["channel_kind"]
    channel = Channel.objects.filter(kind=kind, is_active=True).first()
    if channel is None:
        raise PermanentError(f"no active {kind} channel is configured")
    if "message_id" not in ctx.state:
        buttons = ctx.payload.get("buttons")
        if buttons:  # inline buttons: only the Manager bot can send them
            ctx.state["message_id"] = bot_send(
                chat_id=channel.chat_id,
                text=ctx.payload["text"],
                buttons=[[(label, data) for label, data in row] for row in buttons],
            )
        else:
            ctx.state["message_id"] = telegram_call(
                role=WorkerRole.INGEST,
                task=f"post to {kind}",
                op=lambda gw, wid: gw.send_message(wid, channel.chat_id, ctx.payload["text"]),
                on_worker=ctx.set_worker,
            )
        ctx.save_state()
    if ctx.payload.get("alert_id"):
        AdminAlert.objects.filter(pk=ctx.payload["alert_id"], sent_at__isnull=True).update(
            sent_at=timezone.now()
        )
    return {"message_id": ctx.state["message_id"], "chat_id": channel.chat_id}


def alert_post(alert: AdminAlert) -> None:
    if not Channel.objects.filter(kind=Channel.Kind.ADMIN_ALERTS, is_active=True).exists():
        return  # nowhere to post; the alert stays unsent and listed in the admin
    job_create(
        kind=CHANNEL_POST,
        payload={
            "channel_kind": Channel.Kind.ADMIN_ALERTS,
            "text": f"⚠️ {alert.message}",
            "alert_id": alert.id,
        },
        dedupe_key=f"alert:{alert.id}",
        priority=8,
    )


@receiver(admin_alert, dispatch_uid="swarm-alert-to-channel")
def _on_admin_alert(sender, alert: AdminAlert, **kwargs) -> None:
    alert_post(alert)


def alerts_forward(limit: int = 100) -> int:
    """Queue posts for unsent alerts (those raised while no channel existed, or whose
    signal was lost). Dedupe keys make this safe to run any number of times."""
    count = 0
    for alert in AdminAlert.objects.filter(sent_at__isnull=True).order_by("created_at")[:limit]:
        alert_post(alert)
        count += 1
    return count
