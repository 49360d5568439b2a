"""Title documents at the edge: nginx answers ``GET /api/titles/<short_id>/`` from a file.

``EDGE_DIR/docs/<policy>/<short_id>.json`` holds, byte for byte, the body the API sends, for
every title the catalog policy ``<policy>`` admits (``policy.json`` in the directory says which
policy; its name is a digest of it, so a directory never changes meaning). Whoever decides which
site answers on a host points ``EDGE_DIR/hosts/<host>`` at its policy's directory
(``tenants.edge``); nginx tries ``hosts/$host/<short_id>.json`` and otherwise asks the app.

Every write that changes a document or the facts a policy reads ends in ``cache_invalidate``,
which calls ``documents_edge_refresh`` after commit: under the ``docs`` lock it reads the titles'
committed rows and writes or removes their files in every policy directory — a takedown removes
them, so nginx falls through to the app, which answers 404. A directory is filled whole
(``policy_dir_ensure``) before any host points at it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
from collections.abc import Iterable
from pathlib import Path

from django.db.models import TextField
from django.db.models.functions import Cast

from core.edge import edge_dir, edge_lock, remove, write_atomic
from core.edge_feed import edge_kind

from .models import Title, TitleStatus
from .policy import FACT_FIELDS, CatalogPolicy, TitleFacts, facts_from_row

log = logging.getLogger(__name__)

BATCH = 500
POLICY_FILE = "policy.json"
COMPLETE_FILE = ".complete"


def docs_dir(root: Path) -> Path:
    return root / "docs"


def policy_key(policy: CatalogPolicy) -> str:
    """A directory name for a policy: "open", or a digest of what it hides."""
    if policy.is_open:
        return "open"
    spec = json.dumps(_policy_spec(policy), sort_keys=True).encode()
    return "p-" + hashlib.sha256(spec).hexdigest()[:16]


def _policy_spec(policy: CatalogPolicy) -> dict:
    return {
        "ratings": sorted(policy.ratings),
        "media_types": sorted(policy.media_types),
        "hidden_genres": sorted(policy.hidden_genres),
        "dmca_shield": policy.dmca_shield,
    }


def _policy_load(path: Path) -> CatalogPolicy | None:
    try:
        spec = json.loads((path / POLICY_FILE).read_text())
        return CatalogPolicy(
            ratings=frozenset(spec["ratings"]),
            media_types=frozenset(spec["media_types"]),
            hidden_genres=frozenset(spec["hidden_genres"]),
            dmca_shield=bool(spec["dmca_shield"]),
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None


_policies: dict[str, CatalogPolicy] = {}  # a directory's policy never changes: read once


def policy_dirs(docs: Path) -> dict[Path, CatalogPolicy]:
    found: dict[Path, CatalogPolicy] = {}
    if not docs.is_dir():
        return found
    for path in docs.iterdir():
        if not path.is_dir():
            continue
        policy = _policies.get(path.name) or _policy_load(path)
        if policy is not None:
            _policies[path.name] = policy
            found[path] = policy
    return found


def _rows(**filters: object) -> dict[str, tuple[bytes, TitleFacts]]:
    rows = (
        Title.objects.exclude(status=TitleStatus.BANNED)
        .filter(**filters)
        .values_list("short_id", Cast("document", output_field=TextField()), *FACT_FIELDS)
    )
    return {row[0]: (row[1].encode(), facts_from_row(row[2:])) for row in rows}


def _write(dirs: dict[Path, CatalogPolicy], short_id: str, row: tuple | None) -> None:
    for path, policy in dirs.items():
        target = path / f"{short_id}.json"
        if row is not None and policy.admits(row[1]):
            write_atomic(target, row[0])
        else:
            remove(target)


@edge_kind("docs")
def documents_edge_refresh(short_ids: Iterable[str]) -> int:
    """Write (or remove) these titles' files in every policy directory, from their committed
    rows. Called after commit; returns how many titles were looked at. No edge: nothing."""
    root = edge_dir()
    ids = sorted(set(short_ids))
    if root is None or not ids:
        return 0
    docs = docs_dir(root)
    with edge_lock(docs, "docs"):
        dirs = policy_dirs(docs)
        if not dirs:
            return 0
        for start in range(0, len(ids), BATCH):
            batch = ids[start : start + BATCH]
            rows = _rows(short_id__in=batch)
            for short_id in batch:
                _write(dirs, short_id, rows.get(short_id))
    return len(ids)


def policy_dir_ensure(policy: CatalogPolicy) -> Path:
    """The directory of ``policy``, filled with every title it admits (once: a complete
    directory is kept up to date by ``documents_edge_refresh``). Filled a batch at a time
    under the lock, so no refresh is overtaken by an older read."""
    root = edge_dir()
    if root is None:
        raise RuntimeError("EDGE_DIR is not set")
    docs = docs_dir(root)
    path = docs / policy_key(policy)
    if (path / COMPLETE_FILE).exists():
        return path
    path.mkdir(parents=True, exist_ok=True)
    write_atomic(path / POLICY_FILE, json.dumps(_policy_spec(policy)).encode())
    last = 0
    while True:
        with edge_lock(docs, "docs"):
            ids = list(
                Title.objects.filter(pk__gt=last)
                .order_by("pk")
                .values_list("pk", "short_id")[:BATCH]
            )
            if not ids:
                break
            rows = _rows(pk__in=[pk for pk, _ in ids])
            for _, short_id in ids:
                _write({path: policy}, short_id, rows.get(short_id))
        last = ids[-1][0]
    write_atomic(path / COMPLETE_FILE, b"")
    return path


def policy_dirs_prune(keep: set[str]) -> list[str]:
    """Remove the policy directories no host points at any more."""
    root = edge_dir()
    if root is None:
        return []
    docs = docs_dir(root)
    gone = []
    with edge_lock(docs, "docs"):
        for path in policy_dirs(docs):
            if path.name not in keep:
                shutil.rmtree(path, ignore_errors=True)
                _policies.pop(path.name, None)
                gone.append(path.name)
    return gone
