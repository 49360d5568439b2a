"""A subtitle whose WebVTT is gone from the vault: the signed URL answers 404 before any
header, a repair opens, and the loop re-extracts the track from the file's stored bytes (a
real ``subtitles_rebuild`` job on a real worker over real Redis) so the same URL serves again."""

from __future__ import annotations

import pytest

from catalog.models import SubtitleTrack, Title
from ingest.kinds import JobKind
from jobs.models import Job
from medic import integrations
from medic.models import Repair
from tests.medic.test_worker import _wait_for
from tests.support.signed import signed
from vault import resolve_tagged
from vault.backends.local import LocalBackend


def _vtt_path(track: SubtitleTrack):
    _, ref = resolve_tagged(track.vtt_ref)
    return LocalBackend().path(ref)


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_a_missing_webvtt_is_re_extracted_by_the_repair_loop(
    media, releech_worker_env, celery_worker, client
):
    from ingest.local import media_ingest

    media_file = media_ingest(path=media.movie).media_file
    track = SubtitleTrack.objects.get(media_file=media_file, lang="eng")
    url = signed(f"/api/subs/{media_file.file_hash}/eng.vtt")
    before = client.get(url).content
    assert before.startswith(b"WEBVTT")
    _vtt_path(track).unlink()
    assert integrations.subtitles_missing(media_file_id=media_file.pk) == [track.stream_index]

    gone = client.get(url)
    assert gone.status_code == 404 and gone.json()["error"]["code"] == "missing_vtt"
    repair = Repair.objects.get(media_file=media_file)
    assert repair.needs_subtitles and not repair.needs_new_bytes

    assert _wait_for(lambda: Repair.objects.get(pk=repair.pk).status == "succeeded", 120), list(
        Repair.objects.get(pk=repair.pk).attempts.values_list("strategy", "outcome", "detail")
    )
    job = Job.objects.get(kind=JobKind.SUBTITLES_REBUILD)
    assert job.status == "done", job.last_error
    result = job.state["result"]
    assert result["changed"] >= 1 and track.stream_index in result["tracks"]
    assert client.get(url).content == before  # the same URL, the same WebVTT
    assert integrations.subtitles_missing(media_file_id=media_file.pk) == []
    assert Title.objects.get(pk=media_file.title_id).status == "available"
    strategies = list(Repair.objects.get(pk=repair.pk).attempts.values_list("strategy", "outcome"))
    assert ("reextract", "waiting") in strategies


@pytest.mark.django_db
def test_nothing_to_extract_or_a_failed_extraction_is_said(
    media, settings, tmp_path, django_capture_on_commit_callbacks
):
    """No text track: nothing is missing and the file reads, so the repair succeeds at once.
    A text track ffmpeg cannot extract: the job fails, the attempt says why, and the round
    fails instead of waiting on nothing."""
    from catalog import services as catalog
    from ingest.local import media_ingest
    from medic.services.repair import RETRY, SUCCEEDED, WAITING, repair_open, repair_step

    settings.INGEST_WORK_DIR = str(tmp_path / "work")
    media_file = media_ingest(path=media.episode1).media_file  # made without subtitles
    repair = repair_open(
        title=media_file.title, media_file=media_file, reason="test", needs_subtitles=True
    )
    assert repair_step(repair_id=repair.pk) == SUCCEEDED

    catalog.subtitle_tracks_set(
        media_file=media_file,
        tracks=[{"stream_index": 5, "lang": "eng", "kind": "text", "vtt_ref": ""}],
    )
    again = repair_open(
        title=media_file.title, media_file=media_file, reason="test", needs_subtitles=True
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert repair_step(repair_id=again.pk) == WAITING  # the job runs (eagerly) on commit
    job = Job.objects.get(kind=JobKind.SUBTITLES_REBUILD)
    assert job.status == "failed" and "ffmpeg" in job.last_error
    assert repair_step(repair_id=again.pk) == RETRY
    attempts = list(Repair.objects.get(pk=again.pk).attempts.values_list("outcome", "detail"))
    assert attempts[0][0] == "waiting" and attempts[1][0] == "failed"
    assert "ffmpeg" in attempts[1][1]
