"""Migration helpers: moving a model to another app with its table (the
``SeparateDatabaseAndState`` migrations of core, jobs and ingest)."""

from __future__ import annotations

from typing import Any

from django.db import migrations


def relabel_content_types(moves: dict[str, tuple[str, str]]) -> migrations.RunPython:
    """A RunPython that re-points content types (and so permissions, group grants and audit
    rows) from the old app label to the new one. ``moves``: model → (old label, new label)."""

    def forwards(apps: Any, schema_editor: Any) -> None:
        _relabel(apps, {m: (old, new) for m, (old, new) in moves.items()})

    def backwards(apps: Any, schema_editor: Any) -> None:
        _relabel(apps, {m: (new, old) for m, (old, new) in moves.items()})

    return migrations.RunPython(forwards, backwards)


def _relabel(apps: Any, moves: dict[str, tuple[str, str]]) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model, (old, new) in moves.items():
        if ContentType.objects.filter(app_label=new, model=model).exists():
            continue  # already there (a re-run); the old one, if any, is left to stale-cleanup
        ContentType.objects.filter(app_label=old, model=model).update(app_label=new)
