"""The ElevenLabs client at its boundary: a local server answering as ElevenLabs documents its
timestamped text-to-speech (base64 MP3 and a per-character alignment). Each character speaks
with their own voice id; the cues cover the words the alignment gives; the cost is the
characters sent; a missing voice or a refusal fails the task with words that say why."""

from __future__ import annotations

import base64
import subprocess
from decimal import Decimal

import pytest

from jobs.engine import job_run
from jobs.models import Job, JobStatus
from studio.models import Media, Scene, Task
from studio.services import tasks
from tests.studio.factories import character_of, episode_of, paying, producer, project_of, scene_of

pytestmark = pytest.mark.django_db
KEY = "xi-test-not-a-real-key"


def mp3(seconds: float) -> bytes:
    return subprocess.run(
        ["ffmpeg", "-v", "error", "-f", "lavfi", "-i", f"sine=frequency=300:duration={seconds}",
         "-ar", "44100", "-b:a", "128k", "-f", "mp3", "-"],
        capture_output=True, check=True,
    ).stdout  # fmt: skip


def reply(text: str, seconds: float, lead: float) -> dict:
    step = (seconds - 2 * lead) / len(text)
    starts = [round(lead + i * step, 3) for i in range(len(text))]
    alignment = {
        "characters": list(text),
        "character_start_times_seconds": starts,
        "character_end_times_seconds": [round(s + step, 3) for s in starts],
    }
    return {
        "audio_base64": base64.b64encode(mp3(seconds)).decode(),
        "alignment": alignment,
        "normalized_alignment": alignment,
    }


@pytest.fixture
def elevenlabs(httpserver, settings):
    settings.ELEVENLABS_BASE_URL = httpserver.url_for("/")
    settings.ELEVENLABS_API_KEY = KEY
    settings.ELEVENLABS_COST_PER_CHARACTER = "0.0002"
    settings.STUDIO_GENERATORS = {
        **settings.STUDIO_GENERATORS,
        "audio_generation": "studio.providers.elevenlabs.speech",
    }
    return httpserver


def _scene(**voices):
    owner = producer()
    paying(owner)
    project = project_of(owner)
    mara = character_of(project, name="Mara", voice_id=voices.get("mara", "voice-mara"))
    doc = character_of(project, name="Doc", voice_id=voices.get("doc", "voice-doc"))
    scene = scene_of(
        episode_of(project),
        dialogue=[
            {"character": mara.pk, "lines": "We leave at dawn."},
            {"character": doc.pk, "lines": "Not in this weather."},
        ],
    )
    return owner, scene


def _run(owner, scene) -> Job:
    ((task, _),) = tasks.tasks_create(
        actor=owner,
        project=scene.project,
        specs=[{"task_type": "audio_generation", "scene": scene.pk}],
    )
    job_run(job_id=task.job_id)
    return Job.objects.get(pk=task.job_id)


def test_each_line_in_its_characters_voice_with_cues_from_the_alignment(elevenlabs):
    owner, scene = _scene()
    for voice, text in (("voice-mara", "We leave at dawn."), ("voice-doc", "Not in this weather.")):
        elevenlabs.expect_ordered_request(
            f"/v1/text-to-speech/{voice}/with-timestamps",
            method="POST",
            query_string={"output_format": "mp3_44100_128"},
            headers={"xi-api-key": KEY},
            json={"text": text, "model_id": "eleven_multilingual_v2"},
        ).respond_with_json(reply(text, 2.0, lead=0.25))
    job = _run(owner, scene)
    assert job.status == JobStatus.DONE, job.last_error
    elevenlabs.check_assertions()
    scene = Scene.objects.select_related("audio_track").get(pk=scene.pk)
    cues = scene.audio_track.technical_data["cues"]
    # The track opens with a 1.5 s beat; the words start 0.25 s into each 2 s clip.
    assert cues[0]["start"] == pytest.approx(1.75, abs=0.03)
    assert cues[0]["end"] == pytest.approx(3.25, abs=0.06)
    assert cues[1]["start"] == pytest.approx(1.5 + 2.0 + 0.4 + 0.25, abs=0.06)
    clips = Media.objects.filter(scene=scene, media_type="audio_clip", provider="elevenlabs")
    assert clips.count() == 3  # two lines and the track
    task = Task.objects.get(job=job)
    assert task.cost == Decimal("0.0002") * (len("We leave at dawn.") + len("Not in this weather."))


def test_a_character_without_a_voice_id_is_named(elevenlabs):
    owner, scene = _scene(doc="")
    job = _run(owner, scene)
    assert job.status == JobStatus.FAILED and "no ElevenLabs voice id for Doc" in job.last_error
    assert elevenlabs.log == []


BAD_KEY = {"detail": {"status": "invalid_api_key", "message": "Invalid API key"}}
NO_QUOTA = {"detail": {"status": "quota_exceeded", "message": "This request exceeds your quota"}}
NO_TEXT = {"detail": [{"loc": ["body", "text"], "msg": "field required", "type": "value_error"}]}


@pytest.mark.parametrize(
    ("status", "body", "words"),
    [(401, BAD_KEY, "check the key"), (401, NO_QUOTA, "top up"), (422, NO_TEXT, "field required")],
)
def test_refusals_fail_the_task_in_the_providers_words(elevenlabs, status, body, words):
    owner, scene = _scene()
    elevenlabs.expect_request("/v1/text-to-speech/voice-mara/with-timestamps").respond_with_json(
        body, status=status
    )
    job = _run(owner, scene)
    assert job.status == JobStatus.FAILED and words in job.last_error
    assert KEY not in job.last_error
