"""The pages without a browser: each renders from a bounded number of queries, unknown or hidden
titles are a 404 page, the brand and policy of a tenant apply, and the security headers are
there (a CSP with no inline script on the site; the admin keeps its own)."""

from __future__ import annotations

import pytest

from catalog import services as catalog
from catalog.models import ContentRating, MediaType
from core.hosts import AllowedHosts
from tenants.models import Tenant, TenantDomain
from tenants.resolve import tenants_forget
from tests.factories import TitleFactory, add_file

pytestmark = pytest.mark.django_db
PAGES = [{"name": f"{n:03d}.jpg", "size": 1000, "width": 800, "height": 1200} for n in (1, 2)]


@pytest.fixture
def titles():
    movie = TitleFactory(title="Harbour Lights", genres=["Drama"])
    add_file(movie, duration=6000)
    adult = TitleFactory(title="Night Shift", content_rating=ContentRating.ADULT)
    manga = TitleFactory(title="Paper Moon", media_type=MediaType.MANGA)
    return movie, adult, manga


def test_home_renders_its_rows_in_a_few_queries(client, titles, django_assert_max_num_queries):
    with django_assert_max_num_queries(8):
        page = client.get("/")
    html = page.content.decode()
    assert page.status_code == 200 and "Newly added" in html and "Harbour Lights" in html
    csp = page["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp and page["X-Frame-Options"] == "DENY"
    assert "Content-Security-Policy" not in client.get("/admin/login/")


def test_title_watch_and_read_pages(client, titles, django_assert_max_num_queries):
    movie, _, manga = titles
    with django_assert_max_num_queries(3):
        page = client.get(f"/title/{movie.short_id}/")
    assert page.status_code == 200 and b"Harbour Lights" in page.content
    assert client.get(f"/watch/{movie.short_id}/").status_code == 200
    missing = client.get("/title/Zz9Zz9Z/")
    assert missing.status_code == 404 and b"Back to the home page" in missing.content
    assert client.get("/title/not-an-id/").status_code == 404
    assert client.get(f"/watch/{manga.short_id}/").status_code == 404  # read, not watched
    assert client.get(f"/read/{manga.short_id}/999999/").status_code == 404
    assert client.get("/search/?q=harbor").status_code == 200
    assert client.head("/").status_code == 200


def test_a_tenant_domain_wears_its_brand_and_policy(client, titles, settings):
    _, adult, _ = titles
    settings.TENANT_CHECK_SECONDS = 0
    settings.ALLOWED_HOSTS = AllowedHosts(["testserver"])
    tenant = Tenant.objects.create(
        name="Family Cinema", primary_color="#00897b", allowed_ratings=["safe"]
    )
    TenantDomain.objects.create(tenant=tenant, domain="family.example", is_primary=True)
    tenants_forget()
    try:
        home = client.get("/", HTTP_HOST="family.example").content.decode()
        assert "Family Cinema" in home and "Night Shift" not in home and "Harbour Lights" in home
        css = client.get("/site.css", HTTP_HOST="family.example")
        assert css["Content-Type"].startswith("text/css") and "#00897b" in css.content.decode()
        hidden = client.get(f"/title/{adult.short_id}/", HTTP_HOST="family.example")
        assert hidden.status_code == 404
        assert client.get(f"/title/{adult.short_id}/").status_code == 200
    finally:
        tenants_forget()


def test_the_account_page_offers_the_telegram_login_widget_when_configured(client, settings):
    assert b"telegram-widget.js" not in client.get("/account/").content
    settings.TELEGRAM_LOGIN_BOT_USERNAME = "StreamVaultBot"
    page = client.get("/account/")
    html = page.content.decode()
    assert (
        'data-telegram-login="StreamVaultBot"' in html and 'data-auth-url="/auth/telegram"' in html
    )
    assert "https://telegram.org" in page["Content-Security-Policy"]


def test_the_reader_offers_the_pack_that_holds_its_chapter(client, django_assert_max_num_queries):
    manga = TitleFactory(title="Paper Moon", media_type=MediaType.MANGA)
    first = catalog.chapter_add(manga=manga, number=1, backend="local", ref="c1", pages=PAGES)
    catalog.chapter_add(manga=manga, number=2, backend="local", ref="c2", pages=PAGES)
    catalog.chapter_pack_set(
        manga=manga, backend="local", ref="ab" * 32, size_bytes=10**6, chapters=[1]
    )
    with django_assert_max_num_queries(3):
        page = client.get(f"/read/{manga.short_id}/{first.pk}/")
    html = page.content.decode()
    assert page.status_code == 200 and f'data-pack="{"ab" * 32}"' in html
    assert 'data-direction="rtl"' in html and "Next chapter" in html
