"""Wishlist notifier (docs/design.md): when a title is published, every user who saved it or asked
for it (a free-text request that fuzzily matches: ``accounts.selectors.wishlist_matches``) gets
one DM from the Manager bot, and their entries are marked notified."""

from __future__ import annotations

from collections import defaultdict

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone

from accounts.selectors import wishlist_matches
from accounts.services.library import wishlist_entry_notified, wishlist_request_fulfil
from catalog.models import Title
from ingest.kinds import JobKind
from jobs.engine import JobContext, job_create
from jobs.models import Job, JobStatus
from swarm.telegram.runtime import bot_send


def wishlist_notify_queue(*, title_id: int) -> Job:
    """The notifier's job for this title: the one queued or running, else a new one (a title
    published twice in a row costs one job; the job only tells users not told yet)."""
    existing = (
        Job.objects.filter(
            kind=JobKind.WISHLIST_NOTIFY,
            status__in=(JobStatus.QUEUED, JobStatus.RUNNING),
            payload__title_id=title_id,
        )
        .order_by("id")
        .first()
    )
    if existing is not None:
        return existing
    return job_create(kind=JobKind.WISHLIST_NOTIFY, payload={"title_id": title_id})


def wishlist_notify_run(ctx: JobContext) -> dict:
    title = Title.objects.filter(pk=ctx.payload["title_id"]).first()
    if title is None:
        return {"skipped": "title gone"}
    saved, requests = wishlist_matches(title=title)
    by_user: dict[int, list] = defaultdict(list)
    for entry in [*saved, *requests]:
        by_user[entry.user_id].append(entry)
    done: list[int] = ctx.state.setdefault("notified_users", [])
    users = get_user_model().objects.in_bulk(list(by_user))
    link = f"{settings.SITE_URL.rstrip('/')}/title/{title.short_id}"
    text = f"✅ {title} is now on StreamVault: {link}"
    sent = 0
    for user_id, entries in sorted(by_user.items()):
        if user_id in done:
            continue
        user = users.get(user_id)
        telegram_id = getattr(user, "telegram_id", None)
        if telegram_id:
            bot_send(chat_id=telegram_id, text=text)
            sent += 1
        now = timezone.now()
        for entry in entries:
            if entry.title_id is None:
                wishlist_request_fulfil(entry=entry, title=title, notified=True)
            else:
                wishlist_entry_notified(entry=entry, at=now)
        done.append(user_id)
        ctx.save_state()
    return {"users": len(by_user), "messages": sent}
