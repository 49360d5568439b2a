"""Tenants groundwork: host names as browsers send them, the in-process table (no query on a
lookup once loaded; a save anywhere reloads it), and the audited suspend / reinstate."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from core.models import AuditEntry
from tenants import services
from tenants.domains import domain_normalize
from tenants.models import Tenant, TenantDomain
from tenants.resolve import VERSION_KEY, default_site, site_for_host, tenants_forget
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("Anime-Hub.com", "anime-hub.com"),
        ("anime-hub.com.", "anime-hub.com"),
        ("anime-hub.com:8000", "anime-hub.com"),
        ("BÜCHER.example", "xn--bcher-kva.example"),
        ("xn--bcher-kva.example", "xn--bcher-kva.example"),
        ("tenant-a.localhost:8000", "tenant-a.localhost"),
        ("127.0.0.1", None),
        ("[::1]:8000", None),
        ("a..b", None),
        ("-bad.example", None),
        ("evil.example:80:80", None),
        ("evil.example:x", None),
        ("", None),
        ("a" * 64 + ".example", None),
    ],
)
def test_hosts_are_normalised_as_a_browser_sends_them(host, expected):
    assert domain_normalize(host) == expected


@pytest.fixture
def tenants(settings, django_capture_on_commit_callbacks):
    settings.TENANT_CHECK_SECONDS = 0  # look at the version key on every lookup
    cache.delete(VERSION_KEY)
    tenants_forget()
    with django_capture_on_commit_callbacks(execute=True):
        main = Tenant.objects.create(name="StreamVault", is_default=True)
        hub = Tenant.objects.create(name="Anime Hub", allowed_ratings=["safe"])
        TenantDomain.objects.create(tenant=hub, domain="anime-hub.com", is_primary=True)
        TenantDomain.objects.create(tenant=hub, domain="www.anime-hub.com")
    return main, hub


def test_lookups_cost_no_query_once_loaded_and_a_save_reloads(
    tenants, django_assert_num_queries, django_capture_on_commit_callbacks
):
    _, hub = tenants
    site = site_for_host("WWW.Anime-Hub.com:443")
    assert (site.name, site.domain, site.allowed_ratings) == (
        "Anime Hub",
        "anime-hub.com",
        frozenset({"safe"}),
    )
    with django_assert_num_queries(0):
        assert site_for_host("anime-hub.com").id == hub.pk
        assert site_for_host("unknown.example") is None
        assert default_site().name == "StreamVault"
    with django_capture_on_commit_callbacks(execute=True):
        hub.name = "Anime Hub Pro"
        hub.save()
    assert site_for_host("anime-hub.com").name == "Anime Hub Pro"


def test_suspend_and_reinstate_are_audited_and_idempotent(tenants):
    _, hub = tenants
    staff = StaffFactory()
    assert services.tenant_suspend(tenant=hub, actor=staff, reason="unpaid") is True
    assert services.tenant_suspend(tenant=hub, actor=staff) is False
    assert services.tenant_reinstate(tenant=hub, actor=staff) is True
    actions = list(AuditEntry.objects.order_by("id").values_list("action", flat=True))
    assert actions == ["tenant_suspend", "tenant_reinstate"]
