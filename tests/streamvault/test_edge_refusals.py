"""What nginx refuses before any app sees the request is refused in the app's JSON error shape:
TRACE (405 with ``Allow``), a request line too long (414 — the web process allows longer, so
nginx is the one limit and gunicorn's HTML page is never reached), a header too large (431);
other unknown methods reach the app, whose 405 has ``Allow`` too. Through the shipped nginx."""

from __future__ import annotations

import json
import socket

import pytest

from tests.streamvault.test_topology import running_topology

pytestmark = pytest.mark.django_db(transaction=True)


def _raw(port: int, request: bytes) -> tuple[int, dict[str, str], bytes]:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(request)
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    return int(lines[0].split()[1]), headers, body


def _request(method: str, target: str, *extra: str) -> bytes:
    head = [f"{method} {target} HTTP/1.1", "Host: 127.0.0.1", "Connection: close", *extra]
    return ("\r\n".join(head) + "\r\n\r\n").encode()


def test_nginx_refuses_in_the_json_error_shape(tmp_path, settings):
    with running_topology(tmp_path, settings) as (_client, env, _work, _proc):
        port = int(env["EDGE_LISTEN"].rsplit(":", 1)[1])
        cases = [
            (_request("TRACE", "/api/titles/"), 405, "method_not_allowed"),
            (_request("TRACE", "/"), 405, "method_not_allowed"),
            (_request("FOO", "/api/titles/"), 405, "method_not_allowed"),
            (_request("GET", "/api/titles/?search=" + "a" * 20000), 414, "uri_too_long"),
            (_request("GET", "/api/titles/", "X-Big: " + "a" * 20000), 431, "headers_too_large"),
        ]
        for request, status, code in cases:
            got, headers, body = _raw(port, request)
            assert (got, json.loads(body)["error"]["code"]) == (status, code), request[:40]
            assert headers["content-type"].startswith("application/json")
            if status == 405:
                assert "GET" in headers["allow"]
        # A long line nginx lets through is the app's to answer (gunicorn's limit is higher).
        got, _, body = _raw(port, _request("GET", "/api/titles/?search=" + "a" * 6000))
        assert got in (200, 400) and json.loads(body)
