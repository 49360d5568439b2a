"""The fal client at its boundary: a local server answering as fal's queue API documents
(submit → request_id; status IN_QUEUE with queue_position, IN_PROGRESS, COMPLETED with
metrics; the result with image URLs; cancel) and fal's webhook deliveries signed with Ed25519
as fal signs them, checked against keys served as fal's JWKS. Images are copied into the
vault; the queue position is shown; a content-filter refusal is tried again with a new seed,
then fails that asset only; a redelivered webhook changes nothing."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import time
from datetime import timedelta
from decimal import Decimal

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.core.cache import cache
from django.utils import timezone
from werkzeug import Response

from jobs.engine import job_run
from jobs.models import Job, JobStatus
from studio.models import FalRequest, FalState, Media, Task
from studio.services import tasks
from studio.services.media import media_fetch
from tests.studio.factories import paying, png_bytes, producer, project_of

pytestmark = pytest.mark.django_db
KEY = "fal-test-key:not-real"
MODEL = "fal-ai/flux/schnell"
WEBHOOK = "/api/studio/fal/webhook/"


class FakeFal:
    """fal's queue, as documented, for one model; ``refuse`` prompts are flagged NSFW."""

    def __init__(self, server, *, queue_polls=0, refuse: tuple[str, ...] = (), how="nsfw"):
        self.server, self.queue_polls, self.refuse, self.how = server, queue_polls, refuse, how
        self.requests: dict[str, dict] = {}
        self.submitted: list[dict] = []
        self.cancelled: list[str] = []
        server.expect_request(re.compile(r"^/.*")).respond_with_handler(self.handle)

    def handle(self, request):
        path, method = request.path, request.method
        if request.headers.get("Authorization") != f"Key {KEY}" and not path.startswith("/files"):
            return self._json({"detail": "Unauthorized"}, 401)
        if method == "POST" and path == f"/{MODEL}":
            rid = f"req-{len(self.requests) + 1}"
            body = json.loads(request.data)
            self.submitted.append({**body, "_webhook": request.args.get("fal_webhook")})
            self.requests[rid] = {"body": body, "polls": 0}
            base = self.server.url_for(f"/fal-ai/flux/requests/{rid}")
            return self._json(
                {"request_id": rid, "response_url": base, "status_url": f"{base}/status",
                 "cancel_url": f"{base}/cancel", "queue_position": 0}
            )  # fmt: skip
        found = re.fullmatch(r"/fal-ai/flux/requests/([\w-]+)(/status|/cancel)?", path)
        if found:
            rid, tail = found.groups()
            job = self.requests[rid]
            if tail == "/status":
                job["polls"] += 1
                if job["polls"] <= self.queue_polls:
                    position = self.queue_polls - job["polls"]
                    return self._json({"status": "IN_QUEUE", "queue_position": position})
                return self._json({"status": "COMPLETED", "metrics": {"inference_time": 0.42}})
            if tail == "/cancel":
                self.cancelled.append(rid)
                return self._json({"status": "CANCELLATION_REQUESTED"}, 202)
            if self.how == "422" and any(w in job["body"]["prompt"] for w in self.refuse):
                detail = [{"loc": ["body", "prompt"], "msg": "The content could not be processed",
                           "type": "content_policy_violation"}]  # fmt: skip
                return self._json({"detail": detail}, 422)
            return self._json(self.result(rid))
        if path.startswith("/files/"):
            return Response(png_bytes((16, 9), (10, 200, 10)), content_type="image/png")
        return self._json({"detail": "Not Found"}, 404)

    def result(self, rid: str) -> dict:
        body = self.requests[rid]["body"]
        bad = any(word in body["prompt"] for word in self.refuse)
        url = self.server.url_for(f"/files/{rid}.png")
        return {
            "images": [{"url": url, "width": 16, "height": 9, "content_type": "image/png"}],
            "seed": body["seed"], "has_nsfw_concepts": [bad], "prompt": body["prompt"],
        }  # fmt: skip

    @staticmethod
    def _json(body, status=200):
        return Response(json.dumps(body), status=status, content_type="application/json")


@pytest.fixture
def signer(httpserver):
    private = Ed25519PrivateKey.generate()
    raw = private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    x = base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
    httpserver.expect_request("/.well-known/jwks.json").respond_with_json(
        {"keys": [{"kty": "OKP", "crv": "Ed25519", "x": x, "kid": "k1", "use": "sig"}]}
    )
    cache.delete("studio:fal-jwks")
    return private


@pytest.fixture
def fal(httpserver, settings, signer):
    settings.FAL_QUEUE_URL = httpserver.url_for("/")
    settings.FAL_KEY = KEY
    settings.FAL_JWKS_URL = httpserver.url_for("/.well-known/jwks.json")
    settings.FAL_COST_PER_IMAGE = "0.003"
    settings.SITE_URL = "https://studio.example"
    settings.STUDIO_GENERATORS = {
        **settings.STUDIO_GENERATORS,
        "image_generation": "studio.providers.fal.image",
    }
    return httpserver


def _task(prompt="A lighthouse in a storm") -> Task:
    owner = paying(producer())
    project = project_of(owner)
    ((task, _),) = tasks.tasks_create(
        actor=owner,
        project=project,
        specs=[{"task_type": "image_generation", "parameters": {"prompt": prompt}}],
    )
    return task


def _run(task: Task) -> Job:
    Job.objects.filter(pk=task.job_id).update(not_before=timezone.now())  # its poll is due
    job_run(job_id=task.job_id)
    return Job.objects.get(pk=task.job_id)


def _signed(private, body: bytes, request_id: str, *, stamp: int | None = None) -> dict:
    stamp = stamp if stamp is not None else int(time.time())
    message = "\n".join([request_id, "user-1", str(stamp), hashlib.sha256(body).hexdigest()])
    return {
        "HTTP_X_FAL_WEBHOOK_REQUEST_ID": request_id,
        "HTTP_X_FAL_WEBHOOK_USER_ID": "user-1",
        "HTTP_X_FAL_WEBHOOK_TIMESTAMP": str(stamp),
        "HTTP_X_FAL_WEBHOOK_SIGNATURE": private.sign(message.encode()).hex(),
    }


def test_polled_from_queue_to_vault_with_the_position_shown(fal, tmp_path):
    fake = FakeFal(fal, queue_polls=2)
    task = _task()
    job = _run(task)
    assert job.status == JobStatus.QUEUED and job.attempts == 0
    assert job.current_step == "fal: image position 1"
    assert job.state["fal_wait"] == {"key": "image", "state": "IN_QUEUE", "position": 1}
    (sent,) = fake.submitted
    assert sent["prompt"] == "A lighthouse in a storm" and isinstance(sent["seed"], int)
    assert sent["_webhook"] == "https://studio.example/api/studio/fal/webhook/"
    assert _run(task).current_step == "fal: image position 0"
    job = _run(task)
    assert job.status == JobStatus.DONE, job.last_error
    media = Media.objects.get(pk=Task.objects.get(pk=task.pk).output_media_id)
    assert media.provider == "fal" and media.cost == Decimal("0.003")
    assert media.generation_metadata["metrics"] == {"inference_time": 0.42}
    assert media.generation_metadata["seed"] == sent["seed"]
    copied = media_fetch(media=media, dest=tmp_path / "copy.png").read_bytes()
    assert copied == png_bytes((16, 9), (10, 200, 10))
    assert Task.objects.get(pk=task.pk).cost == Decimal("0.003")
    assert len(fake.submitted) == 1  # polled, never submitted twice


def test_a_webhook_delivers_the_result_once_and_wakes_the_task(fal, signer, client):
    fake = FakeFal(fal, queue_polls=5)
    task = _task()
    assert _run(task).status == JobStatus.QUEUED
    row = FalRequest.objects.get(task=task)
    payload = {"images": fake.result(row.request_id)["images"], "seed": row.seed}
    body = json.dumps(
        {"request_id": row.request_id, "gateway_request_id": row.request_id,
         "status": "OK", "payload": payload}
    ).encode()  # fmt: skip
    later = timezone.now() + timedelta(hours=1)  # its next poll is far off
    Job.objects.filter(pk=task.job_id).update(not_before=later)

    def post(headers):
        return client.post(WEBHOOK, body, content_type="application/json", **headers)

    answer = post(_signed(signer, body, row.request_id))
    assert answer.status_code == 200 and answer.json() == {"status": "recorded"}
    assert Job.objects.get(pk=task.job_id).not_before <= timezone.now()  # woken
    again = post(_signed(signer, body, row.request_id))
    assert again.json() == {"status": "already recorded"}
    polls = fake.requests[row.request_id]["polls"]
    job_run(job_id=task.job_id)
    assert Job.objects.get(pk=task.job_id).status == JobStatus.DONE
    assert fake.requests[row.request_id]["polls"] == polls  # the webhook's result, no poll
    assert Media.objects.filter(provider="fal").count() == 1


def test_forged_stale_or_unknown_deliveries(fal, signer, client):
    body = json.dumps({"request_id": "req-x", "status": "OK", "payload": {}}).encode()
    forged = _signed(Ed25519PrivateKey.generate(), body, "req-x")
    stale = _signed(signer, body, "req-x", stamp=int(time.time()) - 600)
    tampered = _signed(signer, body + b" ", "req-x")
    for headers in (forged, stale, tampered, {}):
        answer = client.post(WEBHOOK, body, content_type="application/json", **headers)
        assert answer.status_code == 401, answer.content
        assert answer.json()["error"]["code"] == "bad_signature"
    genuine = _signed(signer, body, "req-x")
    answer = client.post(WEBHOOK, body, content_type="application/json", **genuine)
    assert answer.json() == {"status": "unknown request"}


@pytest.mark.parametrize("how", ["nsfw", "422"])
def test_a_refusal_is_retried_with_a_new_seed_then_fails_that_asset_only(fal, settings, how):
    settings.FAL_CONTENT_RETRIES = 2
    fake = FakeFal(fal, refuse=("forbidden",), how=how)
    bad, good = _task("A forbidden picture"), _task("A harbour at dawn")
    job = _run(bad)
    assert job.status == JobStatus.FAILED
    assert "content filter refused image 3 times" in job.last_error
    seeds = [s["seed"] for s in fake.submitted]
    assert len(seeds) == 3 and len(set(seeds)) == 3
    assert _run(good).status == JobStatus.DONE
    assert not Media.objects.filter(generation_metadata__prompt="A forbidden picture").exists()


def test_cancelling_a_task_cancels_its_request_at_fal(fal):
    fake = FakeFal(fal, queue_polls=5)
    task = _task()
    _run(task)
    tasks.task_cancel(actor=task.project.created_by, task=task)
    cancel = Job.objects.get(kind="studio_fal_cancel")
    job_run(job_id=cancel.pk)
    assert fake.cancelled == [FalRequest.objects.get(task=task).request_id]
    assert FalRequest.objects.get(task=task).state == FalState.CANCELLED


def test_a_wrong_key_fails_in_its_words(fal, settings):
    FakeFal(fal)
    settings.FAL_KEY = "wrong"
    job = _run(_task())
    assert job.status == JobStatus.FAILED and "check the key" in job.last_error
    assert "Key wrong" not in job.last_error
