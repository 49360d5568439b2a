"""The s3 backend against a real local S3 server (moto's standalone server, spoken to over
HTTP by boto3 exactly as AWS, R2, B2 or MinIO would be): put, ranged reads, stat, delete;
streaming through /s/; a CBZ read page by page; a video ingested with its subtitles,
screenshots and season pack all in S3."""

from __future__ import annotations

import io
import zipfile

import boto3
import pytest
from asgiref.sync import async_to_sync

import vault
from catalog.models import Screenshot, SubtitleTrack
from ingest.local import media_ingest, path_ingest
from ingest.packs import season_pack_build
from medic.integrations import vault_probe
from tests.factories import TitleFactory
from tests.support.media import CBZ_ORDER
from tests.support.s3 import BUCKET
from tests.support.signed import signed
from tests.vault.test_stream import signed_path
from vault.backends.s3 import S3Backend
from vault.registry import reset as registry_reset

MiB = 1024 * 1024


def content(response) -> bytes:
    """The body of a streaming response from an async view (an async iterator)."""

    async def collect():
        return b"".join([c async for c in response.streaming_content])

    return async_to_sync(collect)()


def run(coro_fn, *args):
    return async_to_sync(coro_fn)(*args)


def read(backend, ref, start, end) -> bytes:
    async def go():
        return b"".join([c async for c in backend.open_range(ref, start, end)])

    return async_to_sync(go)()


def test_the_registry_gives_the_configured_class(s3):
    assert isinstance(s3, S3Backend) and s3.name == "s3"


def test_put_stat_ranges_delete(s3, tmp_path):
    data = bytes(range(256)) * (12 * 1024)  # 3 MiB: ranges cross the 1 MiB chunk size
    src = tmp_path / "blob.bin"
    src.write_bytes(data)
    stored = run(s3.put, src)
    assert (stored.backend, stored.size) == ("s3", len(data))
    assert stored.ref == stored.sha256 and len(stored.ref) == 64
    assert run(s3.stat, stored.ref).size == len(data)
    for start, end in [(0, 1), (0, len(data)), (MiB - 3, MiB + 5), (2 * MiB + 7, len(data))]:
        assert read(s3, stored.ref, start, end) == data[start:end]
    assert read(s3, stored.ref, 10, 10) == b""
    assert run(s3.delete, stored.ref) is True
    assert run(s3.delete, stored.ref) is False
    with pytest.raises(vault.NotFound):
        run(s3.stat, stored.ref)
    with pytest.raises(vault.NotFound):
        read(s3, stored.ref, 0, 5)


def test_put_is_content_addressed_and_takes_file_objects(s3, s3_server):
    first = run(s3.put, io.BytesIO(b"same bytes"))
    second = run(s3.put, io.BytesIO(b"same bytes"))
    assert first == second
    client = boto3.client(
        "s3",
        endpoint_url=s3_server,
        aws_access_key_id="t",
        aws_secret_access_key="t",
        region_name="us-east-1",
    )
    keys = client.list_objects_v2(Bucket=BUCKET, Prefix=s3.key(first.ref))["KeyCount"]
    assert keys == 1


def test_bad_refs_and_a_missing_bucket_setting(s3, settings):
    with pytest.raises(vault.NotFound):
        run(s3.stat, "../../etc/passwd")
    settings.VAULT_S3_BUCKET = ""
    with pytest.raises(vault.VaultError, match="VAULT_S3_BUCKET"):
        run(s3.stat, "0" * 64)


def test_an_unreachable_s3_is_unavailable_not_a_broken_file(settings):
    """An S3 that does not answer is an outage (``BackendUnavailable``: a job retries, the
    door says 503, the medic's probe says "unknown") — not a missing or broken object, which
    would fail the ingest and mark the files dead."""
    settings.VAULT_S3_ENDPOINT_URL = "http://127.0.0.1:9"  # nothing listens there
    settings.VAULT_S3_BUCKET = BUCKET
    settings.VAULT_S3_ACCESS_KEY_ID = settings.VAULT_S3_SECRET_ACCESS_KEY = "test"
    registry_reset()
    try:
        backend = vault.get_backend("s3")
        ref = "0" * 64

        async def read() -> bytes:
            return b"".join([c async for c in backend.open_range(ref, 0, 10)])

        for call in (
            lambda: run(backend.stat, ref),
            lambda: run(backend.put, io.BytesIO(b"bytes")),
            lambda: run(backend.delete, ref),
            lambda: async_to_sync(read)(),
        ):
            with pytest.raises(vault.BackendUnavailable):
                call()
        assert vault_probe(backend="s3", ref=ref).ok is None
    finally:
        registry_reset()


@pytest.mark.django_db
def test_a_video_in_s3_streams_through_s_with_ranges(s3, media, settings, client):
    settings.VAULT_DEFAULT_BACKEND = "s3"
    media_file = media_ingest(path=media.movie).media_file
    assert media_file.backend == "s3"
    original = media.movie.read_bytes()
    whole = client.get(signed_path(media_file.file_hash))
    assert whole.status_code == 200
    assert content(whole) == original
    part = client.get(signed_path(media_file.file_hash), HTTP_RANGE="bytes=1000-4999")
    assert part.status_code == 206
    assert part["Content-Range"] == f"bytes 1000-4999/{len(original)}"
    assert content(part) == original[1000:5000]


@pytest.mark.django_db
def test_subtitles_and_screenshots_of_an_s3_file_record_and_serve_from_s3(s3, media, client):
    media_file = media_ingest(path=media.movie, backend="s3").media_file
    track = SubtitleTrack.objects.get(media_file=media_file, stream_index=2)
    assert track.vtt_ref.startswith("s3:")
    vtt = client.get(signed(f"/api/subs/{media_file.file_hash}/2.vtt"))
    assert vtt.status_code == 200 and b"Hello there" in vtt.content
    shots = list(Screenshot.objects.filter(media_file=media_file))
    assert shots and {s.backend for s in shots} == {"s3"}
    img = client.get(f"/api/img/{shots[0].ref}")
    assert img.status_code == 200 and img.content[:3] == b"\xff\xd8\xff"


@pytest.mark.django_db
def test_a_cbz_in_s3_reads_page_by_page(s3, media, client):
    chapter = path_ingest(path=media.cbz, backend="s3").chapter
    assert chapter.backend == "s3"
    with zipfile.ZipFile(media.cbz) as zf:
        for n, name in enumerate(CBZ_ORDER, start=1):
            page = client.get(signed(f"/api/read/{chapter.id}/{n}"))
            assert page.status_code == 200, page.content
            assert page.content == zf.read(name)


@pytest.mark.django_db
def test_a_season_pack_in_s3_downloads_through_s(s3, media, client):
    series = TitleFactory(media_type="series", title="Test Show")
    media_ingest(path=media.episode1, title=series, season=1, episode=1, backend="s3")
    pack = season_pack_build(series=series, season=1, backend="s3")
    assert pack.backend == "s3"
    response = client.get(signed_path(pack.ref))
    assert response.status_code == 200
    with zipfile.ZipFile(io.BytesIO(content(response))) as zf:
        assert [i.file_size for i in zf.infolist()] == [media.episode1.stat().st_size]
