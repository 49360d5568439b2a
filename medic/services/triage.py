"""Automatic triage of a new report: check what was reported, attach the result, and start the
repair loop when something is broken (a healthy target stays pending for a human)."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.db import transaction

from catalog import services as catalog
from catalog.models import FileStatus, LinkStatus, MediaFile
from medic.models import LinkCheck, LinkKind, Report, ReportIssue, ReportStatus

from .. import checks, integrations
from .linkchecks import linkcheck_row, links_check, vault_check_fields
from .repair import repair_open
from .reports import report_attach_check, report_transition

log = logging.getLogger(__name__)

AUDIO_ISSUES = {ReportIssue.WRONG_AUDIO, ReportIssue.OUT_OF_SYNC}
MAX_FILES = 20  # a title-level report on a long series checks at most this many files


def _target_files(report: Report) -> list[MediaFile]:
    qs = MediaFile.objects.prefetch_related("mirrors", "embeds").order_by("status", "id")
    if report.media_file_id is not None:
        return list(qs.filter(pk=report.media_file_id))
    if report.episode_id is not None:
        return list(qs.filter(episode_id=report.episode_id)[:MAX_FILES])
    return list(qs.filter(title_id=report.title_id)[:MAX_FILES])


def report_triage(*, report_id: int) -> dict[str, Any] | None:
    """Check a pending report's target once. Returns the check result (None when the report is
    gone, closed or already checked)."""
    report = (
        Report.objects.filter(pk=report_id, status=ReportStatus.PENDING, checked_at__isnull=True)
        .select_related("title", "chapter")
        .first()
    )
    if report is None:
        return None
    if report.chapter_id is not None:
        return _triage_chapter(report)
    files = _target_files(report)
    audio = report.issue in AUDIO_ISSUES
    read_bytes = settings.MEDIC_PROBE_HEAD_BYTES if audio else 64 * 1024

    # --- I/O, outside any transaction ---------------------------------------------------
    urls: list[str] = []
    for f in files:
        urls += [e.url for e in f.embeds.all()]
        if f.backup_url:
            urls.append(f.backup_url)
    url_results = links_check(mirrors=[m for f in files for m in f.mirrors.all()], urls=urls)
    probes = {
        f.pk: (
            integrations.vault_probe(backend=f.backend, ref=f.ref, read_bytes=read_bytes)
            if f.ref
            else integrations.VaultProbe(ok=False, error="no stored bytes (empty ref)")
        )
        for f in files
    }
    ffprobes = {
        pk: checks.ffprobe_head(p.head) for pk, p in probes.items() if audio and p.ok and p.head
    }

    # --- verdict ------------------------------------------------------------------------
    entries, broken = [], []  # broken: (file, reason, needs_new_bytes)
    for f in files:
        probe = probes[f.pk]
        mirrors = [_link_entry(m, url_results) for m in f.mirrors.all()]
        embeds = [_link_entry(e, url_results) for e in f.embeds.all()]
        entry: dict[str, Any] = {
            "file_hash": f.file_hash,
            "quality": f.quality,
            "vault": {"ok": probe.ok, "size": probe.size, "error": probe.error},
            "mirrors": mirrors,
            "embeds": embeds,
        }
        if f.backup_url:
            entry["backup_url"] = url_results[f.backup_url].as_dict()
        reasons = []
        if probe.ok is False:
            reasons.append(f"stored file unreadable: {probe.error}")
        dead_links = [x for x in mirrors + embeds if not x["ok"]]
        if dead_links:
            reasons.append(
                f"{len(dead_links)} dead link(s): "
                + ", ".join(f"{x['host']} ({x['error']})" for x in dead_links)
            )
        needs_new_bytes = False
        if f.pk in ffprobes:
            fp = ffprobes[f.pk]
            entry["ffprobe"] = fp
            if fp.get("ok") and fp.get("audio_streams") == 0:
                reasons.append("no audio stream")
                needs_new_bytes = True
            offset = fp.get("av_offset_seconds")
            if offset is not None and abs(offset) > settings.MEDIC_SYNC_TOLERANCE:
                # Same bytes from the same source would be as wrong: a human decides.
                entry["suspect"] = f"audio starts {offset:+.3f}s from video"
        if reasons:
            broken.append((f, "; ".join(reasons), needs_new_bytes))
        entries.append(entry)
    result = {
        "verdict": "broken" if broken else "healthy",
        "files": entries,
        "broken": [{"file_hash": f.file_hash, "reason": r} for f, r, _ in broken],
    }

    # --- writes ---------------------------------------------------------------------------
    with transaction.atomic():
        rows = []
        for f in files:
            for kind, links in (
                (LinkKind.MIRROR, f.mirrors.all()),
                (LinkKind.EMBED, f.embeds.all()),
            ):
                for link in links:
                    r = url_results[link.url]
                    rows.append(linkcheck_row(kind, link.pk, f, r, report=report))
                    catalog.link_set_status(
                        link=link, status=LinkStatus.ACTIVE if r.ok else LinkStatus.DEAD
                    )
            if f.backup_url:
                rows.append(
                    linkcheck_row(LinkKind.BACKUP, f.pk, f, url_results[f.backup_url], report)
                )
            rows.append(LinkCheck(**vault_check_fields(f, probes[f.pk]), report=report))
        LinkCheck.objects.bulk_create(rows)
        report_attach_check(report=report, result=result)
        if broken:
            for f, reason, needs_new_bytes in broken:
                if probes[f.pk].ok is False:
                    catalog.media_file_set_status(media_file=f, status=FileStatus.DEAD)
                repair_open(
                    title=report.title,
                    media_file=f,
                    reason=reason,
                    needs_new_bytes=needs_new_bytes,
                )
            Report.objects.filter(pk=report.pk).update(auto_fix_attempted=True)
            report.auto_fix_attempted = True
            report_transition(
                report=report,
                actor=None,
                action="report_start_repair",
                to=ReportStatus.REPAIRING,
                allowed_from=(ReportStatus.PENDING,),
                note="Automatic check: " + "; ".join(r for _, r, _ in broken),
            )
    return result


def _link_entry(link, results: dict[str, checks.UrlCheck]) -> dict[str, Any]:
    r = results[link.url]
    return {
        "id": link.pk,
        "host": link.host,
        "url": link.url,
        "ok": r.ok,
        "status_code": r.status_code,
        "error": r.error,
        "method": r.method,
        "elapsed_ms": r.elapsed_ms,
    }


def _triage_chapter(report: Report) -> dict[str, Any]:
    chapter = report.chapter
    probe = (
        integrations.vault_probe(backend=chapter.backend, ref=chapter.ref)
        if chapter.ref
        else integrations.VaultProbe(ok=False, error="no stored bytes (empty ref)")
    )
    reasons = []
    if probe.ok is False:
        reasons.append(f"chapter file unreadable: {probe.error}")
    if chapter.page_count != len(chapter.pages) or chapter.page_count == 0:
        reasons.append(f"page index has {len(chapter.pages)} of {chapter.page_count} pages")
    result = {
        "verdict": "broken" if reasons else "healthy",
        "chapter": {"id": chapter.pk, "pages": chapter.page_count},
        "vault": {"ok": probe.ok, "size": probe.size, "error": probe.error},
        "broken": reasons,
    }
    with transaction.atomic():
        LinkCheck.objects.create(
            kind=LinkKind.CHAPTER,
            link_id=chapter.pk,
            ok=not reasons,
            error="; ".join(reasons)[:300],
            report=report,
        )
        report_attach_check(report=report, result=result)
        if reasons:
            repair_open(title=report.title, chapter=chapter, reason="; ".join(reasons))
            Report.objects.filter(pk=report.pk).update(auto_fix_attempted=True)
            report.auto_fix_attempted = True
            report_transition(
                report=report,
                actor=None,
                action="report_start_repair",
                to=ReportStatus.REPAIRING,
                allowed_from=(ReportStatus.PENDING,),
                note="Automatic check: " + "; ".join(reasons),
            )
    return result
