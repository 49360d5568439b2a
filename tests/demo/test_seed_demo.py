from __future__ import annotations

import io

import pytest

from core.hosts import AllowedHosts
from demo.sites import sites_load
from tenants.models import Tenant
from tenants.resolve import tenants_forget
from tests.factories import TitleFactory

pytestmark = pytest.mark.django_db

# The library itself (real media, ~40 s to make) is checked once, where it is also played:
# tests/web/test_demo_plays.py.


def test_the_demo_sites_show_different_brands_and_catalogs(client, settings):
    settings.TENANT_CHECK_SECONDS = 0
    settings.ALLOWED_HOSTS = AllowedHosts(["127.0.0.1", "testserver"])
    TitleFactory(title="Spirited Away")
    TitleFactory(title="Amélie", content_rating="18+")
    sites_load(io.StringIO())
    sites_load(io.StringIO())  # idempotent
    assert Tenant.objects.count() == 4 and Tenant.objects.filter(is_default=True).count() == 1
    tenants_forget()
    try:
        brands = {
            host: client.get("/api/site/", HTTP_HOST=host).json()
            for host in ("tenant-a.localhost:8000", "tenant-b.localhost:8000", "127.0.0.1:8000")
        }
        names = {host: brand["name"] for host, brand in brands.items()}
        assert names == {
            "tenant-a.localhost:8000": "Anime Hub",
            "tenant-b.localhost:8000": "Family Cinema",
            "127.0.0.1:8000": "StreamVault",
        }
        assert brands["tenant-a.localhost:8000"]["android_app"].endswith("app.apk")

        def titles(host: str) -> set[str]:
            response = client.get("/api/titles/?page_size=50", HTTP_HOST=host)
            return {card["title"] for card in response.json()["results"]}

        everything = titles("tenant-a.localhost:8000")
        assert everything == {"Spirited Away", "Amélie"} == titles("127.0.0.1:8000")
        assert everything - titles("tenant-b.localhost:8000") == {"Amélie"}  # 18+
        closed = client.get("/api/titles/", HTTP_HOST="tenant-c.localhost:8000")
        assert closed.status_code == 503 and closed.json()["error"]["code"] == "site_suspended"
    finally:
        tenants_forget()
