"""The S3 backend: objects in any S3-compatible store — AWS S3, Cloudflare R2, Backblaze B2,
MinIO — through boto3.

Content-addressed like the local backend: the key is ``VAULT_S3_PREFIX`` + ``ab/cd/<sha256>``
and the ref is the SHA-256, so the same bytes are stored once and an object is never
overwritten (a ``put`` of bytes already there only checks they are). Reads are ranged ``GET``s
(``Range: bytes=a-b``) streamed in 1 MiB chunks, so a player's seek costs one request and no
more bytes than it asked for. boto3 is blocking: every call runs in a worker thread, so the
ASGI loop never waits on the network.

Settings: ``VAULT_S3_BUCKET``, ``VAULT_S3_ENDPOINT_URL`` (empty for AWS; R2, B2 and MinIO give
theirs), ``VAULT_S3_REGION``, ``VAULT_S3_ACCESS_KEY_ID``, ``VAULT_S3_SECRET_ACCESS_KEY`` (empty:
boto3's usual chain — environment, instance role), ``VAULT_S3_PREFIX``.

An S3 that does not answer, drops the connection, throttles or fails on its side (5xx) raises
``BackendUnavailable`` (an outage: jobs retry, the door answers 503, the medic's checks say
"unknown"); only what S3 said about the object itself is a ``VaultError`` or ``NotFound``.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
import shutil
import tempfile
import threading
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as BotoConnectionError
from django.conf import settings

from vault.base import CHUNK, FileStat, NotFound, Source, StoredFile, VaultError
from vault.registry import BackendUnavailable

REF_RE = re.compile(r"^[0-9a-f]{64}$")
_MISSING = {"404", "NoSuchKey", "NotFound"}


_BUSY = {"SlowDown", "ServiceUnavailable", "RequestTimeout", "InternalError", "Throttling"}


def _missing(exc: ClientError) -> bool:
    return str(exc.response.get("Error", {}).get("Code")) in _MISSING


def _failure(what: str, exc: BaseException) -> VaultError:
    """The vault's error for a failed S3 call: an outage, or S3's answer about the object."""
    message = f"s3 {what} failed: {exc}"
    if isinstance(exc, BotoConnectionError | HTTPClientError | OSError):
        return BackendUnavailable(message)
    if isinstance(exc, ClientError):
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0
        if status >= 500 or str(exc.response.get("Error", {}).get("Code")) in _BUSY:
            return BackendUnavailable(message)
    return VaultError(message)


class S3Backend:
    name = "s3"

    def __init__(self) -> None:
        self._client: Any = None
        self._lock = threading.Lock()

    # --- connection ---------------------------------------------------------------------------

    @property
    def bucket(self) -> str:
        if not settings.VAULT_S3_BUCKET:
            raise VaultError("VAULT_S3_BUCKET is not set: the s3 backend has no bucket")
        return settings.VAULT_S3_BUCKET

    def client(self) -> Any:
        with self._lock:
            if self._client is None:
                self._client = boto3.client(
                    "s3",
                    endpoint_url=settings.VAULT_S3_ENDPOINT_URL or None,
                    region_name=settings.VAULT_S3_REGION or None,
                    aws_access_key_id=settings.VAULT_S3_ACCESS_KEY_ID or None,
                    aws_secret_access_key=settings.VAULT_S3_SECRET_ACCESS_KEY or None,
                    config=Config(
                        signature_version="s3v4",
                        retries={"max_attempts": 4, "mode": "standard"},
                        # R2, B2 and MinIO take path-style URLs; AWS takes both.
                        s3={"addressing_style": "path"},
                    ),
                )
            return self._client

    def key(self, ref: str) -> str:
        if not REF_RE.match(ref or ""):
            raise NotFound(f"not an s3 vault ref: {ref!r}")
        return f"{settings.VAULT_S3_PREFIX}{ref[:2]}/{ref[2:4]}/{ref}"

    # --- the protocol -------------------------------------------------------------------------

    async def put(self, source: Source, *, file_name: str = "") -> StoredFile:
        return await asyncio.to_thread(self._put_sync, source, file_name)

    def _put_sync(self, source: Source, file_name: str) -> StoredFile:
        with tempfile.TemporaryDirectory(prefix="s3put-") as tmp:
            if isinstance(source, str | Path):
                path = Path(source)
            else:  # a file object: spool it once (hash, then upload from disk)
                path = Path(tmp) / "object"
                with open(path, "wb") as out:
                    shutil.copyfileobj(source, out, CHUNK)
            sha256, size = _hash(path)
            key = self.key(sha256)
            try:
                head = self._head(key)
                if head is None:
                    extra: dict[str, Any] = {"ContentType": "application/octet-stream"}
                    if file_name:
                        extra["Metadata"] = {
                            "file-name": file_name.encode("ascii", "replace").decode()[:200]
                        }
                    self.client().upload_file(str(path), self.bucket, key, ExtraArgs=extra)
                elif head != size:
                    raise VaultError(f"s3 object {sha256[:16]}… has {head} bytes, not {size}")
            except (BotoCoreError, ClientError) as exc:
                raise _failure("put", exc) from exc
        return StoredFile(backend=self.name, ref=sha256, size=size, sha256=sha256)

    def _head(self, key: str) -> int | None:
        try:
            return int(self.client().head_object(Bucket=self.bucket, Key=key)["ContentLength"])
        except ClientError as exc:
            if _missing(exc):
                return None
            raise

    async def stat(self, ref: str) -> FileStat:
        key = self.key(ref)
        try:
            size = await asyncio.to_thread(self._head, key)
        except (BotoCoreError, ClientError) as exc:
            raise _failure("stat", exc) from exc
        if size is None:
            raise NotFound(f"no s3 object {ref}")
        return FileStat(size=size)

    async def open_range(self, ref: str, start: int, end: int) -> AsyncIterator[bytes]:
        if end <= start:
            return
        key = self.key(ref)
        body = await asyncio.to_thread(self._get, key, start, end)
        try:
            while chunk := await asyncio.to_thread(body.read, CHUNK):
                yield chunk
        except (BotoCoreError, OSError) as exc:
            raise _failure(f"read of {ref[:16]}…", exc) from exc
        finally:
            body.close()

    def _get(self, key: str, start: int, end: int) -> Any:
        try:
            response = self.client().get_object(
                Bucket=self.bucket, Key=key, Range=f"bytes={start}-{end - 1}"
            )
        except ClientError as exc:
            if _missing(exc):
                raise NotFound(f"no s3 object {key}") from exc
            raise _failure("read", exc) from exc
        except BotoCoreError as exc:
            raise _failure("read", exc) from exc
        return response["Body"]

    async def delete(self, ref: str) -> bool:
        key = self.key(ref)
        try:
            return await asyncio.to_thread(self._delete_sync, key)
        except (BotoCoreError, ClientError) as exc:
            raise _failure("delete", exc) from exc

    def _delete_sync(self, key: str) -> bool:
        if self._head(key) is None:
            return False
        self.client().delete_object(Bucket=self.bucket, Key=key)
        return True


def _hash(path: Path) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size
