"""Without its database the site says so — 503 with Retry-After, in the JSON error shape under
``/api/`` — instead of a 500; any other crash is still a 500. (The whole topology with
PostgreSQL cut is ``test_outages.py``.)"""

from __future__ import annotations

import pytest
from django.db import InterfaceError, OperationalError
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.fixture
def broken(monkeypatch):
    def set_error(exc: Exception) -> None:
        def fail(*args, **kwargs):
            raise exc

        monkeypatch.setattr("catalog.api.TitleListView.list", fail)

    return set_error


@pytest.mark.parametrize(
    "exc",
    [OperationalError("connection refused"), InterfaceError("connection already closed")],
)
def test_the_api_answers_503_with_retry_after_when_the_database_is_away(broken, exc):
    broken(exc)
    response = Client(raise_request_exception=False).get("/api/titles/")
    assert response.status_code == 503
    assert response["Retry-After"] == "10"
    assert response.json()["error"]["code"] == "unavailable"


def test_any_other_crash_is_still_a_500(broken):
    broken(RuntimeError("a bug"))
    response = Client(raise_request_exception=False).get("/api/titles/")
    assert response.status_code == 500
    assert response.json()["error"]["code"] == "server_error"
