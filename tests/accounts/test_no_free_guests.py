"""No free guests: requests that arrive without a session are throttled by client IP (the real
one behind nginx), so 200 cookie-less reports from one address are limited like 200 from one
user, and guest creation itself is rate limited per address."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts.models import User, UserKind
from tests.factories import TitleFactory, add_file

pytestmark = pytest.mark.django_db
URL = "/api/reports/"


@pytest.fixture
def titles():
    out = []
    for _ in range(12):
        title = TitleFactory()
        add_file(title)
        out.append(title)
    return out


def _report(title, ip: str = "203.0.113.7", **extra):
    # A fresh client each time with only the CSRF cookie: a script that drops its session.
    client = Client(REMOTE_ADDR=ip, **extra)
    client.get("/api/session/")
    return client.post(
        URL, {"title": title.short_id, "issue": "dead_link"}, content_type="application/json"
    )


def test_a_client_that_keeps_no_cookie_gets_no_guest(titles):
    response = Client().post(
        URL, {"title": titles[0].short_id, "issue": "dead_link"}, content_type="application/json"
    )
    assert response.status_code == 403
    assert "/api/session/" in response.json()["error"]["message"]
    assert not User.objects.filter(kind=UserKind.GUEST).exists()
    assert Client().get("/api/me/").status_code == 403


def test_cookieless_reports_from_one_address_are_throttled(titles, settings):
    settings.REPORT_RATE = "5/hour"
    codes = [_report(t).status_code for t in titles]
    assert codes[:5] == [201] * 5
    assert set(codes[5:]) == {429}
    # Another address has its own allowance.
    assert _report(titles[-1], ip="198.51.100.9").status_code == 201


def test_guest_creation_is_rate_limited_per_address(titles, settings):
    settings.REPORT_RATE = "1000/hour"
    settings.GUEST_CREATE_RATE = "3/hour"
    codes = [_report(t).status_code for t in titles[:6]]
    assert codes == [201, 201, 201, 429, 429, 429]
    assert User.objects.filter(kind=UserKind.GUEST).count() == 3


def test_the_real_client_ip_behind_nginx_is_the_key(titles, settings):
    settings.REPORT_RATE = "2/hour"
    settings.ACCOUNTS_TRUST_X_FORWARDED_FOR = True
    nginx = "127.0.0.1"
    first = [_report(t, ip=nginx, HTTP_X_FORWARDED_FOR="192.0.2.1").status_code for t in titles[:3]]
    assert first == [201, 201, 429]
    other = _report(titles[3], ip=nginx, HTTP_X_FORWARDED_FOR="192.0.2.2")
    assert other.status_code == 201
