"""The prompt registry: every save an immutable version, labels the only way to deploy or roll
back (audited), typed variables checked at render with each bad one named, invalid output
schemas refused at save, and every run recorded — an output that fails the schema recorded as
an error and never handed on."""

from __future__ import annotations

from decimal import Decimal

import pytest

from core.models import AuditEntry
from studio.errors import Invalid
from studio.models import ExecutionStatus, PromptExecution, PromptVersion
from studio.services import prompts
from tests.studio.factories import producer, project_of

pytestmark = pytest.mark.django_db

SCHEMA = {
    "type": "object",
    "required": ["scenes"],
    "properties": {"scenes": {"type": "array", "items": {"type": "string"}, "minItems": 1}},
    "additionalProperties": False,
}
VARIABLES = [
    {"name": "title", "type": "string", "required": True},
    {"name": "count", "type": "number", "default": 3},
    {"name": "dark", "type": "boolean"},
    {"name": "cast", "type": "json"},
    {"name": "ref", "type": "url"},
]


def _template(owner, **extra):
    data = {
        "name": "breakdown",
        "app": "studio",
        "stage": "story",
        "model": "local/script",
        "text": "Break {{title}} into {{ count }} scenes. Dark: {{dark}}. Cast: {{cast}}. {{ref}}",
        "variables": VARIABLES,
        "output_schema": SCHEMA,
        **extra,
    }
    return prompts.prompt_template_create(actor=owner, data=data)


def test_every_save_is_a_new_immutable_version_and_only_labels_deploy():
    owner = producer()
    template = _template(owner)
    assert prompts.version_for(template=template).number == 1  # nothing deployed: latest
    prompts.prompt_label_move(actor=owner, template=template, label="production", number=1)
    v2 = prompts.prompt_template_save(
        actor=owner, template=template, data={"text": "Just {{title}}."}
    )
    assert (
        v2.number == 2
        and v2.variables == PromptVersion.objects.get(template=template, number=1).variables
    )
    assert PromptVersion.objects.get(template=template, number=1).text.startswith("Break")
    assert prompts.version_for(template=template).number == 1  # production did not move
    assert prompts.version_for(template=template, label="latest").number == 2
    prompts.prompt_label_move(actor=owner, template=template, label="production", number=2)
    prompts.prompt_label_move(actor=owner, template=template, label="production", number=2)  # no-op
    prompts.prompt_label_move(
        actor=owner, template=template, label="production", number=1
    )  # roll back
    moves = AuditEntry.objects.filter(action="studio_prompt_label_move").order_by("id")
    assert [(m.before, m.after) for m in moves] == [
        ({"production": None}, {"production": 1}),
        ({"production": 1}, {"production": 2}),
        ({"production": 2}, {"production": 1}),
    ]
    with pytest.raises(Invalid):
        prompts.prompt_label_move(actor=owner, template=template, label="latest", number=1)
    with pytest.raises(Invalid):
        prompts.prompt_label_move(actor=owner, template=template, label="staging", number=9)


def test_saving_refuses_a_bad_schema_and_undeclared_variables():
    owner = producer()
    with pytest.raises(Invalid) as bad:
        _template(owner, output_schema={"type": "object", "properties": {"a": {"type": "strng"}}})
    assert "output_schema" in bad.value.fields
    with pytest.raises(Invalid) as undeclared:
        _template(owner, text="Hello {{who}}")
    assert undeclared.value.fields == {"text": ["Not declared: who."]}
    with pytest.raises(Invalid):
        _template(owner, variables=[{"name": "title", "type": "date"}])


def test_render_names_every_missing_or_ill_typed_variable():
    version = prompts.version_for(template=_template(producer()))
    with pytest.raises(prompts.PromptInputError) as err:
        prompts.prompt_render(
            version=version, inputs={"count": "three", "dark": 1, "ref": "ftp://x", "who": 1}
        )
    assert err.value.fields == {
        "title": ["required"],
        "count": ["expected number"],
        "dark": ["expected boolean"],
        "ref": ["expected url"],
        "who": ["not a variable of this template"],
    }
    text, used = prompts.prompt_render(
        version=version,
        inputs={"title": "Red", "dark": True, "cast": ["Ada"], "ref": "https://x.org/a"},
    )
    assert text == 'Break Red into 3 scenes. Dark: True. Cast: ["Ada"]. https://x.org/a'
    assert used["count"] == 3


def test_each_run_is_recorded_and_a_bad_output_is_an_error():
    owner = producer()
    template = _template(owner)
    project = project_of(owner)
    inputs = {"title": "Red"}

    def good(model, prompt, schema):
        assert model == "local/script" and prompt.startswith("Break Red") and schema == SCHEMA
        return prompts.CallResult(
            {"scenes": ["a", "b"]}, tokens_in=12, tokens_out=7, cost=Decimal("0.0021")
        )

    ok = prompts.prompt_run(template=template, inputs=inputs, call=good, project=project)
    assert ok.status == ExecutionStatus.SUCCESS and ok.error_message == ""
    assert (ok.tokens_in, ok.tokens_out, ok.cost, ok.model) == (
        12,
        7,
        Decimal("0.0021"),
        "local/script",
    )
    assert ok.version.number == 1 and ok.resolved_prompt.startswith("Break Red") and ok.finished_at

    bad = prompts.prompt_run(
        template=template,
        inputs=inputs,
        project=project,
        call=lambda *a: prompts.CallResult({"scenes": []}),
    )
    assert bad.status == ExecutionStatus.ERROR
    assert bad.error_message.startswith("output does not match the schema at scenes")

    missing = prompts.prompt_run(template=template, inputs={}, project=project, call=good)
    assert missing.status == ExecutionStatus.ERROR and "title" in missing.error_message

    def broken(*args):
        raise TimeoutError("provider timed out")

    with pytest.raises(TimeoutError):
        prompts.prompt_run(template=template, inputs=inputs, call=broken, project=project)
    last = PromptExecution.objects.latest("id")
    assert last.status == ExecutionStatus.ERROR and "timed out" in last.error_message
    assert PromptExecution.objects.filter(project=project).count() == 4


def test_the_api_renders_and_moves_labels(client):
    owner = producer()
    client.force_login(owner)
    created = client.post(
        "/api/studio/prompts/",
        {
            "name": "line",
            "text": "Say {{what}}",
            "model": "local/dialogue",
            "variables": [{"name": "what", "type": "string", "required": True}],
        },
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    assert created.json()["labels"] == {"latest": 1}
    client.patch(
        f"/api/studio/prompts/{pk}/", {"text": "Whisper {{what}}"}, content_type="application/json"
    )
    moved = client.put(
        f"/api/studio/prompts/{pk}/labels/production/",
        {"version": 2},
        content_type="application/json",
    )
    assert moved.json()["labels"] == {"latest": 2, "production": 2}
    rendered = client.post(
        f"/api/studio/prompts/{pk}/render/",
        {"inputs": {"what": "hi"}},
        content_type="application/json",
    )
    assert rendered.json() == {"version": 2, "prompt": "Whisper hi", "inputs": {"what": "hi"}}
    refused = client.post(
        f"/api/studio/prompts/{pk}/render/", {"inputs": {}}, content_type="application/json"
    )
    assert refused.status_code == 400 and refused.json()["error"]["fields"] == {
        "what": ["required"]
    }
    versions = client.get(f"/api/studio/prompts/{pk}/versions/").json()["results"]
    assert [v["number"] for v in versions] == [2, 1]
    assert (
        client.put(
            f"/api/studio/prompts/{pk}/labels/latest/",
            {"version": 1},
            content_type="application/json",
        ).status_code
        == 404
    )
