"""The OpenRouter client at its boundary: a local server answering as OpenRouter documents
its chat completions (structured output, usage with cost, its error bodies). The script
generator through it writes the episode's scenes; a cut-off reply is asked again with more
tokens, a wrong one gets one repair turn, then the execution records the error; each HTTP
failure means what it says."""

from __future__ import annotations

import json

import pytest
from werkzeug import Response

from jobs.engine import job_run
from jobs.models import Job, JobStatus
from studio.local.script import breakdown
from studio.models import PromptExecution, Scene, Task
from studio.services import tasks
from studio.writing import episode_facts
from tests.studio.factories import character_of, episode_of, paying, producer, project_of

pytestmark = pytest.mark.django_db
KEY = "sk-or-test-not-a-real-key"


@pytest.fixture
def openrouter(httpserver, settings):
    settings.OPENROUTER_BASE_URL = httpserver.url_for("/api/v1")
    settings.OPENROUTER_API_KEY = KEY
    settings.STUDIO_GENERATORS = {
        **settings.STUDIO_GENERATORS,
        "script_generation": "studio.providers.openrouter.script",
    }
    return httpserver


def completion(content: str, *, finish: str = "stop", cost: float = 0.0021) -> dict:
    return {
        "id": "gen-123",
        "object": "chat.completion",
        "model": "openai/gpt-4o-mini",
        "choices": [
            {
                "index": 0,
                "finish_reason": finish,
                "native_finish_reason": finish,
                "message": {"role": "assistant", "content": content},
            }
        ],
        "usage": {
            "prompt_tokens": 900,
            "completion_tokens": 400,
            "total_tokens": 1300,
            "cost": cost,
        },
    }


def _episode():
    owner = producer()
    paying(owner)
    project = project_of(owner, genre="comedy")
    character_of(project, name="Mara")
    character_of(project, name="Doc")
    return owner, episode_of(project, title="Lost Keys")


def _run(owner, episode) -> Job:
    ((task, _),) = tasks.tasks_create(
        actor=owner,
        project=episode.project,
        specs=[
            {"task_type": "script_generation", "episode": episode.pk, "parameters": {"scenes": 2}}
        ],
    )
    job_run(job_id=task.job_id)
    return Job.objects.get(pk=task.job_id)


def _good(episode) -> str:
    return json.dumps(breakdown(episode_facts(episode), 2))


def test_a_structured_reply_becomes_the_scenes_with_its_usage_recorded(openrouter):
    owner, episode = _episode()
    openrouter.expect_oneshot_request("/api/v1/chat/completions", method="POST").respond_with_json(
        completion(_good(episode))
    )
    job = _run(owner, episode)
    assert job.status == JobStatus.DONE, job.last_error
    ((sent, _),) = openrouter.log
    body = sent.get_json()
    assert sent.headers["Authorization"] == f"Bearer {KEY}"
    assert body["model"] == "openai/gpt-4o-mini"  # the built-in template names the local writer
    assert body["response_format"]["type"] == "json_schema"
    assert body["response_format"]["json_schema"]["strict"] is True
    assert "Mara" in body["messages"][0]["content"]
    assert Scene.objects.filter(episode=episode).count() == 2
    execution = PromptExecution.objects.get()
    assert (execution.status, execution.tokens_in, execution.tokens_out) == ("success", 900, 400)
    assert str(execution.cost) == "0.002100"
    task = Task.objects.get(job=job)
    assert task.tokens_used == 1300 and str(task.cost) == "0.002100"
    assert KEY not in json.dumps(
        [execution.inputs, execution.resolved_prompt, execution.output_raw]
    )


def test_a_cut_off_reply_is_asked_again_with_more_tokens(openrouter):
    owner, episode = _episode()
    openrouter.expect_ordered_request("/api/v1/chat/completions").respond_with_json(
        completion('{"logline": "cut', finish="length")
    )
    openrouter.expect_ordered_request("/api/v1/chat/completions").respond_with_json(
        completion(_good(episode))
    )
    job = _run(owner, episode)
    assert job.status == JobStatus.DONE, job.last_error
    first, second = (r.get_json()["max_tokens"] for r, _ in openrouter.log)
    assert second == 2 * first
    assert str(PromptExecution.objects.get().cost) == "0.004200"  # both turns are paid


def test_a_wrong_reply_gets_one_repair_turn_then_the_error_is_recorded(openrouter):
    owner, episode = _episode()
    wrong = json.dumps({"logline": "x", "scenes": [{"title": "no dialogue"}]})
    openrouter.expect_request("/api/v1/chat/completions").respond_with_json(completion(wrong))
    job = _run(owner, episode)
    assert job.status == JobStatus.FAILED and "not usable" in job.last_error
    assert len(openrouter.log) == 2
    repair = openrouter.log[1][0].get_json()["messages"]
    assert repair[1] == {"role": "assistant", "content": wrong}
    assert "does not match the output schema" in repair[2]["content"]
    execution = PromptExecution.objects.get()
    assert execution.status == "error" and "schema" in execution.error_message
    assert not Scene.objects.filter(episode=episode).exists()


@pytest.mark.parametrize(
    ("status", "body", "words"),
    [
        (401, {"error": {"code": 401, "message": "No auth credentials found"}}, "check the key"),
        (402, {"error": {"code": 402, "message": "Insufficient credits"}}, "top up"),
        (400, {"error": {"code": 400, "message": "model is not a valid model ID"}}, "valid model"),
    ],
)
def test_a_refusal_fails_the_task_with_the_providers_words(openrouter, status, body, words):
    owner, episode = _episode()
    openrouter.expect_request("/api/v1/chat/completions").respond_with_json(body, status=status)
    job = _run(owner, episode)
    assert job.status == JobStatus.FAILED and words in job.last_error
    assert len(openrouter.log) == 1  # no retry helps
    assert KEY not in job.last_error


def test_a_rate_limit_waits_as_long_as_it_is_told_without_counting_an_attempt(openrouter):
    owner, episode = _episode()
    openrouter.expect_request("/api/v1/chat/completions").respond_with_response(
        Response(json.dumps({"error": {"code": 429, "message": "Rate limit exceeded"}}),
                 status=429, headers={"Retry-After": "17"}, content_type="application/json")
    )  # fmt: skip
    job = _run(owner, episode)
    assert job.status == JobStatus.QUEUED and job.attempts == 0
    assert "429" in job.last_error


def test_a_content_filter_refusal_is_a_clear_failure(openrouter):
    owner, episode = _episode()
    openrouter.expect_request("/api/v1/chat/completions").respond_with_json(
        completion("", finish="content_filter")
    )
    job = _run(owner, episode)
    assert job.status == JobStatus.FAILED and "content filter" in job.last_error
