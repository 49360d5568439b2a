"""Media: an upload checked and stored in the vault, its bytes only through the signed URL the
API hands to someone the rule lets read it (bad signature 403, expired 410, ranges 206), and
refusals in words for what is not a picture, sound or video."""

from __future__ import annotations

import io
import time

import pytest
from asgiref.sync import async_to_sync

from core.signing import signature
from studio.models import Media
from studio.services.media import media_delete, media_url
from tests.factories import UserFactory
from tests.studio.factories import media_of, png_bytes, producer, project_of

pytestmark = pytest.mark.django_db


def _upload(client, project, data: bytes, name: str, media_type: str = "concept_art"):
    upload = io.BytesIO(data)
    upload.name = name
    return client.post(
        f"/api/studio/projects/{project.pk}/media/",
        {"file": upload, "media_type": media_type, "tags": ["red"]},
    )


async def _collect(chunks) -> bytes:
    return b"".join([chunk async for chunk in chunks])


def _get(client, url: str, **headers):
    response = client.get(url, **headers)
    body = (
        async_to_sync(_collect)(response.streaming_content)
        if response.streaming
        else response.content
    )
    return response, body


def test_upload_then_bytes_through_the_signed_url(client):
    owner = producer()
    project = project_of(owner)
    client.force_login(owner)
    data = png_bytes((20, 10))
    created = _upload(client, project, data, "door.png")
    assert created.status_code == 201, created.content
    item = created.json()
    assert (item["mime_type"], item["width"], item["height"], item["filesize"]) == (
        "image/png",
        20,
        10,
        len(data),
    )
    assert item["tags"] == ["red"] and item["media_type"] == "concept_art"
    response, body = _get(client, item["url"])
    assert response.status_code == 200 and body == data
    assert response["Content-Type"] == "image/png"
    part, body = _get(client, item["url"], HTTP_RANGE="bytes=0-9")
    assert part.status_code == 206 and body == data[:10]
    assert part["Content-Range"] == f"bytes 0-9/{len(data)}"
    # Anyone holding the URL gets the bytes until it expires (as a title's stream link), but a
    # stranger cannot get the URL.
    stranger = UserFactory()
    client.force_login(stranger)
    assert client.get(f"/api/studio/media/{item['id']}/").status_code == 404


def test_a_tampered_or_expired_link_is_refused(client):
    media = media_of(project_of(producer()))
    url = media_url(media=media)
    tampered = url.replace(f"/media/{media.pk}/", f"/media/{media.pk + 1}/")
    assert client.get(tampered).status_code == 403
    uri = f"/api/studio/media/{media.pk}/bytes"
    past = int(time.time()) - 10
    expired = client.get(f"{uri}?md5={signature(uri=uri, expires=past)}&expires={past}")
    assert expired.status_code == 410 and expired.json()["error"]["code"] == "expired"
    assert client.get(uri).status_code == 403


def test_what_is_not_a_picture_sound_or_video_is_refused_in_words(client):
    owner = producer()
    project = project_of(owner)
    client.force_login(owner)
    response = _upload(client, project, b"#!/bin/sh\necho hi\n", "run.sh")
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"file": ["Unsupported file."]}
    empty = _upload(client, project, b"", "x.png")
    assert empty.status_code == 400
    assert not Media.objects.exists()


def test_deleting_media_removes_its_vault_object_once_unused(
    settings, django_capture_on_commit_callbacks
):
    owner = producer()
    project = project_of(owner)
    first, second = media_of(project), media_of(project)  # the same bytes: one vault object
    assert first.ref == second.ref
    client_files = [p for p in settings.VAULT_DIR.rglob("*") if p.is_file()]
    with django_capture_on_commit_callbacks(execute=True):
        media_delete(actor=owner, media=first)
    assert all(p.exists() for p in client_files)  # still used by the second
    with django_capture_on_commit_callbacks(execute=True):
        media_delete(actor=owner, media=second)
    assert not any(p.exists() for p in client_files)
