"""Two edge nodes that share no disk with the writer or each other: each runs the real
``manage.py edge_follow`` into its own ``EDGE_DIR``, and this process, a worker node with no
edge directory, changes the catalog through the services. An edit and a takedown reach both
nodes; a node killed meanwhile catches up from its saved place when started again; a node
added later fills itself from the database."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from catalog import services as catalog
from catalog.models import TitleStatus
from core.edge_feed import KEY
from core.hosts import AllowedHosts
from core.redis import client
from tests.conftest import ROOT
from tests.factories import TitleFactory
from tests.support.swarm import database_url, wait_for

pytestmark = pytest.mark.django_db(transaction=True)


class Node:
    def __init__(self, root: Path, env: dict[str, str]) -> None:
        self.root = root
        self.env = {**env, "EDGE_DIR": str(root)}
        self.proc: subprocess.Popen | None = None

    def start(self) -> Node:
        self.proc = subprocess.Popen(
            [sys.executable, "manage.py", "edge_follow", "--block-ms", "500"],
            cwd=ROOT,
            env=self.env,
            start_new_session=True,
        )
        return self

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)

    def stop(self) -> int | None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            return self.proc.wait(timeout=10)
        return None

    def doc(self, short_id: str) -> dict | None:
        path = self.root / "hosts/localhost" / f"{short_id}.json"
        try:
            return json.loads(path.read_bytes())
        except (FileNotFoundError, ValueError):
            return None


@pytest.fixture
def nodes(settings, tmp_path):
    settings.EDGE_FEED = True
    settings.EDGE_DIR = ""  # this process is a worker node: no edge here
    settings.ALLOWED_HOSTS = AllowedHosts(["localhost"])
    redis = client(settings.REDIS_URL)
    redis.delete(KEY)
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "EDGE_FEED": "true",
        "ALLOWED_HOSTS": "localhost",
        "LOG_LEVEL": "WARNING",
    }
    made: list[Node] = []

    def make(name: str) -> Node:
        node = Node(tmp_path / name, env)
        made.append(node)
        return node

    yield make
    for node in made:
        node.kill()
    redis.delete(KEY)


def _reached(nodes: list[Node], short_id: str, check, timeout: float = 10) -> float:
    started = time.monotonic()
    wait_for(
        lambda: all(check(n.doc(short_id)) for n in nodes),
        timeout=timeout, interval=0.02, what="the edges",
    )  # fmt: skip
    return time.monotonic() - started


# A node's process starting (Django's start-up and, when new, its fill from the database) takes
# seconds on a busy machine; what is timed is a change reaching running nodes.
STARTING = 120


def test_changes_reach_every_edge_node_and_a_killed_node_catches_up(nodes):
    title = TitleFactory(title="Harbour Lights")
    one, two = nodes("edge-1").start(), nodes("edge-2").start()
    # New nodes fill themselves from the database.
    _reached([one, two], title.short_id, lambda d: d and d["title"] == "Harbour Lights", STARTING)

    catalog.title_edit(title=title, data={"overview": "Edited."}, actor=None)
    edit = _reached([one, two], title.short_id, lambda d: d and d["overview"] == "Edited.")

    # Node two goes down hard; a takedown happens meanwhile.
    two.kill()
    catalog.title_set_status(title=title, status=TitleStatus.BANNED)
    takedown = _reached([one], title.short_id, lambda d: d is None)
    assert two.doc(title.short_id)["overview"] == "Edited."  # stale while it is down
    two.start()
    _reached([two], title.short_id, lambda d: d is None, STARTING)  # caught up from its place

    # A node added later fills itself, and follows from then on.
    other = TitleFactory(title="Second Harbour")
    three = nodes("edge-3").start()
    _reached([three], other.short_id, lambda d: d and d["title"] == "Second Harbour", STARTING)
    assert three.doc(title.short_id) is None
    catalog.title_edit(title=other, data={"overview": "All three."}, actor=None)
    _reached([one, two, three], other.short_id, lambda d: d and d["overview"] == "All three.")
    assert one.stop() == 0 and three.stop() == 0  # SIGTERM: a clean stop
    print(
        f"edit reached both nodes in {edit * 1000:.0f} ms, the takedown in {takedown * 1000:.0f} ms"
    )
