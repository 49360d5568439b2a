"""From a request's host to its site, without a database query on the request path: every
process keeps the tenants in memory and reloads them when the version key in the shared cache
(Redis) changes — checked at most every ``TENANT_CHECK_SECONDS`` — which every save of a tenant
or a domain bumps."""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

from accounts.services import SiteLimits
from catalog.policy import CatalogPolicy, host_policy
from core.hosts import host_refusal, hosts_provider, hosts_refresher

from .domains import domain_normalize
from .models import Tenant, TenantDomain, TenantStatus

VERSION_KEY = "tenants:version"


@dataclass(frozen=True)
class Site:
    """What a request needs to know about its tenant."""

    id: int
    name: str
    domain: str
    is_default: bool
    status: str
    logo: str
    primary_color: str
    footer_links: tuple
    allowed_ratings: frozenset[str]
    allowed_media_types: frozenset[str]
    hidden_genres: frozenset[str]
    apk_url: str  # "" unless the Android app add-on is active
    dmca_shield: bool
    capacity_tier: str
    policy: CatalogPolicy  # what this site's catalog shows (``catalog.policy``)
    limits: SiteLimits | None  # its capacity tier's limits; None for the main site

    @property
    def suspended(self) -> bool:
        return self.status == TenantStatus.SUSPENDED


def _site(tenant: Tenant, domain: str) -> Site:
    return Site(
        id=tenant.pk,
        name=tenant.name,
        domain=domain,
        is_default=tenant.is_default,
        status=tenant.status,
        logo=tenant.logo,
        primary_color=tenant.primary_color,
        footer_links=tuple(
            (str(link.get("label", "")), str(link.get("url", "")))
            for link in tenant.footer_links
            if isinstance(link, dict)
        ),
        allowed_ratings=frozenset(tenant.allowed_ratings),
        allowed_media_types=frozenset(tenant.allowed_media_types),
        hidden_genres=frozenset(tenant.hidden_genres),
        apk_url=tenant.android_apk_url if tenant.android_app_active else "",
        dmca_shield=tenant.dmca_shield_active,
        capacity_tier=tenant.capacity_tier,
        policy=tenant_policy(tenant),
        limits=None if tenant.is_default else _limits(tenant),
    )


def tenant_policy(tenant: Tenant) -> CatalogPolicy:
    """What a tenant's site shows (``catalog.policy``)."""
    return CatalogPolicy(
        ratings=frozenset(tenant.allowed_ratings),
        media_types=frozenset(tenant.allowed_media_types),
        hidden_genres=frozenset(tenant.hidden_genres),
        dmca_shield=tenant.dmca_shield_active,
    )


def _limits(tenant: Tenant) -> SiteLimits:
    tiers = settings.TENANT_CAPACITY_TIERS
    tier = tiers.get(tenant.capacity_tier) or tiers["basic"]
    return SiteLimits(
        key=str(tenant.pk), rate_per_minute=tier["rate_per_minute"], streams=tier["streams"]
    )


class _Table:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.version: object = object()  # never equal to a stored version: load on first use
        self.checked = 0.0
        self.by_domain: dict[str, Site] = {}
        self.default: Site | None = None

    def due(self) -> bool:
        return time.monotonic() - self.checked >= settings.TENANT_CHECK_SECONDS

    def current(self) -> _Table:
        now = time.monotonic()
        if self.checked == float("inf") or now - self.checked < settings.TENANT_CHECK_SECONDS:
            return self
        with self.lock:
            if now - self.checked < settings.TENANT_CHECK_SECONDS:
                return self
            version = cache.get(VERSION_KEY)
            if version is None:  # no key yet (a fresh Redis): make one, then keep to it
                cache.add(VERSION_KEY, uuid.uuid4().hex, None)
                version = cache.get(VERSION_KEY)
            if version is None or version != self.version:
                self._load()
                self.version = version
            self.checked = now
        return self

    def _load(self) -> None:
        by_domain: dict[str, Site] = {}
        default: Site | None = None
        primary: dict[int, str] = {}
        domains = list(TenantDomain.objects.select_related("tenant").order_by("-is_primary", "id"))
        for row in domains:
            primary.setdefault(row.tenant_id, row.domain)
        for row in domains:
            by_domain[row.domain] = _site(row.tenant, primary[row.tenant_id])
        tenant = Tenant.objects.filter(is_default=True).first()
        if tenant is not None:
            default = _site(tenant, primary.get(tenant.pk, ""))
        self.by_domain, self.default = by_domain, default


_table = _Table()


def sites_refresh() -> None:
    """Reload this process's table if the tenants changed (at most every
    ``TENANT_CHECK_SECONDS``): before a request's host is checked."""
    _table.current()


hosts_refresher(_table.due, sites_refresh)  # for the lean /s/ door, which has no middleware


@hosts_provider
def tenant_domains() -> list[str]:
    """For ``ALLOWED_HOSTS``: every tenant domain this process knows, without any I/O (the
    table is refreshed by the requests that resolve a site)."""
    return list(_table.by_domain)


SUSPENDED = "This site is suspended. Its owner can contact StreamVault to reinstate it."


@host_refusal
def suspended_refusal(host: str) -> str | None:
    """For the doors that skip the middleware (``/s/``): a suspended tenant's domain is refused.
    No I/O: the table as this process last loaded it."""
    domain = domain_normalize(host)
    site = _table.by_domain.get(domain) if domain else None
    return SUSPENDED if site is not None and site.suspended else None


@host_policy
def host_catalog_policy(host: str) -> CatalogPolicy | None:
    """For the lean ``/s/`` door: the policy of the site on ``host`` (the default site's for a
    host no tenant claims). No I/O: the table as this process last loaded it."""
    site = site_known(host)
    return site.policy if site is not None else None


def site_for_host(host: str) -> Site | None:
    """The tenant answering on ``host`` (as the browser sent it), or None."""
    domain = domain_normalize(host)
    return _table.current().by_domain.get(domain) if domain else None


def default_site() -> Site | None:
    return _table.current().default


def site_known(host: str) -> Site | None:
    """The site of ``host`` as this process last loaded the table (no I/O: for meters),
    else the default site."""
    domain = domain_normalize(host)
    site = _table.by_domain.get(domain) if domain else None
    return site or _table.default


def tenants_changed() -> None:
    """After this transaction commits, every process reloads its tenants (within
    ``TENANT_CHECK_SECONDS``)."""
    transaction.on_commit(lambda: cache.set(VERSION_KEY, uuid.uuid4().hex, None))


def tenants_hold(*, by_domain: dict[str, Site] | None = None, default: Site | None = None) -> None:
    """Fix this process's table until ``tenants_forget`` (tests: a request then costs no
    table query, whatever the shared cache holds)."""
    _table.by_domain, _table.default = dict(by_domain or {}), default
    _table.checked = float("inf")


def tenants_forget() -> None:
    """This process reloads on its next lookup (tests, and after a bulk change)."""
    _table.checked = 0.0
    _table.version = object()
