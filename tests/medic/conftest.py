from __future__ import annotations

import pytest
from pytest_httpserver import HTTPServer


@pytest.fixture
def web():
    """A threaded pytest-httpserver: a slow answer must not hold the others back."""
    server = HTTPServer(threaded=True)
    server.start()
    yield server
    server.clear()
    if server.is_running():
        server.stop()
