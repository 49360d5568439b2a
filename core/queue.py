"""Sending a Celery task by name after the surrounding transaction commits.

A service that queues its own app's task would otherwise import ``tasks.py``, which imports the
service: a cycle. Looking the task up by name in the Celery app's registry (filled by
``autodiscover_tasks``) keeps eager mode, routes and retries as they are.
"""

from __future__ import annotations

from typing import Any

from celery import current_app
from django.db import transaction


def task_send(name: str, *args: Any, countdown: float | None = None) -> None:
    """Queue task ``name`` with ``args`` once the current transaction commits (at once when
    none is open)."""

    def send() -> None:
        current_app.tasks[name].apply_async(args=list(args), countdown=countdown)

    transaction.on_commit(send)
