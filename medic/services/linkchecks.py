"""Link-check history rows (``LinkCheck``) and the links' status, from URL checks and vault
probes: written by the repair loop, the health sweep and report triage."""

from __future__ import annotations

from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from catalog import services as catalog
from catalog.models import DownloadMirror, LinkStatus, MediaFile
from medic.models import LinkCheck, LinkKind

from .. import checks, integrations


def links_check(
    *, mirrors: Iterable[DownloadMirror] = (), urls: Iterable[str] = ()
) -> dict[str, checks.UrlCheck]:
    """Check links (no transaction open): a mirror on a configured host with an API of its own
    is asked through that API (a host may answer a plain request for a deleted file with a 200
    page); every other URL by HTTP (``checks.check_urls``)."""
    mirrors = list(mirrors)
    with_api = integrations.mirror_hosts_with_api() if mirrors else set()
    asked = [m for m in mirrors if m.host in with_api]
    results = checks.check_urls([m.url for m in mirrors if m.host not in with_api] + list(urls))
    if asked:
        with ThreadPoolExecutor(max_workers=min(8, len(asked))) as pool:
            for r in pool.map(
                lambda m: integrations.mirror_check_api(host=m.host, url=m.url), asked
            ):
                results[r.url] = r
    return results


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
