"""Bad input to the studio API is a 4xx in the one error shape, never a 500: text PostgreSQL
cannot store inside open JSON (a NUL, a lone surrogate), an empty or unknown filter value, a
row id out of range (400s) — while every id a bigint holds is still taken — and an id in the
body that is not the project's (409)."""

from __future__ import annotations

import json

import pytest

from studio.services import sessions
from tests.studio.factories import producer, project_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def owned(client):
    owner = producer()
    project = project_of(owner)
    client.force_login(owner)
    return client, project


def _patch(client, url: str, raw: str):
    return client.patch(url, data=raw, content_type="application/json")


@pytest.mark.parametrize(
    "body",
    [
        '{"workflow_state": {"note": "a\\u0000b"}}',
        '{"user_preferences": {"deep": [{"x": ["\\u0000"]}]}}',
        '{"workflow_state": {"k\\u0000": 1}}',
        '{"workflow_state": {"lone": "\\ud800"}}',
    ],
)
def test_unstorable_text_in_open_json_is_a_400(owned, body):
    client, project = owned
    session = sessions.session_open(actor=project.created_by, project=project, data={})
    response = _patch(client, f"/api/studio/sessions/{session.pk}/", body)
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert set(error["fields"]) <= {"workflow_state", "user_preferences"}


def test_storable_open_json_is_kept(owned):
    client, project = owned
    session = sessions.session_open(actor=project.created_by, project=project, data={})
    state = {"phase": "story", "nested": [{"a": [1, 2.5, None, True, "ü ✓"]}]}
    response = _patch(
        client, f"/api/studio/sessions/{session.pk}/", json.dumps({"workflow_state": state})
    )
    assert response.status_code == 200, response.content
    assert response.json()["context_data"]["workflow_state"] == state


def test_a_prompt_output_schema_with_a_nul_is_a_400(owned):
    client, _ = owned
    body = {
        "name": "n",
        "text": "Hi {{ who }}",
        "model": "local",
        "output_schema": {"title": "\x00"},
    }
    response = client.post("/api/studio/prompts/", body, content_type="application/json")
    assert response.status_code == 400, response.content
    assert "output_schema" in response.json()["error"]["fields"]


def test_a_body_naming_a_row_that_is_not_the_projects_is_a_409_naming_the_field(owned):
    """A 404 says the URL's resource is missing, a 400 that the body is wrong whatever the
    project; a well-formed id that is not a row of this project is a 409."""
    client, project = owned
    body = {"episode_number": 1, "title": "One", "thumbnail": 99999}
    response = client.post(
        f"/api/studio/projects/{project.pk}/episodes/", body, content_type="application/json"
    )
    assert response.status_code == 409, response.content
    error = response.json()["error"]
    assert error["code"] == "not_in_project" and "thumbnail" in error["fields"]


def test_an_empty_or_unknown_filter_is_a_400(owned):
    client, project = owned
    for value in ("", "nope"):
        response = client.get(f"/api/studio/projects/{project.pk}/tasks/?status={value}")
        assert response.status_code == 400, value
        assert "status" in response.json()["error"]["fields"]
    assert client.get(f"/api/studio/projects/{project.pk}/tasks/").status_code == 200


@pytest.mark.parametrize(
    "value,status",
    [
        ("9223372036854775807", 200),
        ("9223372036854775808", 400),
        ("0", 400),
        ("+1", 400),
        ("1x", 400),
    ],
)
def test_the_project_filter_takes_any_bigint_id(owned, value, status):
    client, _ = owned
    response = client.get(f"/api/studio/executions/?project={value}")
    assert response.status_code == status, response.content


def test_a_nul_in_a_choice_metadata_key_is_a_400(owned):
    """What the fuzzing no longer sends to sessions (schemathesis.toml): a NUL in a key of a
    choice's metadata is refused naming the field, and nothing is stored."""
    client, project = owned
    session = sessions.session_open(actor=project.created_by, project=project, data={})
    choice = {"choice_id": "a", "label": "A", "metadata": {"k\x00": 1}}
    response = _patch(
        client, f"/api/studio/sessions/{session.pk}/", json.dumps({"last_choices": [choice]})
    )
    assert response.status_code == 400, response.content
    assert "last_choices" in response.json()["error"]["fields"]
    session.refresh_from_db()
    assert session.last_choices == []
