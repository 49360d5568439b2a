"""The studio assistant in a session: it greets, does what each answer asks in its phase
(the story saved, a character added, the picture shape set), offers the next steps as choices,
and writes its words through the prompt registry — by OpenRouter when a key is set, falling
back to plain words when the provider fails."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from studio.models import Character, Episode, Project, PromptExecution, Session
from tests.studio.factories import producer, project_of
from tests.studio.providers.test_openrouter import KEY, completion

pytestmark = pytest.mark.django_db


def _session(owner) -> tuple[Client, Project, str]:
    client = Client()
    client.force_login(owner)
    project = project_of(owner, title="Lighthouse")
    made = client.post(f"/api/studio/projects/{project.pk}/sessions/", {}, "application/json")
    assert made.status_code == 201, made.content
    return client, project, f"/api/studio/sessions/{made.json()['id']}/reply/"


def _say(client: Client, url: str, **body) -> dict:
    answer = client.post(url, body, "application/json")
    assert answer.status_code == 200, answer.content
    return answer.json()


def _ids(session: dict) -> list[str]:
    return [c["choice_id"] for c in session["last_choices"]]


def test_the_assistant_walks_the_phases_and_does_what_is_asked():
    owner = producer()
    client, project, url = _session(owner)
    hello = _say(client, url)
    assert hello["conversation_history"][-1]["role"] == "assistant" and hello["awaiting_user_input"]
    assert hello["current_step"] == "story_development"
    assert "phase-character_creation" in _ids(hello)
    # A second greeting is refused: the session has begun.
    assert client.post(url, {}, "application/json").status_code == 400

    story = _say(client, url, content="A lighthouse keeper finds a map in a bottle.")
    project.refresh_from_db()
    assert project.description == "A lighthouse keeper finds a map in a bottle."
    episode = Episode.objects.get(project=project)
    assert story["context_data"]["current_episode"] == episode.pk
    assert "episode 1" in story["conversation_history"][-1]["content"]

    cast = _say(client, url, choice_id="phase-character_creation")
    assert cast["current_step"] == "character_creation"
    assert cast["conversation_history"][-2] == {
        **cast["conversation_history"][-2],
        "role": "user",
        "content": "Next: character creation",
    }
    added = _say(client, url, content="Mara: a bold captain")
    mara = Character.objects.get(project=project)
    assert (mara.name, mara.description) == ("Mara", "a bold captain")
    assert f"focus-{mara.pk}" in _ids(added)

    _say(client, url, choice_id="phase-visual_design")
    shaped = _say(client, url, choice_id="aspect-4:3")
    assert Project.objects.get(pk=project.pk).aspect_ratio == "4:3"
    assert "4:3" in shaped["conversation_history"][-1]["content"]

    _say(client, url, choice_id="phase-audio_design")
    voiced = _say(client, url, choice_id="voice-deep")
    assert Character.objects.get(pk=mara.pk).voice_characteristics == ["deep"]
    # The history persists: a session read later resumes where it stopped.
    again = client.get(url.removesuffix("reply/")).json()
    assert (
        again["conversation_history"] == voiced["conversation_history"]
        and again["last_choices"] == voiced["last_choices"]
    )
    # Publishing before the episode is made is said in the reply, not an error.
    session = Session.objects.get(pk=again["id"])
    session.current_step = "final_assembly"
    session.last_choices = [
        {"choice_id": "publish", "label": "Publish", "action": "publish", "metadata": {}}
    ]
    session.save()
    refused = _say(client, url, choice_id="publish")
    assert "no final video yet" in refused["conversation_history"][-1]["content"]
    # Each reply was written through the registry (the local writer here).
    runs = PromptExecution.objects.filter(template__name="studio.assistant")
    assert runs.count() == len(
        [m for m in refused["conversation_history"] if m["role"] == "assistant"]
    )
    assert {r.model for r in runs} == {"local/assistant"}


def test_bad_answers_are_refused_and_strangers_see_nothing():
    owner = producer()
    client, _, url = _session(owner)
    _say(client, url)
    unknown = client.post(url, {"choice_id": "phase-nowhere"}, "application/json")
    assert unknown.status_code == 400 and "choice_id" in unknown.json()["error"]["fields"]
    assert (
        client.post(url, {"content": "<script>x</script>"}, "application/json").status_code == 400
    )
    stranger = Client()
    stranger.force_login(producer())
    assert stranger.post(url, {"content": "hi"}, "application/json").status_code == 404


def test_with_a_key_openrouter_writes_the_words_and_an_outage_falls_back(httpserver, settings):
    settings.OPENROUTER_BASE_URL = httpserver.url_for("/api/v1")
    settings.OPENROUTER_API_KEY = KEY
    reply = json.dumps({"message": "Welcome aboard! Tell me your story."})
    httpserver.expect_oneshot_request("/api/v1/chat/completions", method="POST").respond_with_json(
        completion(reply)
    )
    owner = producer()
    client, _, url = _session(owner)
    hello = _say(client, url)
    assert hello["conversation_history"][-1]["content"] == "Welcome aboard! Tell me your story."
    assert hello["conversation_history"][-1]["metadata"]["writer"] == "openrouter"
    sent = json.loads(httpserver.log[0][0].data)
    assert sent["messages"][0]["content"].startswith("You are the assistant")
    httpserver.expect_request("/api/v1/chat/completions").respond_with_json(
        {"error": {"code": 503, "message": "No instances available"}}, status=503
    )
    fallback = _say(client, url, content="A storm, a keeper, a map.")
    last = fallback["conversation_history"][-1]
    assert last["metadata"]["writer"] == "local" and "fallback" in last["metadata"]
    assert "The story is written down" in last["content"]
