"""A real local S3 server for tests (moto's standalone server, spoken to over HTTP by boto3
exactly as AWS, R2, B2 or MinIO would be), and the ``s3`` vault backend pointed at it with a
key space of its own per test."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time

import boto3
import pytest

import vault
from tests.conftest import require
from tests.support.media import free_port, wait_http
from vault.registry import reset as registry_reset

BUCKET = "streamvault-test"


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory):
    server = shutil.which("moto_server", path=str(sys.prefix) + "/bin")
    require(server is not None, "moto_server (moto[server]) is not installed")
    port = free_port()
    proc = subprocess.Popen(
        [server, "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_http(url + "/moto-api/", proc)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture
def s3(s3_server, settings):
    settings.VAULT_S3_ENDPOINT_URL = s3_server
    settings.VAULT_S3_BUCKET = BUCKET
    settings.VAULT_S3_ACCESS_KEY_ID = "test"
    settings.VAULT_S3_SECRET_ACCESS_KEY = "test"
    settings.VAULT_S3_REGION = "us-east-1"
    settings.VAULT_S3_PREFIX = f"t{time.monotonic_ns()}/"  # each test its own key space
    client = boto3.client(
        "s3",
        endpoint_url=s3_server,
        aws_access_key_id="test",
        aws_secret_access_key="test",
        region_name="us-east-1",
    )
    if BUCKET not in [b["Name"] for b in client.list_buckets()["Buckets"]]:
        client.create_bucket(Bucket=BUCKET)
    registry_reset()
    yield vault.get_backend("s3")
    registry_reset()
