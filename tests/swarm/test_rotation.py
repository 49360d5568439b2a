"""Swarm rotation on real Redis: least-loaded leasing, crash expiry, flood-wait parking,
dead accounts — and the 1,000-lease stress test of the issue."""

from __future__ import annotations

import random
import threading
import time
import uuid
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.conf import settings
from django.utils import timezone

from core.models import AdminAlert
from jobs.models import Job
from swarm.jobs import CHANNEL_POST
from swarm.models import Worker, WorkerStatus
from swarm.rotation import RedisLeaseStore, lease_hold
from swarm.workers import (
    NoWorkerAvailable,
    worker_lease,
    worker_loads,
    worker_record_error,
    worker_record_success,
)
from tests.conftest import _redis_ok, require


@pytest.fixture
def store():
    require(_redis_ok(), "needs Redis (run scripts/test.sh)")
    import redis

    client = redis.Redis.from_url(settings.REDIS_URL)
    prefix = f"test-rot-{uuid.uuid4().hex[:8]}:"
    yield RedisLeaseStore(client, prefix=prefix)
    keys = list(client.scan_iter(f"{prefix}*"))
    if keys:
        client.delete(*keys)


def test_least_loaded_wins_and_limits_hold(store):
    a, _ = store.acquire([("a", 2), ("b", 2)], ttl=10)
    b, _ = store.acquire([("a", 2), ("b", 2)], ttl=10)
    assert {a.account, b.account} == {"a", "b"}  # the second goes to the idle one
    c, _ = store.acquire([("a", 2), ("b", 2)], ttl=10)
    d, _ = store.acquire([("a", 2), ("b", 2)], ttl=10)
    assert c and d and store.loads(["a", "b"]) == {"a": 2, "b": 2}
    none, _ = store.acquire([("a", 2), ("b", 2)], ttl=10)
    assert none is None  # both at their limit
    store.release(a.account, a.lease_id)
    e, _ = store.acquire([("a", 2), ("b", 2)], ttl=10)
    assert e.account == a.account


def test_a_crashed_holders_load_expires_with_its_lease(store):
    crashed, _ = store.acquire([("a", 1)], ttl=0.3)  # never released: the process "died"
    assert crashed and store.loads(["a"]) == {"a": 1}
    assert store.acquire([("a", 1)], ttl=0.3)[0] is None
    time.sleep(0.4)
    assert store.loads(["a"]) == {"a": 0}
    assert store.acquire([("a", 1)], ttl=0.3)[0] is not None


def test_renewal_keeps_a_long_holder_alive(store):
    with lease_hold(store, [("a", 1)], ttl=0.3) as held:
        time.sleep(0.8)  # longer than the TTL: the renewer thread keeps it
        assert store.loads(["a"]) == {"a": 1}
        assert store.renew(held.account, held.lease_id, 0.3)
    assert store.loads(["a"]) == {"a": 0}  # released in finally


def test_parked_and_dead_accounts_are_skipped(store):
    store.park("a", 0.3)
    store.mark_dead("b")
    for _ in range(3):
        got, _ = store.acquire([("a", 5), ("b", 5), ("c", 5)], ttl=5)
        assert got.account == "c"
    assert 0 < store.parked_ms("a") <= 300
    time.sleep(0.35)
    got, _ = store.acquire([("a", 5), ("b", 5), ("c", 5)], ttl=5)
    assert got.account == "a"  # back after the flood wait, and least loaded


def test_stress_1000_leases_over_10_accounts(store):
    """1,000 leases over 10 accounts from 40 threads, with random crashes (lease never
    released), flood waits (account parked) and a death. Checked: no account ever over its
    limit, no lease handed to a parked or dead account, and every load back to 0."""
    accounts = [(f"acct{i}", 3) for i in range(10)]
    limits = dict(accounts)
    ttl = 0.5
    book = threading.Lock()  # orders our bookkeeping with the Redis operations it checks
    parked_until: dict[str, int] = {}  # account → Redis ms
    dead: set[str] = set()
    # un-crashed leases per account → their expiry in Redis ms; one past its expiry is free
    # again (a thread starved of the CPU for longer than the TTL loses its lease, by design)
    held: dict[str, dict[str, int]] = defaultdict(dict)
    violations: list[str] = []
    outcomes: dict[str, int] = defaultdict(int)
    rng = random.Random(5)

    def one(n: int) -> None:
        while True:
            with book:
                got, now_ms = store.acquire(random.sample(accounts, len(accounts)), ttl)
                if got is not None:
                    acct = got.account
                    if parked_until.get(acct, 0) > now_ms:
                        violations.append(f"lease {n} to parked {acct}")
                    if acct in dead:
                        violations.append(f"lease {n} to dead {acct}")
                    if got.load > limits[acct]:
                        violations.append(f"{acct} at {got.load} > {limits[acct]}")
                    held[acct][got.lease_id] = now_ms + int(ttl * 1000)
                    live = sum(1 for until in held[acct].values() if until > now_ms)
                    if live > limits[acct]:
                        violations.append(f"{acct} holds {live}")
            if got is not None:
                break
            time.sleep(0.005)  # everyone busy or parked: try again
        time.sleep(rng.uniform(0, 0.01))
        roll = rng.random()
        with book:
            del held[acct][got.lease_id]
            if n == 500:  # decided before the crash roll, so the death always happens
                outcomes["dead"] += 1
                store.mark_dead(acct)
                dead.add(acct)
            if roll < 0.1:
                outcomes["crash"] += 1  # no release: Redis expires it
                return
            if roll < 0.15:
                outcomes["flood"] += 1
                seconds = rng.uniform(0.05, 0.2)
                store.park(acct, seconds)
                parked_until[acct] = now_ms + int(seconds * 1000)
        store.release(acct, got.lease_id)
        outcomes["ok"] += 1

    with ThreadPoolExecutor(max_workers=40) as pool:
        list(pool.map(one, range(1000)))

    assert violations == []
    assert outcomes["crash"] > 50 and outcomes["flood"] > 20 and outcomes["dead"] == 1
    assert sum(outcomes[k] for k in ("crash", "ok")) == 1000
    time.sleep(ttl + 0.1)  # the crashed leases expire
    assert set(store.loads([a for a, _ in accounts]).values()) == {0}


# --- the DB-aware layer ---------------------------------------------------------------------


@pytest.mark.django_db
def test_worker_lease_uses_healthy_accounts_and_marks_busy():
    ok = Worker.objects.create(name="ok", session_encrypted="x")
    Worker.objects.create(name="dead", status=WorkerStatus.DEAD)
    Worker.objects.create(name="paused", enabled=False)
    Worker.objects.create(
        name="parked",
        status=WorkerStatus.FLOOD_WAIT,
        flood_wait_until=timezone.now() + timezone.timedelta(minutes=5),
    )
    Worker.objects.create(name="streamer", role="stream")
    with worker_lease(role="ingest", task="job 1") as lease:
        assert lease.worker_id == ok.pk
        ok.refresh_from_db()
        assert (ok.status, ok.current_task) == (WorkerStatus.BUSY, "job 1")
        assert worker_loads(worker_ids=[ok.pk]) == {ok.pk: 1}
    ok.refresh_from_db()
    assert (ok.status, ok.current_task) == (WorkerStatus.ACTIVE, "")
    assert worker_loads(worker_ids=[ok.pk]) == {ok.pk: 0}


@pytest.mark.django_db
def test_no_free_account_says_when_one_is_back():
    until = timezone.now() + timezone.timedelta(seconds=90)
    Worker.objects.create(name="parked", status=WorkerStatus.FLOOD_WAIT, flood_wait_until=until)
    with pytest.raises(NoWorkerAvailable) as caught:
        with worker_lease(role="ingest"):
            pass
    assert 80 < caught.value.retry_after <= 90


@pytest.mark.django_db(transaction=True)
def test_eleven_consecutive_errors_kill_the_account_and_alert(settings):
    worker = Worker.objects.create(name="flaky")
    for n in range(settings.SWARM_DEAD_AFTER_ERRORS):
        assert worker_record_error(worker_id=worker.pk, error=f"RPC_CALL_FAIL {n}") is False
    worker_record_success(worker_id=worker.pk)  # a success resets the count
    for n in range(settings.SWARM_DEAD_AFTER_ERRORS):
        assert worker_record_error(worker_id=worker.pk, error=f"again {n}") is False
    assert worker_record_error(worker_id=worker.pk, error="the last straw") is True
    worker.refresh_from_db()
    assert worker.status == WorkerStatus.DEAD and worker.error_count == 11
    alert = AdminAlert.objects.get(kind=AdminAlert.Kind.WORKER_DEAD)
    assert "flaky" in alert.message and "the last straw" in alert.message
    with pytest.raises(NoWorkerAvailable):
        with worker_lease(role="ingest"):
            pass
    # No admin_alerts channel configured: the alert stays unsent and no post job is queued.
    assert not Job.objects.filter(kind=CHANNEL_POST).exists()
