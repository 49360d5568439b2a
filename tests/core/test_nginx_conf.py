"""``manage.py nginx_conf``: the shipped nginx configuration rendered for a deployment is one
nginx accepts (plain and with TLS), and a signing secret nginx could not hold is refused."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.conftest import require


def _nginx_t(conf: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["nginx", "-t", "-p", str(conf.parent), "-c", str(conf)],
        capture_output=True, text=True, timeout=30,
    )  # fmt: skip


@pytest.fixture
def edge_env(settings, tmp_path, monkeypatch):
    require(shutil.which("nginx") is not None or Path("/usr/sbin/nginx").exists(), "needs nginx")
    monkeypatch.setenv("PATH", "/usr/sbin:/usr/bin:/bin")
    settings.EDGE_DIR = str(tmp_path / "edge")
    settings.STREAM_SIGNING_SECRET = "a-good-secret-of-32-characters-x"
    monkeypatch.setenv("EDGE_LISTEN", "127.0.0.1:18999")
    monkeypatch.setenv("EDGE_USER", "root")
    monkeypatch.setenv("EDGE_TRUSTED_PROXIES", "10.0.0.0/8,192.168.1.1")
    return tmp_path


def test_the_rendered_configuration_is_valid_nginx(edge_env):
    conf = edge_env / "nginx" / "nginx.conf"
    call_command("nginx_conf", "--out", str(conf))
    text = conf.read_text()
    assert conf.stat().st_mode & 0o077 == 0  # it holds the signing secret
    assert "a-good-secret-of-32-characters-x" in text and "{{" not in text
    assert "set_real_ip_from 10.0.0.0/8;" in text
    checked = _nginx_t(conf)
    assert checked.returncode == 0, checked.stderr


def test_with_a_certificate_it_listens_with_tls(edge_env, monkeypatch):
    require(shutil.which("openssl") is not None, "needs openssl")
    cert, key = edge_env / "cert.pem", edge_env / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=localhost", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    monkeypatch.setenv("EDGE_TLS_CERT", str(cert))
    monkeypatch.setenv("EDGE_TLS_KEY", str(key))
    conf = edge_env / "nginx" / "nginx.conf"
    call_command("nginx_conf", "--out", str(conf))
    assert "listen 127.0.0.1:18999 ssl http2;" in conf.read_text()
    checked = _nginx_t(conf)
    assert checked.returncode == 0, checked.stderr


@pytest.mark.parametrize(
    "secret", ["short", "has$dollar-and-is-long-enough", 'quo"te-long-enough-x']
)
def test_a_secret_nginx_cannot_hold_is_refused(edge_env, settings, secret):
    settings.STREAM_SIGNING_SECRET = secret
    with pytest.raises(CommandError, match="STREAM_SIGNING_SECRET"):
        call_command("nginx_conf", "--out", str(edge_env / "nginx.conf"))


def test_with_live_channels_it_adds_the_rtmp_side(edge_env, monkeypatch, settings):
    require(Path("/usr/lib/nginx/modules/ngx_rtmp_module.so").exists(), "needs libnginx-mod-rtmp")
    settings.LIVE_HLS_DIR = str(edge_env / "hls")
    settings.LIVE_RECORD_DIR = str(edge_env / "rec")
    settings.LIVE_RTMP_CALLBACK_SECRET = "short"
    monkeypatch.setenv("LIVE_RTMP_LISTEN", "127.0.0.1:19935")
    conf = edge_env / "nginx" / "nginx.conf"
    with pytest.raises(CommandError, match="LIVE_RTMP_CALLBACK_SECRET"):
        call_command("nginx_conf", "--out", str(conf))
    settings.LIVE_RTMP_CALLBACK_SECRET = "a-callback-secret-of-32-chars-xx"
    call_command("nginx_conf", "--out", str(conf))
    text = conf.read_text()
    assert "ngx_rtmp_module.so" in text and "listen 127.0.0.1:19935;" in text
    assert "publish?secret=a-callback-secret-of-32-chars-xx" in text
    assert f"hls_path {edge_env / 'hls'};" in text and "rtmp_control all;" in text
    checked = _nginx_t(conf)
    assert checked.returncode == 0, checked.stderr
