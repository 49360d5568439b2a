"""Link-check history rows (``LinkCheck``) and the links' status, from URL checks and vault
probes: written by the repair loop, the health sweep and report triage."""

from __future__ import annotations

from typing import Any

from catalog import services as catalog
from catalog.models import LinkStatus, MediaFile
from medic.models import LinkCheck, LinkKind

from .. import checks, integrations


def links_record(media_file: MediaFile, results: dict[str, checks.UrlCheck]) -> None:
    """LinkCheck history and the links' status from a set of URL checks."""
    rows = []
    for kind, links in (
        (LinkKind.MIRROR, media_file.mirrors.all()),
        (LinkKind.EMBED, media_file.embeds.all()),
    ):
        for link in links:
            result = results.get(link.url)
            if result is None:
                continue
            rows.append(linkcheck_row(kind, link.pk, media_file, result))
            catalog.link_set_status(
                link=link, status=LinkStatus.ACTIVE if result.ok else LinkStatus.DEAD
            )
    backup = results.get(media_file.backup_url) if media_file.backup_url else None
    if backup is not None:
        rows.append(linkcheck_row(LinkKind.BACKUP, media_file.pk, media_file, backup))
    LinkCheck.objects.bulk_create(rows)


def linkcheck_row(
    kind: str, link_id: int, media_file: MediaFile | None, r: checks.UrlCheck, report=None
) -> LinkCheck:
    return LinkCheck(
        kind=kind,
        link_id=link_id,
        media_file=media_file,
        url=r.url[:500],
        status_code=r.status_code,
        ok=r.ok,
        error=r.error[:300],
        elapsed_ms=r.elapsed_ms,
        report=report,
    )


def vault_check_fields(media_file: MediaFile, probe: integrations.VaultProbe) -> dict[str, Any]:
    return {
        "kind": LinkKind.VAULT,
        "link_id": media_file.pk,
        "media_file": media_file,
        "ok": bool(probe.ok),
        "error": (probe.error or ("" if probe.ok else "not reachable from this process"))[:300],
    }
