"""The served schema accepts a request body exactly when the server does: the cross-field
rules (``core.schema``) and the strict JSON types (``core.fields``) of the per-user endpoints,
checked body by body against the live view (the fuzzer samples this; here it is exhaustive for
the cases that used to disagree)."""

from __future__ import annotations

import jsonschema
import pytest

pytestmark = pytest.mark.django_db


@pytest.fixture
def schema(api) -> dict:
    return api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()


def _validator(schema: dict, path: str, method: str) -> jsonschema.Validator:
    body = schema["paths"][path][method]["requestBody"]
    assert body["required"] is True
    assert list(body["content"]) == ["application/json"]  # JSON is the one body format
    root = {**body["content"]["application/json"]["schema"], "components": schema["components"]}
    return jsonschema.Draft7Validator(root)


def _agree(validator: jsonschema.Validator, send, bodies: list) -> None:
    for body in bodies:
        valid = validator.is_valid(body)
        response = send(body)
        assert response.status_code < 500, response.content
        accepted = response.status_code != 400
        assert accepted == valid, (body, valid, response.status_code, response.content)


def test_wishlist_add(api, schema, movie):
    api.get("/api/me/")
    _agree(
        _validator(schema, "/api/me/wishlist/", "post"),
        lambda body: api.post("/api/me/wishlist/", body, format="json"),
        [
            {},
            {"short_id": movie.short_id},
            {"query": "Some Film"},
            {"query": "千と千尋"},
            {"short_id": movie.short_id, "query": "Some Film"},
            {"query": 0},
            {"query": "   "},
            {"query": "a\x00b"},  # DRF refuses a NUL in any text; the schema says so too
            {"short_id": 1234567},
            {"short_id": "abc"},
            [],
        ],
    )


def test_progress(api, schema, movie, manga):
    api.get("/api/me/")
    bodies = [
        {},
        {"position": 1000},
        {"position": "1000"},
        {"position": True},
        {"position": 1000.0},
        {"position": 1000, "season": 1},
        {"chapter": "2", "page": 3},
        {"chapter": 2.5, "page": 3},
        {"chapter": "", "page": 3},
        {"chapter": "2"},
        {"chapter": "2.555", "page": 3},
        {"chapter": -1, "page": 3},
        {"chapter": False, "page": 3},
        {"page": 3},
    ]
    validator = _validator(schema, "/api/me/progress/{short_id}/", "put")
    for title in (movie, manga):  # the wrong kind of body for a title is a 409, not a 400
        _agree(
            validator,
            lambda body, t=title: api.put(f"/api/me/progress/{t.short_id}/", body, format="json"),
            bodies,
        )


def test_report(api, schema, movie, manga, settings):
    settings.REPORT_RATE = "1000/hour"
    api.get("/api/me/")
    bodies = [
        {"issue": "dead_link"},
        {"issue": "dead_link", "season": 1},
        {"issue": "dead_link", "episode": 1},
        {"issue": "dead_link", "season": 1, "episode": 1},
        {"issue": "dead_link", "season": "1", "episode": 1},
        {"issue": "missing_pages", "chapter": "1"},
        {"issue": "missing_pages", "chapter": 1, "file_hash": "a" * 64},
        {"issue": "missing_pages", "chapter": ""},
        {"issue": "missing_pages"},
        {"issue": "dead_link", "note": 5},
        {"issue": "dead_link", "note": "bad\x00note"},
        {"issue": "on_fire"},
    ]
    validator = _validator(schema, "/api/reports/", "post")
    for title in (movie, manga):
        _agree(
            validator,
            lambda body: api.post("/api/reports/", body, format="json"),
            [{"title": title.short_id, **body} for body in bodies],
        )


def test_bodies_other_than_json_are_415(api, movie):
    api.get("/api/me/")
    form = api.post("/api/me/wishlist/", {"short_id": movie.short_id})  # multipart
    assert form.status_code == 415
    assert form.json()["error"]["code"] == "unsupported_media_type"


def test_comment_bodies(api, schema, settings):
    """The comment body's rules (some text, no HTML, no NUL) are the schema's."""
    from tests.factories import TitleFactory

    settings.COMMENT_RATE = settings.COMMENT_IP_RATE = "1000/min"
    title = TitleFactory()
    api.get("/api/me/")
    _agree(
        _validator(schema, "/api/comments/", "post"),
        lambda body: api.post("/api/comments/", body, format="json"),
        [
            {"target": f"title:{title.short_id}", "body": b}
            for b in ("hello", "", "   ", "\u0007\u0008", "a\x00b", "<b>x</b>", "a < b", "x" * 2001)
        ]
        + [{"target": "nonsense", "body": "x"}, {"target": f"title:{title.short_id}"}],
    )
