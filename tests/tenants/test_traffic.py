"""Stats from real traffic, checked against known traffic: N visitors (HyperLogLog), K bytes
(subtitles, pages, ``/s/`` with ranges through a live uvicorn, and bytes nginx sent itself from
its log), ad-link clicks through our redirect; the nightly roll-up turns them into daily rows
and the month's cached figures (revenue included); the admin's dashboard and list show them."""

from __future__ import annotations

import datetime
import os
from decimal import Decimal

import httpx
import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.test import Client

from accounts.models import AdLink
from core.redis import client as redis_client
from ingest.chapters import chapter_ingest
from ingest.local import media_ingest
from tenants import services, stats
from tenants.models import Payment, TenantDailyStats
from tenants.nginxlog import nginx_bytes_ingest
from tenants.traffic import today, traffic_flush
from tests.conftest import _redis_ok, require
from tests.factories import StaffFactory
from tests.support.media import _db_env, _stop, start_uvicorn
from tests.support.signed import signed

pytestmark = pytest.mark.django_db
HOST = "anime-hub.example"


@pytest.fixture(autouse=True)
def _fresh_counters():
    """Counters live in Redis under the tenant's id, which a later test may reuse."""
    require(_redis_ok(), "needs Redis (run scripts/test.sh)")
    traffic_flush()
    client = redis_client(django_settings.REDIS_URL)
    for key in client.scan_iter("tenants:*"):
        client.delete(key)
    yield
    for key in client.scan_iter("tenants:*"):
        client.delete(key)


def _row(tenant) -> TenantDailyStats:
    return TenantDailyStats.objects.get(tenant=tenant, day=today())


def test_visitors_bytes_and_clicks_roll_up_into_the_days_and_the_month(site, media, settings):
    settings.AD_CLICK_VALUE = "0.0100"
    hub = site("Anime Hub", HOST, plan="rev_share", rev_share_percent=Decimal("50"))
    movie = media_ingest(path=media.movie).media_file
    chapter = chapter_ingest(path=media.cbz).chapter
    browsers = [Client(HTTP_USER_AGENT=f"browser {n}", REMOTE_ADDR=f"10.0.0.{n}") for n in range(4)]
    for browser in browsers:  # 4 visitors, each several requests
        for _ in range(3):
            assert browser.get("/api/site/", HTTP_HOST=HOST).status_code == 200
    Client(HTTP_USER_AGENT="elsewhere").get("/api/site/")  # the main site's visitor
    vtt = browsers[0].get(signed(f"/api/subs/{movie.file_hash}/eng.vtt"), HTTP_HOST=HOST)
    page = browsers[1].get(signed(f"/api/read/{chapter.pk}/1"), HTTP_HOST=HOST)
    head = browsers[1].head(signed(f"/api/read/{chapter.pk}/2"), HTTP_HOST=HOST)
    assert vtt.status_code == page.status_code == head.status_code == 200
    sent = len(vtt.content) + len(page.content)
    link = AdLink.objects.create(file_hash="ab" * 32, day=today(), short_url="https://sh.rt/x")
    for browser in browsers[:3]:
        clicked = browser.get(f"/go/{link.pk}", HTTP_HOST=HOST)
        assert clicked.status_code == 302 and clicked["Location"] == "https://sh.rt/x"

    assert stats.stats_rollup() == 2  # the main site and the hub
    row = _row(hub)
    assert (row.visitors, row.bytes_served, row.nginx_bytes, row.ad_clicks) == (4, sent, 0, 3)
    hub.refresh_from_db()
    assert hub.monthly_visitors == 4
    assert hub.bandwidth_used_gb == (Decimal(sent) / 10**9).quantize(Decimal("0.001"))
    assert hub.revenue_generated == Decimal("0.02")  # 3 clicks at 0.01, 50 % of it, rounded
    assert hub.stats_computed_at is not None
    # Idempotent: a second roll-up of the same counters changes nothing.
    stats.stats_rollup()
    assert _row(hub).visitors == 4 and TenantDailyStats.objects.filter(tenant=hub).count() == 1


def test_a_fixed_fee_tenants_revenue_is_its_payments_this_month(site):
    shop = site("Shop", "shop.example", plan="fixed_fee")
    services.payment_record(
        tenant=shop, amount=Decimal("49.00"), method="card", actor=StaffFactory()
    )
    stats.stats_rollup(tenant_ids=[shop.pk])
    shop.refresh_from_db()
    assert shop.revenue_generated == Decimal("49.00")
    last_year = Payment.objects.create(
        tenant=shop,
        amount=Decimal("10"),
        period_start=datetime.date(2020, 1, 1),
        period_end=datetime.date(2020, 1, 31),
        method="card",
    )
    Payment.objects.filter(pk=last_year.pk).update(
        created_at=datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC)
    )
    stats.stats_rollup(tenant_ids=[shop.pk])
    shop.refresh_from_db()
    assert shop.revenue_generated == Decimal("49.00")


def test_nginx_bytes_are_read_once_from_its_log_and_rotation_starts_over(site, tmp_path):
    hub = site("Anime Hub", HOST)
    log = tmp_path / "bytes.log"
    now = datetime.datetime.now(datetime.UTC).timestamp()
    log.write_text(
        f"{now:.3f} {HOST} 1000\n{now:.3f} ANIME-HUB.example. 24\n"
        f"{now:.3f} unknown.example 999\nnot a line\n{now:.3f} {HOST} 7"  # the last: unfinished
    )
    assert nginx_bytes_ingest(path=str(log)) == 2023  # the unknown host: the main site's
    assert _row(hub).nginx_bytes == 1024
    assert nginx_bytes_ingest(path=str(log)) == 0  # nothing new
    with log.open("a") as f:
        f.write("6\n")  # the line is complete now: 76 bytes
    assert nginx_bytes_ingest(path=str(log)) == 76
    assert _row(hub).nginx_bytes == 1100
    os.replace(log, tmp_path / "bytes.log.1")  # logrotate: a new file, a new inode
    log.write_text(f"{now:.3f} {HOST} 5\n")
    assert nginx_bytes_ingest(path=str(log)) == 5
    assert _row(hub).nginx_bytes == 1105


def test_the_admin_list_and_dashboard_show_the_stats(client, site, django_assert_max_num_queries):
    hub = site("Anime Hub", HOST)
    for n in range(3):
        site(f"Other {n}", f"other{n}.example")
    TenantDailyStats.objects.create(tenant=hub, day=today(), visitors=12, bytes_served=3 * 10**9)
    TenantDailyStats.objects.create(
        tenant=hub, day=today() - datetime.timedelta(days=40), visitors=99
    )
    stats.stats_rollup(tenant_ids=[hub.pk])
    client.force_login(StaffFactory(is_superuser=True))
    with django_assert_max_num_queries(12):
        listing = client.get("/admin/tenants/tenant/")
    assert listing.status_code == 200
    text = listing.content.decode()
    assert "3.000" in text and "ago" in text and "never computed" in text
    with django_assert_max_num_queries(10):
        board = client.get(f"/admin/tenants/tenant/{hub.pk}/dashboard/")
    html = board.content.decode()
    assert board.status_code == 200
    assert 'id="tenant-visitors"' in html and 'id="tenant-bandwidth"' in html
    assert f"{today().isoformat()}: 12" in html and "3.0 GB" in html
    assert ": 99" not in html  # outside the 30 days


@pytest.mark.django_db(transaction=True)
def test_stream_bytes_with_ranges_are_counted_by_a_live_server(site, media, tmp_path, settings):
    require(connection.vendor == "postgresql", "needs PostgreSQL (run scripts/test.sh)")
    hub = site("Anime Hub", HOST)
    settings.VAULT_DIR = tmp_path / "live-vault"
    movie = media_ingest(path=media.movie).media_file
    server = start_uvicorn(
        settings.VAULT_DIR,
        TENANT_TRAFFIC_FLUSH_SECONDS="0",
        TENANT_CHECK_SECONDS="0",
        ALLOWED_HOSTS="127.0.0.1",
        **_db_env(),
    )
    try:
        url = server.url + signed(f"/s/{movie.file_hash}")
        headers = {"Host": HOST}
        with httpx.Client(timeout=30) as http:
            ranged = http.get(url, headers={**headers, "Range": "bytes=100-1123"})
            tail = http.get(url, headers={**headers, "Range": "bytes=-500"})
            full = http.get(url, headers=headers)
            http.head(url, headers=headers)
            assert (ranged.status_code, tail.status_code, full.status_code) == (206, 206, 200)
            assert http.get(url, headers={"Host": "nobody.example"}).status_code == 400
    finally:
        _stop(server.proc)  # its counts are sent as they happen (flush every 0 s) and at exit
    stats.stats_rollup(tenant_ids=[hub.pk])
    assert _row(hub).bytes_served == 1024 + 500 + movie.size_bytes
