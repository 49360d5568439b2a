"""Similar-media search: media embedded by the embedding task (offline MiniLM by default)
are found by words and by another media, only within the projects the user may read, and
only among vectors of the model in use. Bad input is a 400 in the one error shape."""

from __future__ import annotations

import numpy as np
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from jobs.engine import job_run
from jobs.models import Job, JobStatus
from studio import vectors
from studio.models import Embedding, Task
from studio.services import media as media_services
from studio.services import similar, tasks
from tests.studio.factories import media_of, producer, project_of

pytestmark = pytest.mark.django_db
URL = "/api/studio/media/similar/"
PICTURES = {
    "dragon": "A red dragon breathing fire over a burning castle",
    "wyrm": "A sleeping dragon curled on a hoard of gold coins",
    "knight": "A knight in shining armour riding a white horse",
    "fruit": "A bowl of apples and pears on a kitchen table",
}


def _library(owner):
    project = project_of(owner)
    made = {name: media_of(project, description=words) for name, words in PICTURES.items()}
    return project, made


def _embed_task(owner, project) -> Job:
    ((task, _),) = tasks.tasks_create(
        actor=owner, project=project, specs=[{"task_type": "embedding_generation"}]
    )
    job_run(job_id=task.job_id)
    return Job.objects.get(pk=task.job_id)


def test_found_by_words_and_by_another_media(client):
    owner = producer()
    project, made = _library(owner)
    job = _embed_task(owner, project)
    assert job.status == JobStatus.DONE, job.last_error
    task = Task.objects.get(job=job)
    assert task.result == {"embedded": 4, "model": "local/all-MiniLM-L6-v2"}
    assert set(Embedding.objects.values_list("dimensions", flat=True)) == {384}
    client.force_login(owner)
    body = client.get(URL, {"q": "a fire-breathing dragon"}).json()
    assert body["model"] == "local/all-MiniLM-L6-v2"
    found = [hit["media"]["id"] for hit in body["results"]]
    assert found[:2] == [made["dragon"].pk, made["wyrm"].pk]
    scores = [hit["score"] for hit in body["results"]]
    assert scores == sorted(scores, reverse=True) and scores[0] > 0.5 > scores[-1]
    body = client.get(URL, {"to": made["dragon"].pk, "limit": 2}).json()
    assert [hit["media"]["id"] for hit in body["results"]] == [made["wyrm"].pk, made["knight"].pk]
    assert body["results"][0]["media"]["url"].startswith(f"/api/studio/media/{made['wyrm'].pk}/")


def test_a_media_is_embedded_again_only_when_what_is_said_of_it_changes():
    owner = producer()
    project, made = _library(owner)
    assert _embed_task(owner, project).status == JobStatus.DONE
    assert similar.media_embed(media=list(made.values()))["embedded"] == 0
    before = bytes(Embedding.objects.get(media=made["fruit"]).vector)
    media_services.media_update(
        actor=owner, media=made["fruit"], data={"description": "A green dragon in the rain"}
    )
    made["fruit"].refresh_from_db()
    assert similar.media_embed(media=list(made.values()))["embedded"] == 1
    assert bytes(Embedding.objects.get(media=made["fruit"]).vector) != before
    hits = similar.media_similar(user=owner, q="dragon", limit=3)
    assert made["fruit"] in [m for m, _ in hits]


def test_only_readable_projects_and_only_the_model_in_use(client):
    owner, stranger = producer(), producer()
    project, made = _library(owner)
    other, theirs = _library(stranger)
    _embed_task(owner, project)
    _embed_task(stranger, other)
    # A vector of another model, pointing exactly at the query, is never compared.
    query = similar.embedder().embed([similar.Source(text="dragon")]).vectors[0]
    odd = media_of(project, description="")
    Embedding.objects.create(
        media=odd, model="other/model", dimensions=384, vector=vectors.pack(query)
    )
    client.force_login(owner)
    ids = {
        hit["media"]["id"]
        for hit in client.get(URL, {"q": "dragon", "limit": 50}).json()["results"]
    }
    assert ids == {m.pk for m in made.values()}
    assert client.get(URL, {"to": theirs["dragon"].pk}).status_code == 404
    client.logout()
    assert client.get(URL, {"q": "dragon"}).status_code == 401


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({}, "to"),
        ({"q": "   "}, "to"),
        ({"q": "dragon", "to": "1"}, "to"),
        ({"to": "abc"}, "to"),
        ({"q": "dragon", "limit": "0"}, "limit"),
        ({"q": "dragon", "limit": "x"}, "limit"),
        ({"q": "d" * 501}, "q"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(client, query, field):
    owner = producer()
    _, made = _library(owner)
    if query.get("to") == "1":
        query = {**query, "to": str(made["dragon"].pk)}
    client.force_login(owner)
    response = client.get(URL, query)
    assert response.status_code == 400, response.content
    assert field in response.json()["error"]["fields"]


def test_the_search_costs_the_same_queries_for_more_media(client):
    owner = producer()
    project, _ = _library(owner)
    _embed_task(owner, project)
    client.force_login(owner)
    client.get(URL, {"q": "warm up"})  # the model is loaded once per process

    def count() -> int:
        with CaptureQueriesContext(connection) as seen:
            assert client.get(URL, {"q": "a dragon"}).status_code == 200
        return len(seen)

    few = count()
    for i in range(6):
        media_of(project, description=f"A castle tower number {i}")
    _embed_task(owner, project)
    assert count() == few


@pytest.mark.pgvector
def test_pgvector_hnsw_answers_as_the_exact_search_does():
    """On a database with pgvector: the vec column and the HNSW index are there, the planner
    uses the index, and its answer matches the exact search (with the access filter). The
    session may skip migrations (scripts/test.sh does, for speed): ``install`` is what the
    migration runs, and is idempotent."""
    assert vectors.install(), "this session's PostgreSQL has no pgvector"
    assert vectors.pgvector_ready()
    owner = producer()
    project = project_of(owner)
    rng = np.random.default_rng(7)
    rows = rng.normal(size=(300, 384)).astype(np.float32)
    made = []
    for i, row in enumerate(rows):
        m = media_of(project, description=f"item {i}")
        saved = Embedding.objects.create(
            media=m, model="local/all-MiniLM-L6-v2", dimensions=384, vector=vectors.pack(row)
        )
        vectors.store(saved.pk, row)
        made.append(m.pk)
    query = rows[0] + 0.1 * rng.normal(size=384).astype(np.float32)
    hnsw = vectors.nearest_hnsw(
        model="local/all-MiniLM-L6-v2", dimensions=384, query=query, limit=10, projects=[project.pk]
    )
    exact = vectors.nearest_exact(
        Embedding.objects.values_list("media_id", "vector"), query, limit=10
    )
    assert [h.media_id for h in hnsw][:1] == [made[0]]
    assert len({h.media_id for h in hnsw} & {h.media_id for h in exact}) >= 9
    exact_scores = {h.media_id: h.score for h in exact}
    for hit in hnsw:
        if hit.media_id in exact_scores:
            assert hit.score == pytest.approx(exact_scores[hit.media_id], abs=1e-5)
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        cursor.execute(
            "EXPLAIN SELECT id FROM studio_embedding WHERE dimensions = 384 "
            "ORDER BY vec::vector(384) <=> %s::vector(384) LIMIT 10",
            [vectors.literal(query)],
        )
        plan = " ".join(r[0] for r in cursor.fetchall())
        cursor.execute("RESET enable_seqscan")
    assert "studio_embedding_hnsw_384" in plan
    # The service takes the index's path.
    hits = similar.media_similar(user=owner, q="anything", limit=5)
    assert len(hits) == 5
