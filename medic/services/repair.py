"""The repair loop (docs/design.md). One ``Repair`` row per broken media file (or chapter); each
pass of ``repair_step`` tries, in order:

1. another quality — the document already leaves dead files out, so another active quality
   of the same title/episode keeps it watchable (verified, recorded as a mitigation);
2. another mirror — the bytes in the vault still read, or another mirror/embed answers: the
   dead link was all that was wrong;
3. a re-leech — from ``backup_url`` or a live mirror, else from the URL the bytes were
   ingested from, through the swarm's ``releech`` job (asynchronous: the repair polls it);
4. a re-copy from the storage/quarantine channel (the swarm's ``recopy`` job).

A done job succeeds when the vault reads the file, or — when this process cannot reach the
file's backend (a ``telegram`` file with no account here) — when the job's own SHA-256 check
matches the file's hash and the file points where the job put the bytes.

Success: file active, title available (when nothing else on it is being repaired), every open
report on the target fixed, each reporter DM'd once. A pass where nothing worked counts a
round; after ``MEDIC_REPAIR_MAX_ROUNDS`` the repair gives up: the title stays repairing, the
reports keep the reason, and the admins get an alert.

All network and storage I/O happens outside transactions; the writes after it are short.
"""

from __future__ import annotations

import datetime
import json
import logging
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from catalog import services as catalog
from catalog.models import (
    Chapter,
    FileStatus,
    MediaFile,
    Title,
    TitleStatus,
)
from core.audit import audit_record
from core.queue import task_send
from medic.models import (
    OPEN_STATUSES,
    LinkCheck,
    LinkKind,
    Repair,
    RepairAttempt,
    RepairStatus,
    Report,
)

from .. import checks, integrations
from .linkchecks import links_check, links_record, vault_check_fields
from .reports import report_needs_human, reports_fix_for_target

log = logging.getLogger(__name__)

Strategy = RepairAttempt.Strategy
Outcome = RepairAttempt.Outcome

# What repair_step returns (the task decides when to run again).
SUCCEEDED, WAITING, RETRY, GAVE_UP, GONE = "succeeded", "waiting", "retry", "gave_up", "gone"


def repair_open(
    *,
    title: Title,
    reason: str,
    media_file: MediaFile | None = None,
    chapter: Chapter | None = None,
    needs_new_bytes: bool = False,
    needs_subtitles: bool = False,
    actor: Any = None,
) -> Repair:
    """Open (or return the open) repair of this file/chapter, set the title repairing and
    queue the loop after commit. Idempotent."""
    if (media_file is None) == (chapter is None):
        raise ValueError("repair_open takes a media_file or a chapter")
    target = {"media_file": media_file} if media_file is not None else {"chapter": chapter}
    with transaction.atomic():
        repair = Repair.objects.filter(status=RepairStatus.OPEN, **target).first()
        created = False
        if repair is None:
            try:
                with transaction.atomic():
                    repair = Repair.objects.create(
                        title=title,
                        reason=reason[:300],
                        needs_new_bytes=needs_new_bytes,
                        needs_subtitles=needs_subtitles,
                        **target,
                    )
                    created = True
            except IntegrityError:
                repair = Repair.objects.get(status=RepairStatus.OPEN, **target)
        if needs_new_bytes and not repair.needs_new_bytes:
            Repair.objects.filter(pk=repair.pk).update(needs_new_bytes=True)
            repair.needs_new_bytes = True
        if needs_subtitles and not repair.needs_subtitles:
            Repair.objects.filter(pk=repair.pk).update(needs_subtitles=True)
            repair.needs_subtitles = True
        if title.status == TitleStatus.AVAILABLE:
            catalog.title_set_status(title=title, status=TitleStatus.REPAIRING)
        if created:
            audit_record(
                actor=actor,
                action="repair_open",
                target=repair,
                after={
                    "reason": repair.reason,
                    "needs_new_bytes": needs_new_bytes,
                    "needs_subtitles": needs_subtitles,
                },
            )
            repair_id = repair.pk
            task_send("medic.tasks.repair_run", repair_id)
    return repair


def _attempt(repair: Repair, strategy: str, outcome: str, detail: str) -> None:
    RepairAttempt.objects.create(
        repair=repair, strategy=strategy, outcome=outcome, detail=detail[:500]
    )


def _vault_probe(media_file: MediaFile) -> integrations.VaultProbe:
    if not media_file.ref:
        return integrations.VaultProbe(ok=False, error="no stored bytes (empty ref)")
    return integrations.vault_probe(backend=media_file.backend, ref=media_file.ref)


def repair_step(*, repair_id: int) -> str:
    """One pass of the loop over an open repair."""
    repair = (
        Repair.objects.filter(pk=repair_id, status=RepairStatus.OPEN)
        .select_related("title", "media_file", "chapter")
        .first()
    )
    if repair is None:
        return GONE
    if repair.chapter_id is not None:
        return _chapter_step(repair)
    media_file = MediaFile.objects.prefetch_related("mirrors", "embeds").get(
        pk=repair.media_file_id
    )
    if repair.needs_subtitles:
        outcome = _subtitles_step(repair, media_file)
        if outcome is not None:
            return outcome

    # --- a job we started earlier (re-leech / re-copy) --------------------------------------
    if repair.job_id:
        job_id = repair.job_id
        job = integrations.job_state(job_id=job_id)
        if job.status in ("queued", "running"):
            return WAITING
        strategy = repair.job_strategy or Strategy.RELEECH
        Repair.objects.filter(pk=repair.pk).update(job_id=None, job_strategy="")
        repair.job_id = None
        if job.status == "done":
            media_file.refresh_from_db()
            probe = _vault_probe(media_file)
            if probe.ok:
                return _succeed(repair, media_file, strategy, "new bytes stored and readable")
            if probe.ok is None and _job_verified(job, media_file):
                return _succeed(
                    repair,
                    media_file,
                    strategy,
                    f"swarm job {job_id} verified the bytes at {media_file.ref} (SHA-256 "
                    f"{job.sha256[:16]}… is the file's); this process cannot read the "
                    f"{media_file.backend} backend",
                )
            _attempt(
                repair,
                strategy,
                Outcome.FAILED,
                f"swarm job {job_id} done but the file is not verified: "
                f"{probe.error or 'the job result does not match the file'}",
            )
        else:
            _attempt(repair, strategy, Outcome.FAILED, f"swarm job {job.status}: {job.error[:200]}")

    # --- the current state: vault bytes and every alternative link (no transaction) ----------
    probe = _vault_probe(media_file)
    urls = [e.url for e in media_file.embeds.all()]
    if media_file.backup_url:
        urls.append(media_file.backup_url)
    results = links_check(mirrors=media_file.mirrors.all(), urls=urls)
    with transaction.atomic():
        links_record(media_file, results)
        LinkCheck.objects.create(**vault_check_fields(media_file, probe))
    alive_mirrors = [m for m in media_file.mirrors.all() if results.get(m.url, _DEAD).ok]
    alive_embeds = [e for e in media_file.embeds.all() if results.get(e.url, _DEAD).ok]

    if probe.ok is False and media_file.status != FileStatus.DEAD:
        catalog.media_file_set_status(media_file=media_file, status=FileStatus.DEAD)

    # 1. another quality keeps serving (a mitigation: the file itself still needs repair)
    if media_file.status == FileStatus.DEAD:
        _other_quality(repair, media_file)

    # 2. the vault or another mirror serves
    if not repair.needs_new_bytes:
        if probe.ok:
            if media_file.status == FileStatus.DEAD:
                catalog.media_file_set_status(media_file=media_file, status=FileStatus.ACTIVE)
            return _succeed(
                repair, media_file, Strategy.OTHER_MIRROR, "the stored file reads; it streams"
            )
        if (
            probe.ok is None
            and media_file.status == FileStatus.ACTIVE
            and (alive_mirrors or alive_embeds)
        ):
            hosts = ", ".join(sorted({link.host for link in [*alive_mirrors, *alive_embeds]}))
            return _succeed(repair, media_file, Strategy.OTHER_MIRROR, f"live on {hosts}")
        _attempt(
            repair,
            Strategy.OTHER_MIRROR,
            Outcome.FAILED,
            f"stored file: {probe.error or 'unknown'}; live links: "
            f"{len(alive_mirrors)} mirrors, {len(alive_embeds)} embeds",
        )

    # 3. re-leech from the backup URL or a live mirror (downloads, not embed pages), else from
    #    the URL the bytes were first downloaded from
    backup = results.get(media_file.backup_url, _DEAD) if media_file.backup_url else None
    sources = [media_file.backup_url] if backup is not None and backup.ok else []
    sources += [m.url for m in alive_mirrors]
    sources = [s for s in dict.fromkeys(sources) if s not in repair.sources_tried]
    origin_note = ""
    if not sources:
        origin, origin_note = _origin_source(repair, media_file, results)
        sources = [origin] if origin else []
    if sources:
        url = sources[0]
        try:
            job_id = integrations.queue_releech(media_file_id=media_file.pk, url=url)
        except integrations.Unavailable as exc:
            _attempt(repair, Strategy.RELEECH, Outcome.UNAVAILABLE, str(exc))
        else:
            _wait_on(repair, Strategy.RELEECH, job_id, tried=url)
            _attempt(repair, Strategy.RELEECH, Outcome.WAITING, f"swarm job {job_id} from {url}")
            return WAITING
    elif not [s for s in repair.sources_tried if s != "recopy"]:
        backup_note = "no backup URL" if backup is None else f"backup URL dead ({_why(backup)})"
        _attempt(
            repair,
            Strategy.RELEECH,
            Outcome.UNAVAILABLE,
            f"no live source: {backup_note}; no live mirror; {origin_note}",
        )

    # 4. re-copy from the storage channel (same bytes: no use for a content problem)
    if not repair.needs_new_bytes and "recopy" not in repair.sources_tried:
        try:
            job_id = integrations.recopy_from_channel(media_file_id=media_file.pk)
        except integrations.Unavailable as exc:
            _attempt(repair, Strategy.RECOPY, Outcome.UNAVAILABLE, str(exc))
        else:
            _wait_on(repair, Strategy.RECOPY, job_id, tried="recopy")
            _attempt(repair, Strategy.RECOPY, Outcome.WAITING, f"swarm job {job_id}")
            return WAITING

    return _round_failed(repair, "no strategy repaired the file")


def _subtitles_step(repair: Repair, media_file: MediaFile) -> str | None:
    """A text track's WebVTT is missing: re-extract the tracks from the file's stored bytes (a
    ``subtitles_rebuild`` job). None when the tracks read again and the file's own bytes need
    a look too (the rest of the loop goes on)."""
    if repair.job_id and repair.job_strategy == Strategy.REEXTRACT:
        job = integrations.job_state(job_id=repair.job_id)
        if job.status in ("queued", "running"):
            return WAITING
        Repair.objects.filter(pk=repair.pk).update(job_id=None, job_strategy="")
        repair.job_id = None
        if job.status != "done":
            _attempt(
                repair, Strategy.REEXTRACT, Outcome.FAILED, f"swarm job {job.status}: {job.error}"
            )
    missing = integrations.subtitles_missing(media_file_id=media_file.pk)
    if not missing:
        Repair.objects.filter(pk=repair.pk).update(needs_subtitles=False)
        repair.needs_subtitles = False
        if _vault_probe(media_file).ok and not repair.needs_new_bytes:
            return _succeed(repair, media_file, Strategy.REEXTRACT, "the WebVTT tracks read")
        return None
    tracks = ", ".join(str(i) for i in missing)
    if "reextract" in repair.sources_tried:
        return _round_failed(repair, f"the WebVTT of tracks {tracks} is still missing")
    try:
        job_id = integrations.queue_subtitles_rebuild(media_file_id=media_file.pk)
    except integrations.Unavailable as exc:
        _attempt(repair, Strategy.REEXTRACT, Outcome.UNAVAILABLE, str(exc))
        return _round_failed(repair, f"the WebVTT of tracks {tracks} cannot be re-extracted")
    _wait_on(repair, Strategy.REEXTRACT, job_id, tried="reextract")
    _attempt(repair, Strategy.REEXTRACT, Outcome.WAITING, f"swarm job {job_id}: tracks {tracks}")
    return WAITING


_DEAD = checks.UrlCheck(url="", ok=False, error="not checked")


def _why(result: checks.UrlCheck) -> str:
    return f"HTTP {result.status_code}" if result.status_code else result.error or "failed"


def _origin_source(
    repair: Repair, media_file: MediaFile, results: dict[str, checks.UrlCheck]
) -> tuple[str, str]:
    """The URL the bytes were ingested from when it answers and was not tried this round, and
    a note on it for the attempt's detail."""
    origin = integrations.ingest_source_url(media_file=media_file)
    if not origin:
        return "", "no recorded ingest source"
    if origin in repair.sources_tried:
        return "", f"original source {origin} tried"
    result = results.get(origin) or checks.check_urls([origin])[origin]
    if not result.ok:
        return "", f"original source {origin} dead ({_why(result)})"
    return origin, ""


def _job_verified(job: integrations.JobState, media_file: MediaFile) -> bool:
    """A done job's own check stands in for a vault read this process cannot do: the job put
    (re-leech) or copied and downloaded again (re-copy) the bytes, hashed them, and the file
    still points where it put them with that hash."""
    return (
        job.result.get("media_file_id") == media_file.pk
        and bool(media_file.ref)
        and job.result.get("ref") == media_file.ref
        and bool(job.sha256)
        and job.sha256 == media_file.file_hash
    )


def _wait_on(repair: Repair, strategy: str, job_id: int, *, tried: str) -> None:
    repair.sources_tried = [*repair.sources_tried, tried]
    repair.job_id, repair.job_strategy = job_id, strategy
    Repair.objects.filter(pk=repair.pk).update(
        job_id=job_id,
        job_strategy=strategy,
        sources_tried=repair.sources_tried,
        updated_at=timezone.now(),
    )


def _other_quality(repair: Repair, media_file: MediaFile) -> None:
    title = Title.objects.only("document").get(pk=repair.title_id)
    hidden = media_file.file_hash not in json.dumps(title.document)
    others = list(
        MediaFile.objects.filter(
            title_id=media_file.title_id, episode_id=media_file.episode_id, status=FileStatus.ACTIVE
        )
        .exclude(pk=media_file.pk)
        .values_list("quality", flat=True)
    )
    if hidden and others:
        _attempt(
            repair,
            Strategy.OTHER_QUALITY,
            Outcome.MITIGATED,
            f"the document hides the dead file; {', '.join(others)} still serve",
        )
    elif not hidden:
        _attempt(repair, Strategy.OTHER_QUALITY, Outcome.FAILED, "the document still lists it")
    else:
        _attempt(repair, Strategy.OTHER_QUALITY, Outcome.UNAVAILABLE, "no other quality")


def _chapter_step(repair: Repair) -> str:
    chapter = repair.chapter
    probe = (
        integrations.vault_probe(backend=chapter.backend, ref=chapter.ref)
        if chapter.ref
        else integrations.VaultProbe(ok=False, error="no stored bytes")
    )
    LinkCheck.objects.create(
        kind=LinkKind.CHAPTER,
        link_id=chapter.pk,
        ok=bool(probe.ok),
        error=(probe.error or "")[:300],
    )
    if probe.ok and chapter.page_count == len(chapter.pages) and chapter.page_count > 0:
        return _succeed(repair, None, Strategy.OTHER_MIRROR, "the chapter file reads")
    _attempt(
        repair,
        Strategy.RELEECH,
        Outcome.UNAVAILABLE,
        f"chapter file: {probe.error or 'page index incomplete'}; chapters are re-uploaded by hand",
    )
    return _round_failed(repair, "the chapter needs a new upload")


def _succeed(repair: Repair, media_file: MediaFile | None, strategy: str, detail: str) -> str:
    with transaction.atomic():
        claimed = Repair.objects.filter(pk=repair.pk, status=RepairStatus.OPEN).update(
            status=RepairStatus.SUCCEEDED, closed_at=timezone.now(), updated_at=timezone.now()
        )
        if not claimed:
            return GONE
        _attempt(repair, strategy, Outcome.SUCCEEDED, detail)
        if media_file is not None and media_file.status != FileStatus.ACTIVE:
            catalog.media_file_set_status(media_file=media_file, status=FileStatus.ACTIVE)
        title = Title.objects.get(pk=repair.title_id)
        others_open = Repair.objects.filter(title=title, status=RepairStatus.OPEN).exists()
        if not others_open and title.status == TitleStatus.REPAIRING:
            catalog.title_set_status(title=title, status=TitleStatus.AVAILABLE)
        audit_record(
            actor=None,
            action="repair_succeeded",
            target=repair,
            before={"status": RepairStatus.OPEN},
            after={"status": RepairStatus.SUCCEEDED, "strategy": strategy},
            reason=detail,
        )
        reports_fix_for_target(
            title=title,
            media_file=media_file,
            chapter=repair.chapter,
            include_title_level=not others_open,
            note=f"Repaired automatically: {detail}",
        )
    return SUCCEEDED


def _round_failed(repair: Repair, reason: str) -> str:
    rounds = repair.rounds + 1
    if rounds < settings.MEDIC_REPAIR_MAX_ROUNDS:
        Repair.objects.filter(pk=repair.pk).update(
            rounds=rounds, sources_tried=[], reason=reason[:300], updated_at=timezone.now()
        )
        return RETRY
    return repair_give_up(repair=repair, reason=f"{reason} after {rounds} rounds")


def repair_give_up(*, repair: Repair, reason: str, actor: Any = None) -> str:
    """Stop retrying: the title stays repairing, the open reports go to ``needs_human`` with
    the reason (their reporters are told), and the admins are alerted."""
    with transaction.atomic():
        claimed = Repair.objects.filter(pk=repair.pk, status=RepairStatus.OPEN).update(
            status=RepairStatus.FAILED,
            reason=reason[:300],
            rounds=repair.rounds + 1,
            closed_at=timezone.now(),
            updated_at=timezone.now(),
        )
        if not claimed:
            return GONE
        if repair.chapter_id is not None:
            reports = Report.objects.filter(chapter_id=repair.chapter_id, status__in=OPEN_STATUSES)
        else:
            reports = Report.objects.filter(
                media_file_id=repair.media_file_id, status__in=OPEN_STATUSES
            )
        for report in reports:
            report_needs_human(report=report, reason=f"Automatic repair gave up: {reason}")
        audit_record(
            actor=actor,
            action="repair_gave_up",
            target=repair,
            before={"status": RepairStatus.OPEN},
            after={"status": RepairStatus.FAILED},
            reason=reason,
        )
        title = repair.title
        integrations.admin_alert(
            message=f"Repair of “{title.title}” ({title.short_id}) failed: {reason}",
            payload={"repair_id": repair.pk, "title": title.short_id},
        )
    return GAVE_UP


def repairs_due(*, older_than_seconds: float) -> list[int]:
    """Open repairs nobody has touched for a while (a lost message, eager mode): the beat
    task runs them again."""
    cutoff = timezone.now() - datetime.timedelta(seconds=older_than_seconds)
    return list(
        Repair.objects.filter(status=RepairStatus.OPEN, updated_at__lt=cutoff)
        .order_by("updated_at")
        .values_list("pk", flat=True)[:100]
    )
