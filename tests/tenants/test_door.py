"""The lean document door (``tenants.door``) answers ``GET /api/titles/<id>/`` as the whole
Django stack would — same status, body and headers, 200 and 304 — without the middleware stack
or DRF, and hands Django everything else it should answer: an unknown id, a taken-down title,
a title a tenant's policy hides, a suspended site, an unknown host, a query string, another
method. Tenant policy and the visitor count apply at this door as at the others."""

from __future__ import annotations

import pytest
from django.db import OperationalError
from werkzeug.test import Client

from catalog import services as catalog
from catalog.models import ContentRating, TitleStatus
from streamvault.wsgi import django_application
from tenants import door, traffic
from tenants import services as tenants
from tests.factories import StaffFactory, TitleFactory

pytestmark = pytest.mark.django_db(transaction=True)  # the door opens and closes connections
KIDS = "kids.example"


class Counting:
    """Django's WSGI app, counting the requests the door handed it."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, environ, start_response):
        self.calls += 1
        return django_application(environ, start_response)


def _both(path: str, **kw) -> tuple:
    """(the door's answer, the whole stack's answer, how many the door handed to Django)."""
    django = Counting()
    lean = Client(door.with_document_route(django)).get(path, **kw)
    whole = Client(django_application).get(path, **kw)
    return lean, whole, django.calls


def _same(lean, whole) -> None:
    assert lean.status_code == whole.status_code
    assert lean.get_data() == whole.get_data()
    # Django gives a 304 its default Content-Type (text/html), which says nothing of an empty
    # body; the door sends none.
    skip = {"Content-Type"} if lean.status_code == 304 else set()
    assert sorted((k, v) for k, v in lean.headers.items() if k not in skip) == sorted(
        (k, v) for k, v in whole.headers.items() if k not in skip
    )


@pytest.fixture
def titles(site):
    kids = site("Kids Corner", KIDS, allowed_ratings=[ContentRating.SAFE])
    return {
        "open": TitleFactory(title="Happy Cartoon"),
        "adult": TitleFactory(title="Grown Drama", content_rating=ContentRating.ADULT),
        "kids": kids,
    }


def test_a_document_and_its_304_are_the_stacks_without_it(titles):
    path = f"/api/titles/{titles['open'].short_id}/"
    lean, whole, handed = _both(path)
    _same(lean, whole)
    assert lean.status_code == 200 and handed == 0
    assert lean.json["title"] == "Happy Cartoon"
    etag = lean.headers["ETag"]
    lean, whole, handed = _both(path, headers={"If-None-Match": etag})
    _same(lean, whole)
    assert lean.status_code == 304 and handed == 0


def test_what_django_answers_is_handed_to_django(titles):
    banned = TitleFactory(title="Pirated")
    catalog.title_set_status(title=banned, status=TitleStatus.BANNED)
    adult = f"/api/titles/{titles['adult'].short_id}/"
    cases = [
        ("/api/titles/zzzzzzz/", {}, 404),  # unknown
        (f"/api/titles/{banned.short_id}/", {}, 404),  # taken down
        (adult, {"headers": {"Host": KIDS}}, 404),  # hidden by the tenant's policy
        (adult, {"headers": {"Host": "evil.example"}}, 400),  # a host we do not serve
        (adult, {"query_string": "x=1"}, 200),  # not the plain document: Django's
    ]
    for path, kw, status in cases:
        lean, whole, handed = _both(path, **kw)
        _same(lean, whole)
        assert (lean.status_code, handed) == (status, 1), path
    lean, whole, handed = _both(adult)
    assert (lean.status_code, handed) == (200, 0)  # the main site shows it

    tenants.tenant_suspend(tenant=titles["kids"], actor=StaffFactory(), reason="unpaid")
    open_on_kids = {"headers": {"Host": KIDS}}
    lean, whole, handed = _both(f"/api/titles/{titles['open'].short_id}/", **open_on_kids)
    _same(lean, whole)
    assert (lean.status_code, handed) == (503, 1)


def test_a_tenants_visitor_is_counted_at_the_door(titles, monkeypatch):
    seen = []
    monkeypatch.setattr(traffic, "visit", lambda **kw: seen.append(kw["site"].id))
    monkeypatch.setattr("tenants.middleware.visit", lambda **kw: seen.append(kw["site"].id))
    django = Counting()
    answer = Client(door.with_document_route(django)).get(
        f"/api/titles/{titles['open'].short_id}/", headers={"Host": KIDS}
    )
    assert answer.status_code == 200 and django.calls == 0
    assert seen == [titles["kids"].id]


def test_a_request_the_door_fails_on_is_handed_to_django(titles, monkeypatch):
    """The database or Redis away at the door: Django answers (with its 503 in an outage)."""

    def away(*args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(door, "title_document_bytes", away)
    django = Counting()
    answer = Client(door.with_document_route(django)).get(f"/api/titles/{titles['open'].short_id}/")
    assert (answer.status_code, django.calls) == (200, 1)  # Django's own read went through
