"""The prompt registry. A template's every save is a new, immutable version; labels
(``production``, ``staging``, and ``latest``, moved on every save) point at versions, and
moving a label is the only way to deploy or roll back (audited). Rendering checks the inputs
against the version's typed variables; every run writes a ``PromptExecution``, and an output
that fails the version's JSON Schema is recorded as an error, never handed on."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

from core.audit import audit_record

from ..errors import Conflict, Invalid
from ..models import (
    ExecutionStatus,
    Project,
    PromptExecution,
    PromptLabel,
    PromptTemplate,
    PromptVersion,
)

TYPES = ("string", "number", "boolean", "json", "text", "url")
LABELS = ("production", "staging", "latest")
PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,59}")
VERSIONED = ("text", "variables", "output_schema", "model", "notes")


class PromptInputError(Invalid):
    """Missing or ill-typed inputs; ``fields`` names each one."""


def _variables_clean(variables: Any) -> list[dict[str, Any]]:
    if not isinstance(variables, list):
        raise Invalid("Variables are a list.", fields={"variables": ["A list."]})
    clean, names = [], set()
    for i, var in enumerate(variables):
        where = f"variables[{i}]"
        if not isinstance(var, dict) or not isinstance(var.get("name"), str):
            raise Invalid("Each variable has a name.", fields={where: ["name: required."]})
        name = var["name"]
        if not NAME.fullmatch(name) or name in names:
            raise Invalid("Bad variable name.", fields={where: [f"{name!r}: a unique identifier."]})
        if var.get("type") not in TYPES:
            raise Invalid(
                "Bad variable type.", fields={where: [f"type: one of {', '.join(TYPES)}."]}
            )
        names.add(name)
        entry = {
            "name": name,
            "type": var["type"],
            "required": bool(var.get("required", False)),
            "description": str(var.get("description", "")),
        }
        if "default" in var:
            problem = _type_problem(var["type"], var["default"])
            if problem:
                raise Invalid("Bad default.", fields={where: [f"default: {problem}"]})
            entry["default"] = var["default"]
        clean.append(entry)
    return clean


def _schema_clean(schema: Any) -> dict | None:
    if schema in (None, {}):
        return None
    if not isinstance(schema, dict):
        raise Invalid(
            "The output schema is a JSON object.", fields={"output_schema": ["An object."]}
        )
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as exc:
        path = "/".join(str(p) for p in exc.absolute_path) or "(root)"
        raise Invalid(
            "The output schema is not valid JSON Schema.",
            fields={"output_schema": [f"at {path}: {exc.message}"]},
        ) from None
    return schema


def _version_clean(data: dict[str, Any]) -> dict[str, Any]:
    text = data.get("text")
    if not isinstance(text, str) or not text.strip():
        raise Invalid("The template text is required.", fields={"text": ["Required."]})
    model = data.get("model")
    if not isinstance(model, str) or not model.strip():
        raise Invalid("The model is required.", fields={"model": ["Required."]})
    variables = _variables_clean(data.get("variables", []))
    declared = {v["name"] for v in variables}
    unknown = sorted(set(PLACEHOLDER.findall(text)) - declared)
    if unknown:
        raise Invalid(
            "The text uses undeclared variables.",
            fields={"text": [f"Not declared: {', '.join(unknown)}."]},
        )
    return {
        "text": text,
        "variables": variables,
        "output_schema": _schema_clean(data.get("output_schema")),
        "model": model.strip()[:100],
        "notes": str(data.get("notes", "")),
    }


def _label_set(template: PromptTemplate, name: str, version: PromptVersion) -> PromptVersion | None:
    label = PromptLabel.objects.filter(template=template, name=name).first()
    if label is None:
        PromptLabel.objects.create(template=template, name=name, version=version)
        return None
    before = label.version
    label.version = version
    label.save()
    return before


@transaction.atomic
def prompt_template_create(*, actor: Any, data: dict[str, Any]) -> PromptTemplate:
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        raise Invalid("A name.", fields={"name": ["Required."]})
    if PromptTemplate.objects.filter(name=name.strip()).exists():
        raise Conflict(f"A template named {name.strip()!r} exists.")
    fields = _version_clean(data)
    template = PromptTemplate.objects.create(
        name=name.strip()[:120],
        app=str(data.get("app", ""))[:60],
        feature=str(data.get("feature", ""))[:60],
        stage=str(data.get("stage", ""))[:60],
        tags=[str(t) for t in data.get("tags", [])],
        created_by=actor,
    )
    version = PromptVersion.objects.create(template=template, number=1, created_by=actor, **fields)
    _label_set(template, "latest", version)
    audit_record(actor=actor, action="studio_prompt_create", target=template, after={"version": 1})
    return template


def prompt_builtin(*, data: dict[str, Any]) -> PromptTemplate:
    """A built-in template (``data["name"]``), made with its first version on first use; staff
    then edit it like any other. Two workers making it at once get the same one."""
    found = PromptTemplate.objects.filter(name=data["name"]).first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            return prompt_template_create(actor=None, data={"tags": ["built-in"], **data})
    except (Conflict, IntegrityError):  # made meanwhile by another worker
        return PromptTemplate.objects.get(name=data["name"])


@transaction.atomic
def prompt_template_save(
    *, actor: Any, template: PromptTemplate, data: dict[str, Any]
) -> PromptVersion:
    """Save a new version (what ``data`` leaves out is taken from the latest); ``latest`` moves
    to it. Production and staging stay where they are until a label is moved."""
    template = PromptTemplate.objects.select_for_update().get(pk=template.pk)
    current = template.versions.order_by("-number").first()
    merged = {k: getattr(current, k) for k in VERSIONED} | {
        k: v for k, v in data.items() if k in VERSIONED
    }
    fields = _version_clean(merged)
    for key in ("app", "feature", "stage"):
        if key in data:
            setattr(template, key, str(data[key])[:60])
    if "tags" in data:
        template.tags = [str(t) for t in data["tags"]]
    template.save()
    number = (template.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    version = PromptVersion.objects.create(
        template=template, number=number, created_by=actor, **fields
    )
    _label_set(template, "latest", version)
    audit_record(
        actor=actor, action="studio_prompt_save", target=template, after={"version": number}
    )
    return version


@transaction.atomic
def prompt_label_move(
    *, actor: Any, template: PromptTemplate, label: str, number: int
) -> PromptLabel:
    """Point ``production`` or ``staging`` at a version: deploy or roll back. Idempotent."""
    if label not in ("production", "staging"):
        raise Invalid(
            "Only production and staging move by hand.",
            fields={"label": ["production or staging."]},
        )
    version = template.versions.filter(number=number).first()
    if version is None:
        raise Invalid("No such version.", fields={"version": [f"No version {number}."]})
    before = _label_set(template, label, version)
    if before is None or before.pk != version.pk:
        audit_record(
            actor=actor,
            action="studio_prompt_label_move",
            target=template,
            before={label: before.number if before else None},
            after={label: number},
        )
    return PromptLabel.objects.get(template=template, name=label)


def version_for(*, template: PromptTemplate, label: str = "production") -> PromptVersion:
    """The version a label points at; ``production`` falls back to ``latest`` while nothing
    was deployed yet."""
    found = (
        PromptLabel.objects.select_related("version").filter(template=template, name=label).first()
    )
    if found is None and label == "production":
        found = (
            PromptLabel.objects.select_related("version")
            .filter(template=template, name="latest")
            .first()
        )
    if found is None:
        raise Invalid(
            "No such label.", fields={"label": [f"{template.name} has no {label} version."]}
        )
    return found.version


def _type_problem(kind: str, value: Any) -> str:
    ok = {
        "string": isinstance(value, str) and "\n" not in value,
        "text": isinstance(value, str),
        "number": isinstance(value, int | float) and not isinstance(value, bool),
        "boolean": isinstance(value, bool),
        "json": True,
        "url": isinstance(value, str)
        and urlsplit(value).scheme in ("http", "https")
        and bool(urlsplit(value).netloc),
    }[kind]
    return "" if ok else f"expected {kind}"


def prompt_render(*, version: PromptVersion, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The prompt with its variables filled in, and the inputs used (defaults applied).
    Refuses missing, ill-typed and unknown inputs, naming each."""
    if not isinstance(inputs, dict):
        raise PromptInputError("Inputs are an object.", fields={"inputs": ["An object."]})
    problems: dict[str, list[str]] = {}
    used: dict[str, Any] = {}
    declared = {v["name"]: v for v in version.variables}
    for name in sorted(set(inputs) - set(declared)):
        problems[name] = ["not a variable of this template"]
    for name, var in declared.items():
        if name in inputs and inputs[name] is not None:
            problem = _type_problem(var["type"], inputs[name])
            if problem:
                problems[name] = [problem]
            used[name] = inputs[name]
        elif "default" in var:
            used[name] = var["default"]
        elif var["required"]:
            problems[name] = ["required"]
        else:
            used[name] = ""
    if problems:
        names = ", ".join(sorted(problems))
        raise PromptInputError(f"Bad inputs: {names}.", fields=problems)

    def fill(match: re.Match) -> str:
        value = used[match.group(1)]
        return json.dumps(value) if declared[match.group(1)]["type"] == "json" else str(value)

    return PLACEHOLDER.sub(fill, version.text), used


@dataclass(frozen=True)
class CallResult:
    """What a model call returned (a provider client or the local generator)."""

    output: Any
    tokens_in: int = 0
    tokens_out: int = 0
    cost: Decimal = Decimal(0)


Call = Callable[[str, str, dict | None], CallResult]


def prompt_run(
    *,
    template: PromptTemplate,
    inputs: dict[str, Any],
    call: Call,
    label: str = "production",
    project: Project | None = None,
    notes: str = "",
) -> PromptExecution:
    """Render, call the model (``call(model, prompt, output_schema)``), check the output
    against the schema and record the execution. Returns it; its ``status`` says whether the
    output may be used (``success``) or not (``error``, with ``error_message``)."""
    version = version_for(template=template, label=label)
    started = timezone.now()
    clock = time.monotonic()
    execution = PromptExecution(
        template=template,
        version=version,
        app=template.app,
        feature=template.feature,
        stage=template.stage,
        project=project,
        tags_snapshot=list(template.tags),
        inputs=inputs if isinstance(inputs, dict) else {},
        model=version.model,
        started_at=started,
        notes=notes,
    )
    try:
        prompt, used = prompt_render(version=version, inputs=inputs)
        execution.inputs, execution.resolved_prompt = used, prompt
        result = call(version.model, prompt, version.output_schema)
        execution.output_raw = result.output
        execution.tokens_in, execution.tokens_out = result.tokens_in, result.tokens_out
        execution.cost = result.cost
        problem = _output_problem(version.output_schema, result.output)
        execution.status = ExecutionStatus.ERROR if problem else ExecutionStatus.SUCCESS
        execution.error_message = problem
    except Invalid as exc:
        execution.status = ExecutionStatus.ERROR
        execution.error_message = f"{exc.message} {json.dumps(exc.fields, sort_keys=True)}"
    except Exception as exc:  # the call failed: recorded, then raised for the task to handle
        execution.status = ExecutionStatus.ERROR
        execution.error_message = f"{type(exc).__name__}: {exc}"[:2000]
        _finish(execution, clock)
        raise
    _finish(execution, clock)
    return execution


def _finish(execution: PromptExecution, clock: float) -> None:
    execution.finished_at = timezone.now()
    execution.latency_ms = int((time.monotonic() - clock) * 1000)
    execution.save()


def _output_problem(schema: dict | None, output: Any) -> str:
    if schema is None:
        return ""
    errors = sorted(Draft202012Validator(schema).iter_errors(output), key=lambda e: list(e.path))
    if not errors:
        return ""
    first = errors[0]
    path = "/".join(str(p) for p in first.absolute_path) or "(root)"
    return f"output does not match the schema at {path}: {first.message}"[:2000]
