"""The storage's passing failures are the job engine's transient ones: an ingest whose
Telegram upload finds no account (the queue down, no answer) retries with backoff instead of
failing for good; a flood wait on every account re-queues after the wait."""

from __future__ import annotations

import pytest

from ingest import work
from jobs.engine import Requeue, TransientError
from vault import BackendUnavailable, FloodWaitError


class Refusing:
    name = "telegram"

    def __init__(self, exc: Exception) -> None:
        self.exc = exc

    async def put(self, source, *, file_name=""):
        raise self.exc


def test_an_unavailable_backend_is_transient(monkeypatch, tmp_path):
    monkeypatch.setattr(work, "get_backend", lambda name: Refusing(BackendUnavailable("no")))
    (tmp_path / "f").write_bytes(b"x")
    with pytest.raises(TransientError) as caught:
        work.put(tmp_path / "f", "f", backend="telegram")
    assert isinstance(caught.value, BackendUnavailable)  # callers outside jobs still catch it


def test_a_flood_wait_requeues_after_the_wait(monkeypatch, tmp_path):
    monkeypatch.setattr(work, "get_backend", lambda name: Refusing(FloodWaitError(42)))
    (tmp_path / "f").write_bytes(b"x")
    with pytest.raises(Requeue) as caught:
        work.put(tmp_path / "f", "f", backend="telegram")
    assert caught.value.countdown == 42
