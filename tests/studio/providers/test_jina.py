"""The Jina client at its boundary: a local server answering as Jina's embeddings API
documents (``data[].embedding`` by ``index``, ``usage.total_tokens``). Passages and queries use
Jina's retrieval tasks, the dimension count is asked for and stored, v4 gets images as
base64, the cost is the tokens; refusals fail the task in Jina's words, 429 waits."""

from __future__ import annotations

import base64
import hashlib
import json
from decimal import Decimal

import numpy as np
import pytest
from werkzeug import Response

from jobs.engine import job_run
from jobs.models import Job, JobStatus
from studio.models import Embedding, Task
from studio.services import similar, tasks
from tests.studio.factories import media_of, paying, png_bytes, producer, project_of

pytestmark = pytest.mark.django_db
KEY = "jina_test_not_a_real_key"


def _vector(text: str, dims: int) -> list[float]:
    """A stand-in for Jina's model: a unit vector from the words' hash."""
    rng = np.random.default_rng(int(hashlib.sha256(text.encode()).hexdigest()[:8], 16))
    v = rng.normal(size=dims)
    return (v / np.linalg.norm(v)).round(6).tolist()


@pytest.fixture
def jina(httpserver, settings):
    settings.JINA_BASE_URL = httpserver.url_for("/v1")
    settings.JINA_API_KEY = KEY
    settings.JINA_COST_PER_TOKEN = "0.000001"
    settings.STUDIO_EMBEDDER = "studio.providers.jina.JinaEmbedder"
    return httpserver


def _answer(seen: list):
    def handler(request):
        body = json.loads(request.data)
        seen.append(body)
        items = [
            i if isinstance(i, str) else i.get("text") or i["image"][:32] for i in body["input"]
        ]
        data = [
            {"object": "embedding", "index": n, "embedding": _vector(t, body["dimensions"])}
            for n, t in reversed(list(enumerate(items)))  # any order: matched by index
        ]
        usage = {"total_tokens": 7 * len(items), "prompt_tokens": 7 * len(items)}
        return Response(
            json.dumps({"model": body["model"], "object": "list", "usage": usage, "data": data}),
            content_type="application/json",
        )

    return handler


def _task(owner, project) -> Job:
    ((task, _),) = tasks.tasks_create(
        actor=owner, project=project, specs=[{"task_type": "embedding_generation"}]
    )
    job_run(job_id=task.job_id)
    return Job.objects.get(pk=task.job_id)


def test_passages_then_a_query_with_the_dimensions_asked(jina, settings):
    settings.JINA_DIMENSIONS = 512
    owner = paying(producer())
    project = project_of(owner)
    a = media_of(project, description="A lighthouse in a storm")
    b = media_of(project, description="A quiet harbour at dawn")
    seen: list = []
    jina.expect_request(
        "/v1/embeddings", method="POST", headers={"Authorization": f"Bearer {KEY}"}
    ).respond_with_handler(_answer(seen))
    job = _task(owner, project)
    assert job.status == JobStatus.DONE, job.last_error
    assert seen[0]["task"] == "retrieval.passage" and seen[0]["dimensions"] == 512
    assert seen[0]["model"] == "jina-embeddings-v3" and seen[0]["input"] == [
        "A lighthouse in a storm",
        "A quiet harbour at dawn",
    ]
    rows = Embedding.objects.filter(model="jina-embeddings-v3")
    assert {r.media_id: r.dimensions for r in rows} == {a.pk: 512, b.pk: 512}
    stored = np.frombuffer(bytes(rows.get(media=a).vector), dtype=np.float32)
    assert np.allclose(stored, _vector("A lighthouse in a storm", 512), atol=1e-5)
    task = Task.objects.get(job=job)
    assert task.cost == Decimal("0.000014") and task.tokens_used == 14
    hits = similar.media_similar(user=owner, q="A lighthouse in a storm", limit=2)
    assert seen[-1]["task"] == "retrieval.query"
    assert [m.pk for m, _ in hits] == [a.pk, b.pk] and hits[0][1] == pytest.approx(1, abs=1e-4)


def test_v4_reads_the_image_itself(jina, settings):
    settings.JINA_MODEL = "jina-embeddings-v4"
    owner = paying(producer())
    project = project_of(owner)
    media_of(project, description="A red square")
    seen: list = []
    jina.expect_request("/v1/embeddings").respond_with_handler(_answer(seen))
    assert _task(owner, project).status == JobStatus.DONE
    (item,) = seen[0]["input"]
    assert base64.b64decode(item["image"]) == png_bytes()


@pytest.mark.parametrize(
    ("status", "body", "words"),
    [
        (401, {"detail": "Invalid API key"}, "check the key"),
        (402, {"detail": "Insufficient balance"}, "top up"),
        (422, {"detail": [{"loc": ["body", "dimensions"], "msg": "must be <= 1024"}]}, "<= 1024"),
    ],
)
def test_refusals_fail_the_task_in_jinas_words(jina, status, body, words):
    owner = paying(producer())
    project = project_of(owner)
    media_of(project, description="A lighthouse")
    jina.expect_request("/v1/embeddings").respond_with_json(body, status=status)
    job = _task(owner, project)
    assert job.status == JobStatus.FAILED and words in job.last_error
    assert KEY not in job.last_error and not Embedding.objects.exists()


def test_429_waits_its_retry_after_without_counting_an_attempt(jina):
    owner = paying(producer())
    project = project_of(owner)
    media_of(project, description="A lighthouse")
    jina.expect_request("/v1/embeddings").respond_with_json(
        {"detail": "Rate limit"}, status=429, headers={"Retry-After": "7"}
    )
    job = _task(owner, project)
    assert job.status == JobStatus.QUEUED and job.attempts == 0
    assert 6 <= (job.not_before - job.updated_at).total_seconds() <= 8
