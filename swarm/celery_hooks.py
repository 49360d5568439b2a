"""Celery signal hooks: the ``telegram`` queue's worker starts the Telegram runtime (the
ingest accounts' clients) in each pool process when it boots, and stops it on shutdown."""

from __future__ import annotations

import logging

from celery import current_app
from celery.signals import worker_init, worker_process_init, worker_process_shutdown, worker_ready

from swarm.models import WorkerRole
from swarm.telegram.runtime import process_kind_set, runtime_for, runtimes_stop

log = logging.getLogger(__name__)


def _consumes_telegram(app) -> bool:
    try:
        consume_from = app.amqp.queues.consume_from or {}
    except Exception:
        return False
    return "telegram" in consume_from


def _start(app) -> None:
    if not _consumes_telegram(app):
        return
    try:
        rt = runtime_for(WorkerRole.INGEST)
        log.info("telegram runtime started with accounts %s", sorted(rt.owned_ids()))
    except Exception:  # the worker still serves; calls retry the start lazily
        log.exception("telegram runtime failed to start")


@worker_init.connect
def _on_worker_init(sender=None, **kwargs) -> None:
    # Before the pool forks: its children inherit what this process is.
    app = getattr(sender, "app", None) or current_app
    process_kind_set("telegram" if _consumes_telegram(app) else "worker")


@worker_process_init.connect
def _on_process_init(**kwargs) -> None:
    _start(current_app)


@worker_ready.connect
def _on_ready(sender=None, **kwargs) -> None:
    # Thread and solo pools run tasks in the main process, which gets no process_init (the
    # prefork main process runs none, so it must not take the accounts' locks).
    pool = getattr(sender, "pool", None)
    module = type(pool).__module__ if pool is not None else ""
    if sender is not None and ("thread" in module or "solo" in module):
        _start(sender.app)


@worker_process_shutdown.connect
def _on_shutdown(**kwargs) -> None:

    runtimes_stop()
