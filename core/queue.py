"""Celery tasks by name: looking a task up in the Celery app's registry, and sending one after
the surrounding transaction commits.

A service that queues its own app's task would otherwise import ``tasks.py``, which imports the
service: a cycle. The registry is filled by ``autodiscover_tasks`` the first time a name is
missing (a worker fills it at start; a web process on first use), and a task found there keeps
eager mode, routes and retries as they are.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from celery import Task, current_app
from django.db import transaction
from kombu.exceptions import OperationalError

from core.redis import ERRORS as REDIS_ERRORS

log = logging.getLogger(__name__)
BROKER_ERRORS = (OperationalError, *REDIS_ERRORS)


_discovery = threading.Lock()


def task_get(name: str) -> Task:
    tasks = current_app.tasks
    if name not in tasks:
        # One thread discovers at a time: a second thread calling in while the first is half
        # way through would find the registry half filled (NotRegistered under gthread).
        with _discovery:
            if name not in tasks:
                current_app.loader.import_default_modules()  # runs autodiscover_tasks
    return tasks[name]


def task_send(name: str, *args: Any, countdown: float | None = None) -> None:
    """Queue task ``name`` with ``args`` once the current transaction commits (at once when
    none is open)."""

    def send() -> None:
        try:
            task_get(name).apply_async(args=list(args), countdown=countdown)
        except BROKER_ERRORS as exc:
            # The broker is down: the request still succeeds; the durable row this task would
            # act on (a report, a repair, a takedown) is picked up by its periodic sweep.
            log.warning("could not queue %s%s: %s", name, args, exc)
        except Exception:
            # Anything else (an unknown task, a serialization error): the write is committed,
            # so the caller must not see a failure; the sweep sends it again.
            log.exception("could not queue %s%s", name, args)

    transaction.on_commit(send, robust=True)


def queue_depths() -> dict[str, int] | None:
    """Messages waiting in each Celery queue (from the broker), or None when the broker is
    not reachable."""
    depths: dict[str, int] = {}
    try:
        with current_app.connection_for_read() as conn:
            channel = conn.default_channel
            for queue in current_app.conf.task_queues or ():
                depths[queue.name] = channel.queue_declare(
                    queue=queue.name, passive=True
                ).message_count
    except BROKER_ERRORS as exc:
        log.warning("queue depths: broker not reachable: %s", exc)
        return None
    except Exception as exc:  # a passive declare of a queue nobody declared yet (amqp)
        log.warning("queue depths: %s", exc)
        return None
    return depths
