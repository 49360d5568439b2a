"""Requests on tenant domains: the host is admitted because it is a tenant's (not because it is
in ALLOWED_HOSTS), an unknown host is still a 400, the title endpoint stays at one query (zero
cached) on a tenant domain, ``/api/site/`` dresses the frontend, and a suspended tenant answers
one clear error — the lean ``/s/`` door included."""

from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync
from django.core.cache import cache

from core.hosts import AllowedHosts
from tenants import services
from tenants.models import Tenant, TenantDomain
from tenants.resolve import VERSION_KEY, tenants_forget
from tests.factories import StaffFactory, TitleFactory
from vault.stream import stream_plan

pytestmark = pytest.mark.django_db


@pytest.fixture
def hub(settings, django_capture_on_commit_callbacks):
    settings.TENANT_CHECK_SECONDS = 0
    # Django's test set-up turned ALLOWED_HOSTS into a plain list (adding "testserver"): put
    # back the production object, whose iteration adds the tenants' domains.
    settings.ALLOWED_HOSTS = AllowedHosts(["127.0.0.1", "localhost", "testserver"])
    cache.delete(VERSION_KEY)
    tenants_forget()
    with django_capture_on_commit_callbacks(execute=True):
        Tenant.objects.create(name="StreamVault", is_default=True)
        tenant = Tenant.objects.create(
            name="Anime Hub",
            primary_color="#00ff00",
            footer_links=[{"label": "Contact", "url": "https://anime-hub.com/contact"}],
            android_app_active=True,
            android_apk_url="https://anime-hub.com/app.apk",
        )
        TenantDomain.objects.create(tenant=tenant, domain="anime-hub.com", is_primary=True)
    yield tenant
    tenants_forget()


def test_tenant_domains_are_admitted_and_unknown_hosts_are_not(client, hub):
    for host in ("anime-hub.com", "ANIME-HUB.com", "anime-hub.com:8000", "anime-hub.com."):
        assert client.get("/api/site/", HTTP_HOST=host).status_code == 200, host
    assert client.get("/api/site/", HTTP_HOST="evil.example").status_code == 400
    site = client.get("/api/site/", HTTP_HOST="anime-hub.com").json()
    assert site == {
        "name": "Anime Hub",
        "domain": "anime-hub.com",
        "logo": None,
        "primary_color": "#00ff00",
        "footer_links": [{"label": "Contact", "url": "https://anime-hub.com/contact"}],
        "android_app": "https://anime-hub.com/app.apk",
    }
    assert client.get("/api/site/").json()["name"] == "StreamVault"  # the operator's host


def test_the_title_endpoint_stays_at_one_query_on_a_tenant_domain(
    client, hub, django_assert_num_queries
):
    title = TitleFactory()
    cache.clear()
    cache.delete(VERSION_KEY)
    client.get("/api/site/", HTTP_HOST="anime-hub.com")  # this process loads its table once
    with django_assert_num_queries(1):
        assert (
            client.get(f"/api/titles/{title.short_id}/", HTTP_HOST="anime-hub.com").status_code
            == 200
        )
    with django_assert_num_queries(0):
        assert (
            client.get(f"/api/titles/{title.short_id}/", HTTP_HOST="anime-hub.com").status_code
            == 200
        )


def test_a_suspended_tenant_answers_one_clear_error(
    client, hub, django_capture_on_commit_callbacks
):
    title = TitleFactory()
    with django_capture_on_commit_callbacks(execute=True):
        services.tenant_suspend(tenant=hub, actor=StaffFactory(), reason="unpaid")
    api = client.get(f"/api/titles/{title.short_id}/", HTTP_HOST="anime-hub.com")
    assert api.status_code == 503 and api.json()["error"]["code"] == "site_suspended"
    page = client.get("/", HTTP_HOST="anime-hub.com")
    assert page.status_code == 503 and b"suspended" in page.content
    plan = async_to_sync(stream_plan)(
        method="GET", path=f"/s/{'a' * 64}", query={}, headers={"host": "anime-hub.com"}
    )
    assert plan.status == 503 and b"site_suspended" in plan.body
    # The operator's own host is untouched.
    assert client.get(f"/api/titles/{title.short_id}/").status_code == 200
