"""Which policy directory of title documents nginx reads for each host (``catalog.edge``).

``EDGE_DIR/hosts/<domain>`` is a symlink to ``../docs/<policy>`` for every domain of a tenant
that is not suspended, and for the main site's literal ``ALLOWED_HOSTS`` entries (wildcard
entries cannot be listed: those hosts are answered by the app). A suspended tenant's domains
have no link, so nginx asks the app, which answers 503. A policy's directory is filled whole
before a link points at it. Run after every change of a tenant or a domain (a task queued on
commit) and by ``manage.py edge_sync``.
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import shutil
from dataclasses import dataclass, field

from django.conf import settings

from catalog.edge import policy_dir_ensure, policy_dirs_prune, policy_key
from catalog.policy import OPEN, CatalogPolicy
from core.edge import CACHE, edge_dir, symlink_atomic
from core.edge_feed import edge_kind

from .domains import domain_normalize
from .models import Tenant, TenantStatus
from .resolve import tenant_policy


@dataclass
class EdgeSync:
    hosts: dict[str, str] = field(default_factory=dict)  # domain → policy directory
    removed: list[str] = field(default_factory=list)
    pruned: list[str] = field(default_factory=list)


def _wanted() -> dict[str, CatalogPolicy]:
    wanted: dict[str, CatalogPolicy] = {}
    default = OPEN
    for tenant in Tenant.objects.prefetch_related("domains"):
        policy = tenant_policy(tenant)
        if tenant.is_default:
            default = policy
        if tenant.status == TenantStatus.SUSPENDED:
            continue
        for domain in tenant.domains.all():
            wanted[domain.domain] = policy
    tenant_domains = set(
        Tenant.objects.filter(domains__isnull=False).values_list("domains__domain", flat=True)
    )
    # The operator's own entries only (``AllowedHosts`` iterates the tenants' domains too, as
    # this process last loaded them).
    for entry in list.__iter__(settings.ALLOWED_HOSTS):
        if entry.startswith(".") or "*" in entry:
            continue
        host = domain_normalize(entry) or _ipv4(entry)
        if host and host not in tenant_domains:
            wanted.setdefault(host, default)
    return wanted


def _ipv4(entry: str) -> str | None:
    """An IPv4 literal as nginx's ``$host`` has it (no tenant is ever on one)."""
    try:
        return str(ipaddress.IPv4Address(entry.strip()))
    except ValueError:
        return None


@edge_kind("hosts")
def edge_hosts_sync() -> EdgeSync:
    """Point every host at its policy's (filled) directory, remove the links of hosts that
    left or were suspended, and the directories nothing points at."""
    result = EdgeSync()
    root = edge_dir()
    if root is None:
        return result
    wanted = _wanted()
    hosts = root / "hosts"
    hosts.mkdir(parents=True, exist_ok=True)
    for host, policy in wanted.items():
        path = policy_dir_ensure(policy)
        symlink_atomic(f"../docs/{path.name}", hosts / host)
        result.hosts[host] = path.name
    for entry in os.listdir(hosts):
        if entry not in wanted and not entry.startswith("."):
            os.unlink(hosts / entry)
            result.removed.append(entry)
    result.pruned = policy_dirs_prune({policy_key(p) for p in wanted.values()})
    return result


def edge_rebuild() -> EdgeSync:
    """This node's whole edge again from the database (an edge node new to the feed, or one
    that fell behind it): its documents, host links and stream links go, and so do nginx's
    cached answers, then every host's directory is filled afresh. Meanwhile nginx asks the
    app, which answers everything itself."""
    root = edge_dir()
    if root is None:
        return EdgeSync()
    for name in ("hosts", "docs"):
        shutil.rmtree(root / name, ignore_errors=True)
    for folder, _dirs, files in os.walk(root / CACHE):
        for name in files:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(os.path.join(folder, name))
    return edge_hosts_sync()
