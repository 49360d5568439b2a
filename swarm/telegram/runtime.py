"""One long-lived asyncio loop per process, in a daemon thread, holding the clients of the
accounts this process owns (docs/design.md).

- The ``telegram`` Celery worker starts it in each pool process (``worker_process_init``, see
  ``core.signals``); any other process starts it lazily on first use.
- An account is owned by at most one process: before starting a client the runtime takes the
  Redis key ``swarm:session-lock:{id}`` (SET NX with a TTL that the loop keeps renewing).
  Accounts locked elsewhere are skipped; the rotation is told which accounts this process
  holds (``owned_ids``) so it never leases one whose client lives in another process.
- Sync code (Celery tasks) submits coroutines with ``runtime.run(coro)`` —
  ``asyncio.run_coroutine_threadsafe`` plus a timeout.
- Each started account joins the runtime's ``telegram`` vault backend
  (``swarm.storage.accounts_here``), which is registered with ``vault.register`` once
  it has an account — so ``/s/``, ``/api/read`` and the vault's readers find Telegram-stored
  files in every process that holds accounts. A stream runtime's backend wins over an ingest
  one in a process that has both; a process without accounts registers nothing.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any, NoReturn, TypeVar

from django.conf import settings
from django.utils import timezone

import vault
from core.alerts import alert_raise
from core.models import AdminAlert
from jobs.engine import PermanentError, Requeue, TransientError
from swarm.models import Channel, Worker, WorkerRole, WorkerStatus
from swarm.storage.accounts_here import RuntimeTelegramBackend
from swarm.telegram.gateway import ChatRef, FloodWaitError, NotConfigured, TelegramError
from swarm.workers import (
    NoWorkerAvailable,
    worker_lease,
    worker_mark_dead,
    worker_proxy,
    worker_session,
    workers_healthy,
)

from .gateway import SessionRevoked, get_gateway_class

log = logging.getLogger(__name__)
T = TypeVar("T")

LOCK_TTL = 60  # seconds; renewed every LOCK_TTL / 3
REFRESH_EVERY = 30.0  # seconds between looks for new accounts


def _redis():
    if not settings.REDIS_URL:
        return None
    import redis

    return redis.Redis.from_url(settings.REDIS_URL)


class TelegramRuntime:
    def __init__(self, role: str) -> None:
        self.role = role
        self.owner = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self.gateway = get_gateway_class(settings.TELEGRAM_GATEWAY)()
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(
            target=self._serve, daemon=True, name=f"telegram-runtime-{role}"
        )
        self._owned: set[int] = set()
        self._lock = threading.Lock()
        self._last_refresh = 0.0
        self._started = False
        self._renewer = None
        self._chats: list[ChatRef] = []

        self.vault_backend = RuntimeTelegramBackend(self.loop, role=role)

    # -- lifecycle --

    def _serve(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_forever()

    def start(self) -> TelegramRuntime:
        with self._lock:
            if self._started:
                return self
            self.thread.start()
            self._started = True
        self.refresh(force=True)
        self._renewer = asyncio.run_coroutine_threadsafe(self._renew_locks(), self.loop)
        return self

    def stop(self) -> None:
        if not self._started:
            return
        try:
            if self._renewer is not None:
                self._renewer.cancel()
            self.run(self.gateway.stop(), timeout=30)
        finally:
            r = _redis()
            if r is not None:
                for worker_id in list(self._owned):
                    self._unlock(r, worker_id)
            self._owned.clear()
            self._vault_sync()
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._started = False

    # -- accounts --

    def _lock_key(self, worker_id: int) -> str:
        return f"swarm:session-lock:{worker_id}"

    def _unlock(self, r, worker_id: int) -> None:
        key = self._lock_key(worker_id)
        if r.get(key) == self.owner.encode():
            r.delete(key)

    def refresh(self, *, force: bool = False) -> set[int]:
        """Start clients for accounts of our role that nobody else holds."""
        if not force and time.monotonic() - self._last_refresh < REFRESH_EVERY:
            return set(self._owned)
        self._last_refresh = time.monotonic()

        r = _redis()
        storage_chat = _storage_chat_id()
        chats = chats_for(self.role)
        if chats != self._chats:  # a channel was added or changed: the running accounts learn it
            for worker_id in list(self._owned):
                worker = Worker.objects.filter(pk=worker_id).first()
                if worker is None or not self._warm(worker, chats):
                    self._drop(r, worker_id)
            self._chats = chats
        workers = Worker.objects.filter(role=self.role).exclude(status=WorkerStatus.DEAD)
        for worker in workers.exclude(id__in=self._owned).exclude(session_encrypted=""):
            if r is not None and not r.set(
                self._lock_key(worker.id), self.owner, nx=True, ex=LOCK_TTL
            ):
                continue  # another process holds this account
            try:
                self.run(
                    self.gateway.start_account(
                        worker.id,
                        session=worker_session(worker=worker),
                        proxy=worker_proxy(worker=worker),
                    ),
                    timeout=60,
                )
            except SessionRevoked:
                log.warning("worker %s: session revoked, marking dead", worker.name)
                worker_mark_dead(worker=worker)
                if r is not None:
                    self._unlock(r, worker.id)
                continue
            except Exception:
                log.exception("worker %s: client failed to start", worker.name)
                if r is not None:
                    self._unlock(r, worker.id)
                continue
            if not self._warm(worker, chats):
                self.run(self.gateway.stop_account(worker.id), timeout=30)
                if r is not None:
                    self._unlock(r, worker.id)
                continue
            self._owned.add(worker.id)
            self.vault_backend.account_add(
                worker.id, self.gateway.client(worker.id), chat_id=storage_chat
            )
        self._vault_sync()
        return set(self._owned)

    def _warm(self, worker: Worker, chats: list[ChatRef]) -> bool:
        """Make the account's channels known to its client (kept hashes, dialogs, usernames,
        invite links); False — loudly: logged and an admin alert — when one does not resolve.
        An account that cannot see its channels must not serve: every call would fail."""
        try:
            hashes = self.run(
                self.gateway.chats_warm(worker.id, chats, known=_known(worker)), timeout=120
            )
        except Exception as exc:
            reason = f"worker {worker.name} ({self.role}) not started: {exc}"
            log.error("%s", reason)
            since = timezone.now() - timedelta(seconds=ALERT_EVERY)
            if not AdminAlert.objects.filter(message=reason, created_at__gte=since).exists():
                alert_raise(  # once per ALERT_EVERY, though the runtime retries every 30 s
                    kind=AdminAlert.Kind.OTHER,
                    message=reason,
                    payload={"worker": worker.pk, "chats": [c.chat_id for c in chats]},
                )
            return False
        merged = {**(worker.peer_hashes or {}), **{str(k): v for k, v in hashes.items()}}
        if merged != worker.peer_hashes:
            Worker.objects.filter(pk=worker.pk).update(peer_hashes=merged)
        return True

    def _drop(self, r, worker_id: int) -> None:
        self._owned.discard(worker_id)
        self.run(self.gateway.stop_account(worker_id), timeout=30)
        if r is not None:
            self._unlock(r, worker_id)

    def _vault_sync(self) -> None:
        """Keep the vault backend's accounts equal to the owned ones and (un)register it."""

        for worker_id in list(self.vault_backend.accounts):
            if worker_id not in self._owned:
                self.vault_backend.account_remove(worker_id)
        mine = self.vault_backend
        if not mine.accounts:
            vault.unregister(mine.name, only=mine)
            return
        current = vault.registered(mine.name)
        if (
            current is None
            or current is mine
            or (getattr(current, "accounts", None) == {})  # another runtime's, now empty
            or (self.role == WorkerRole.STREAM and getattr(current, "role", None) != self.role)
        ):
            vault.register(mine)

    def owned_ids(self) -> set[int]:
        return self.refresh()

    async def _renew_locks(self) -> None:
        r = _redis()
        if r is None:
            return
        while True:
            await asyncio.sleep(LOCK_TTL / 3)
            for worker_id in list(self._owned):
                key = self._lock_key(worker_id)
                try:
                    if r.get(key) == self.owner.encode():
                        r.expire(key, LOCK_TTL)
                    else:  # lost it (Redis flushed, long pause): stop using the account
                        self._owned.discard(worker_id)
                        self._vault_sync()
                except Exception:
                    log.exception("could not renew session lock of worker %s", worker_id)

    # -- calls --

    def run(self, coro: Awaitable[T], *, timeout: float = 300) -> T:
        if not self._started:
            self.start()
        future = asyncio.run_coroutine_threadsafe(coro, self.loop)  # type: ignore[arg-type]
        return future.result(timeout)


def chats_for(role: str) -> list[ChatRef]:
    """The channels an account of ``role`` must reach: every active one for ingest accounts
    (they upload, post and delete), the storage channels for stream accounts (they read)."""
    qs = Channel.objects.filter(is_active=True).order_by("id")
    if role == WorkerRole.STREAM:
        qs = qs.filter(kind=Channel.Kind.STORAGE)
    return [
        ChatRef(chat_id=c.chat_id, username=c.username, invite_link=c.invite_link)
        for c in qs.only("chat_id", "username", "invite_link")
    ]


def _known(worker: Worker) -> dict[int, int]:
    return {int(k): int(v) for k, v in (worker.peer_hashes or {}).items()}


def _storage_chat_id() -> int:
    """The storage channel new files are put in (0: none configured; reads need none)."""

    chat = Channel.objects.filter(kind=Channel.Kind.STORAGE, is_active=True)
    return chat.values_list("chat_id", flat=True).first() or 0


# What this process is, as far as Telegram goes: "telegram" (the worker of the telegram queue,
# which holds the ingest accounts), "worker" (another Celery worker) or "web" (the gunicorn
# process) — no account: they ask the telegram queue — or "" (the stream server, the embedded
# default, a shell: stream accounts start here on first read). Set by swarm.celery_hooks when
# a worker boots; the Procfile's web command says "web" with STREAMVAULT_PROCESS.
_process = {"kind": os.environ.get("STREAMVAULT_PROCESS", "")}


def process_kind_set(kind: str) -> None:
    _process["kind"] = kind


def process_kind() -> str:
    return _process["kind"]


_runtimes: dict[str, TelegramRuntime] = {}
_runtimes_lock = threading.Lock()


def runtime_for(role: str) -> TelegramRuntime:
    """This process's runtime for ``role``, started on first use."""
    with _runtimes_lock:
        rt = _runtimes.get(role)
        if rt is None or rt.loop.is_closed():
            rt = _runtimes[role] = TelegramRuntime(role)
    return rt.start()


def runtimes_stop() -> None:
    with _runtimes_lock:
        for rt in _runtimes.values():
            rt.stop()
        _runtimes.clear()


def telegram_call(
    *,
    role: str,
    task: str,
    op: Callable[[Any, int], Awaitable[T]],
    on_worker: Callable[[int], None] | None = None,
    uploads: int = 0,
) -> T:
    """Run ``op(gateway, worker_id)`` on a leased account of ``role`` owned by this process.

    FloodWait parks the account and raises ``Requeue`` (the job runs again on another
    account); a revoked session kills the account and re-queues; other Telegram errors count
    against the account and are transient for the job."""

    if not Worker.objects.filter(role=role).exclude(session_encrypted="").exists():
        not_configured(
            f"no {role} Telegram account is configured: add one in the admin (Swarm, "
            f"Workers) or with manage.py swarm_login; then retry the job ({task})"
        )
    rt = runtime_for(role)
    owned = rt.owned_ids()
    if not owned and workers_healthy(role=role).exists():
        owned = rt.refresh(force=True)  # an account added since the last look: start it now
    if not owned and workers_healthy(role=role).exists():
        # The accounts are held by other processes (run the telegram queue with
        # ``-P threads`` so one process holds them all): let another process take the job.
        raise Requeue("no account is held by this process", countdown=2)
    try:
        with worker_lease(role=role, task=task, among=owned) as lease:
            if on_worker is not None:
                on_worker(lease.worker_id)
            try:
                result = rt.run(op(rt.gateway, lease.worker_id))
            except FloodWaitError as exc:
                lease.flood_wait(exc.seconds)
                raise Requeue(
                    f"FloodWait {exc.seconds}s on worker {lease.worker_id}; re-routed",
                    countdown=settings.SWARM_FLOOD_REQUEUE_COUNTDOWN,
                ) from exc
            except SessionRevoked as exc:
                worker_mark_dead(worker=Worker(pk=lease.worker_id))
                raise Requeue(f"worker {lease.worker_id} session revoked", countdown=1) from exc
            except TelegramError as exc:
                lease.error(str(exc))
                raise TransientError(f"telegram: {exc}") from exc
            lease.success(uploads=uploads)
            return result
    except NoWorkerAvailable as exc:
        if exc.retry_after is not None:  # only flood waits stand in the way: wait them out
            raise Requeue(str(exc), countdown=exc.retry_after) from exc
        raise TransientError(str(exc)) from exc


ALERT_EVERY = 600  # seconds: one alert per reason in that window, however many jobs fail


def not_configured(reason: str) -> NoReturn:
    """A Telegram operation that cannot run here at all: fail the job (never a silent success)
    and tell the admins once per ``ALERT_EVERY``."""
    since = timezone.now() - timedelta(seconds=ALERT_EVERY)
    kind = AdminAlert.Kind.NO_TELEGRAM_ACCOUNT
    if not AdminAlert.objects.filter(kind=kind, message=reason, created_at__gte=since).exists():
        alert_raise(kind=kind, message=reason, payload={})
    raise PermanentError(reason)


def bot_send(*, chat_id: int, text: str, buttons: list[list[tuple[str, str]]] | None = None) -> int:
    """A message from the Manager bot (a DM — users talk to the bot, not to worker accounts —
    or a channel post with buttons, which only a bot can send). A flood wait re-queues the job
    after the wait; other errors are transient."""

    rt = runtime_for(WorkerRole.INGEST)
    try:
        return rt.run(rt.gateway.bot_send_message(chat_id, text, buttons))
    except NotConfigured as exc:
        not_configured(f"{exc}; set it and retry the job")
    except FloodWaitError as exc:
        raise Requeue(f"bot FloodWait {exc.seconds}s", countdown=exc.seconds) from exc
    except TelegramError as exc:
        raise TransientError(f"bot: {exc}") from exc


def stream_vault_start() -> bool:
    """Start this process's stream runtime (the ASGI server's accounts, docs/design.md); its
    accounts' clients register the ``telegram`` vault backend. True when one is registered.
    Cheap after the first call: the runtime looks for new accounts at most every
    ``REFRESH_EVERY`` seconds. With no stream account (the embedded default) nothing starts
    a client and ``telegram`` files keep answering 503."""

    runtime_for(WorkerRole.STREAM).owned_ids()
    return vault.registered("telegram") is not None
