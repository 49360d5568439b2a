"""The OpenAPI schema says what the API does: an empty free text is valid once, not "valid
under more than one" branch of a ``oneOf`` (which made a correct response a schema violation);
open JSON refuses a NUL at any depth."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def schema(django_db_setup, django_db_blocker):
    from django.test import Client

    with django_db_blocker.unblock():
        response = Client().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    return json.loads(response.content)


def _jsonschema(node):
    """OpenAPI 3.0's ``nullable`` as JSON Schema (``null`` is one more type)."""
    if isinstance(node, list):
        return [_jsonschema(v) for v in node]
    if not isinstance(node, dict):
        return node
    out = {k: _jsonschema(v) for k, v in node.items() if k != "nullable"}
    return {"anyOf": [out, {"type": "null"}]} if node.get("nullable") else out


def _walk(node):
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


def test_no_one_of_lets_an_empty_text_match_twice(schema):
    for node in _walk(schema):
        for branch_list in [node.get("oneOf")] if isinstance(node.get("oneOf"), list) else []:
            texts = [b for b in branch_list if isinstance(b, dict) and b.get("type") == "string"]
            matching = [b for b in texts if jsonschema.Draft4Validator(b).is_valid("")]
            assert len(matching) <= 1, node


def test_an_empty_panel_text_is_a_valid_response(schema):
    panel = {"panel_number": 1, "description": "", "image": None, "camera_angle": "", "notes": ""}
    properties = schema["components"]["schemas"]["Panel"]["properties"]
    for name in ("description", "camera_angle", "notes"):
        assert jsonschema.Draft4Validator(properties[name]).is_valid(panel[name]), name


def test_nested_lists_keep_their_bounds(schema):
    """A list of objects (``Item(many=True, max_length=…)``) says how many it takes."""
    schemas = schema["components"]["schemas"]
    assert schemas["PatchedCreatorEdit"]["properties"]["social_accounts"]["maxItems"] == 10
    tasks = schemas["TaskBatchIn"]["properties"]["tasks"]
    assert (tasks["minItems"], tasks["maxItems"]) == (1, 100)


def test_open_json_refuses_a_nul_at_any_depth(schema):
    components = _jsonschema(schema["components"])
    validator = jsonschema.Draft7Validator(
        {**components["schemas"]["JsonValue"], "components": components}
    )
    assert validator.is_valid({"a": [{"b": ["text", 1, None, True]}]})
    assert not validator.is_valid({"a": [{"b": ["te\x00xt"]}]})
    assert not validator.is_valid({"a\x00": 1})


RACE = """
import threading
import django
django.setup()
from django.test import Client
barrier = threading.Barrier(8)
codes = []
def hit():
    barrier.wait()
    try:
        response = Client().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
        codes.append(response.status_code)
    except Exception as exc:
        codes.append(type(exc).__name__)
threads = [threading.Thread(target=hit) for _ in range(8)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print(sorted(map(str, codes)))
"""


def test_eight_first_schema_requests_at_once_all_get_the_schema():
    """drf-spectacular loads its extensions lazily and not thread-safely: the first schema
    requests of a fresh process, at once, crashed (seen under the fuzzing)."""
    from django.db import connection

    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgres"):
        url = url.rsplit("/", 1)[0] + "/" + connection.settings_dict["NAME"]
    else:
        url = "sqlite:///" + str(connection.settings_dict["NAME"])
    env = {**os.environ, "DATABASE_URL": url, "DEBUG": "true", "ALLOWED_HOSTS": "testserver"}
    result = subprocess.run(
        [sys.executable, "-c", RACE], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.stdout.strip().splitlines()[-1:] == [str(["200"] * 8)], result.stderr[-3000:]
