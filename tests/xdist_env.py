"""Loaded first (``-p tests.xdist_env``, pyproject): under pytest-xdist each worker gets its
own Redis database (REDIS_URL's number + the worker's), so the cache, the Celery broker the
tests' workers use and the fake Telegram's queues of one never meet another's. PostgreSQL is
already separate (pytest-django gives each worker its own test database)."""

from __future__ import annotations

import os
import re

worker = os.environ.get("PYTEST_XDIST_WORKER", "")
if worker.startswith("gw") and os.environ.get("REDIS_URL"):
    n = int(worker[2:]) + 1
    url = os.environ["REDIS_URL"]
    found = re.search(r"/(\d+)$", url)
    base = int(found.group(1)) if found else 0
    root = url[: found.start()] if found else url.rstrip("/")
    os.environ["REDIS_URL"] = f"{root}/{base + n}"
