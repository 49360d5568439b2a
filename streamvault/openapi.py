"""Post-processing of the OpenAPI schema so it tells the truth about every endpoint:

- the one error shape (``core.errors``) as the ``Error`` component, and every status an
  operation can answer besides its success (bad input, refusals, not found, rate limits);
- the cross-field rules of request bodies (``core.schema``: either this or that, both or
  neither), so the schema accepts exactly what the server accepts;
- the session cookie is optional where a visitor without one gets a guest session;
- the byte endpoints, which are plain async views (not DRF), documented by hand: ``/s/``,
  ``/api/subs``, ``/api/read`` and ``/api/img``.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.plumbing import is_list_serializer

from core.json_fields import JSON_VALUE_SCHEMA, NO_NUL
from core.schema import RULES

ERROR = {"$ref": "#/components/schemas/Error"}
ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "fields": {"type": "object", "additionalProperties": True},
            },
        }
    },
}
REASONS = {
    "400": "Invalid input (the `fields` say which)",
    "401": "Not logged in",
    "403": "Refused: no permission, a banned account, a bad signature, a CSRF failure",
    "404": "Not found (a taken-down title is not found)",
    "405": "Method not allowed",
    "409": "Not available right now",
    "410": "The signed link has expired",
    "416": "Range not satisfiable",
    "429": "Rate limited (see Retry-After)",
    "503": "A backend this needs is not reachable or not configured",
}
ALWAYS = ("400", "403", "404", "429")


def _error(code: str) -> dict[str, Any]:
    return {"description": REASONS[code], "content": {"application/json": {"schema": ERROR}}}


def _bytes_op(
    op_id: str, summary: str, content_type: str, codes: tuple[str, ...], params: list
) -> dict:
    responses: dict[str, Any] = {
        "200": {
            "description": summary,
            "content": {content_type: {"schema": {"type": "string", "format": "binary"}}},
        }
    }
    for code in codes:
        responses[code] = (
            _error(code) if code in REASONS else {"description": "Partial content / not modified"}
        )
    return {
        "get": {
            "operationId": op_id,
            "summary": summary,
            "tags": ["bytes"],
            "parameters": params,
            "responses": responses,
            "security": [{}],
        }
    }


def _path_param(name: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": schema}


SIGNATURE = [
    {"name": "md5", "in": "query", "required": True, "schema": {"type": "string"}},
    {"name": "expires", "in": "query", "required": True, "schema": {"type": "string"}},
]
HASH = {"type": "string", "pattern": "^[0-9a-f]{64}$"}

BYTE_PATHS = {
    "/s/{file_hash}": _bytes_op(
        "s_retrieve",
        "A signed stream or pack download, with Range",
        "application/octet-stream",
        ("206", "304", "400", "403", "404", "405", "410", "416", "503"),
        [
            _path_param("file_hash", HASH),
            *SIGNATURE,
            {"name": "Range", "in": "header", "required": False, "schema": {"type": "string"}},
        ],
    ),
    "/api/subs/{file_hash}/{key}.vtt": _bytes_op(
        "subs_retrieve",
        "A text subtitle track as WebVTT (signed by the stream gatekeeper)",
        "text/vtt",
        ("304", "403", "404", "410", "503"),
        [
            _path_param("file_hash", HASH),
            _path_param("key", {"type": "string", "pattern": "^[A-Za-z0-9-]{1,16}$"}),
            *SIGNATURE,
        ],
    ),
    "/api/read/{chapter_id}/{page}": _bytes_op(
        "read_page_retrieve",
        "One manga page (signed by POST /api/read/{chapter_id}/)",
        "image/*",
        ("304", "403", "404", "410", "503"),
        [
            _path_param("chapter_id", {"type": "integer", "minimum": 0}),
            _path_param("page", {"type": "integer", "minimum": 0}),
            *SIGNATURE,
        ],
    ),
    "/api/img/{ref}": _bytes_op(
        "img_retrieve",
        "A poster, backdrop or screenshot the title document lists",
        "image/*",
        ("304", "404", "503"),
        [_path_param("ref", {"type": "string"})],
    ),
}


PARAM_BOUNDS = {
    ("query", "short_id"): {"pattern": "^[0-9A-Za-z]{7}$"},
    ("query", "id"): {"minimum": 1},
    ("header", "X-Device-Fingerprint"): {"minLength": 1, "pattern": "\\S"},
    ("query", "page"): {"minimum": 1, "maximum": 1_000_000},
    ("query", "page_size"): {"minimum": 1, "maximum": 100},
    ("query", "until"): {"minimum": 0, "maximum": 86400},
    ("path", "season"): {"minimum": 0, "maximum": 32767},
    ("path", "number"): {"minimum": 0, "maximum": 32767},
    ("query", "parent"): {"minimum": 0, "maximum": 2**63 - 1},
    ("query", "limit"): {"minimum": 1, "maximum": 100},
    ("query", "category"): {"minimum": 1, "maximum": 10**18 - 1},  # core.parsing.ascii_int
    ("path", "creator_id"): {"minimum": 1, "maximum": 2**63 - 1},
    ("path", "public_id"): {"pattern": "^[A-Za-z0-9_-]{1,16}$"},
    ("query", "project"): {"minimum": 1, "maximum": 2**63 - 1},  # studio.api.base.id_param
    # studio.api.base.text_param: free text, no NUL (PostgreSQL cannot compare it)
    ("query", "q"): {"pattern": NO_NUL},
    ("query", "app"): {"pattern": NO_NUL},
    ("query", "stage"): {"pattern": NO_NUL},
}


def _body_required_when_fields_are(op: dict[str, Any], result: dict[str, Any]) -> None:
    """A request body whose schema has required fields (or a rule that asks for some) is itself
    required (drf-spectacular leaves it optional, and an empty request is then "valid")."""
    body = op.get("requestBody")
    if not body or body.get("required"):
        return
    schemas = result.get("components", {}).get("schemas", {})
    for media in body.get("content", {}).values():
        ref = media.get("schema", {}).get("$ref", "")
        schema = schemas.get(ref.rsplit("/", 1)[-1], {}) if ref else media.get("schema", {})
        if schema.get("required") or schema.get("allOf"):
            body["required"] = True
            return


def _add_rules(schemas: dict[str, Any]) -> None:
    """The cross-field rules serializers declare (``core.schema``); a component with several
    rules takes them as ``allOf``."""
    for name, rules in RULES.items():
        for component in (name, f"Patched{name}"):
            if component in schemas:
                schemas[component].setdefault("allOf", []).extend(rules)


def _no_nul_in_request_strings(result: dict[str, Any]) -> None:
    """DRF refuses a NUL character in any text field: the request components' free strings
    say so (``pattern``), so the schema does not call such a body valid."""
    schemas = result.get("components", {}).get("schemas", {})
    names = {
        media.get("schema", {}).get("$ref", "").rsplit("/", 1)[-1]
        for item in result.get("paths", {}).values()
        for op in item.values()
        if isinstance(op, dict)
        for media in op.get("requestBody", {}).get("content", {}).values()
    }
    for name in names & set(schemas):
        for prop in schemas[name].get("properties", {}).values():
            if prop.get("type") == "string" and not ({"pattern", "format", "enum"} & set(prop)):
                prop["pattern"] = NO_NUL


BLANK = {"type": "string", "maxLength": 0}


def _blank_is_any_of(node: Any) -> None:
    """drf-spectacular gives a blank-allowed text with a pattern ``oneOf: [it, blank]``; where
    the pattern also takes "" (free text), "" matches both and ``oneOf`` calls a valid ""
    invalid. ``anyOf`` says what is meant."""
    if isinstance(node, dict):
        one_of = node.get("oneOf")
        if isinstance(one_of, list) and len(one_of) == 2 and one_of[1] == BLANK:
            node["anyOf"] = node.pop("oneOf")
        for value in node.values():
            _blank_is_any_of(value)
    elif isinstance(node, list):
        for value in node:
            _blank_is_any_of(value)


def postprocess(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict:
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas["Error"] = ERROR_SCHEMA
    schemas["JsonValue"] = JSON_VALUE_SCHEMA
    _add_rules(schemas)
    _blank_is_any_of(result)
    for path, path_item in result.get("paths", {}).items():
        for method, op in path_item.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            if path.startswith("/api/studio/"):  # signed-in only: no guest session is made
                op.setdefault("responses", {}).setdefault("401", _error("401"))
            for param in op.get("parameters", []):
                bounds = PARAM_BOUNDS.get((param.get("in"), param.get("name")))
                if bounds:
                    param["schema"] = {**param.get("schema", {}), **bounds}
            _body_required_when_fields_are(op, result)
            responses = op.setdefault("responses", {})
            for code in ALWAYS:
                responses.setdefault(code, _error(code))
            for code in ("401", "409", "503") if method != "get" else ():
                responses.setdefault(code, _error(code))
            security = op.get("security")
            if security and {} not in security:
                op["security"] = [*security, {}]  # no cookie: a guest session is made
    _no_nul_in_request_strings(result)
    for path, item in BYTE_PATHS.items():
        result["paths"].setdefault(path, item)
    return result


class AutoSchema(SpectacularAutoSchema):
    """drf-spectacular's, plus the bounds of a nested list (``Item(many=True, max_length=10)``):
    it leaves out ``maxItems`` and ``minItems`` there, so the schema called an eleventh item
    valid that the serializer refuses."""

    def _map_serializer_field(self, field: Any, direction: str, bypass_extensions=False) -> Any:
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        if is_list_serializer(field) and isinstance(schema, dict) and schema.get("type") == "array":
            if field.max_length is not None:
                schema["maxItems"] = field.max_length
            minimum = field.min_length if field.min_length is not None else 0
            if not field.allow_empty:
                minimum = max(minimum, 1)
            if minimum:
                schema["minItems"] = minimum
        return schema
