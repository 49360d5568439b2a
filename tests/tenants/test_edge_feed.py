"""The edge feed (``core.edge_feed``): edge nodes that share no disk with the writers. Writers
append after commit to a Redis stream; each node's follower applies the entries to its own
``EDGE_DIR``, resumes from its saved place, and rebuilds from the database when it is new or
the stream was trimmed past it. In-process here, on the real Redis; the two-node test with
real follower processes is ``test_edge_nodes.py``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from catalog import services as catalog
from catalog.models import TitleStatus
from core.edge_feed import KEY, POSITION, Follower, edge_send
from core.hosts import AllowedHosts
from core.redis import client
from tenants.edge import edge_rebuild
from tests.factories import TitleFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def feed(settings, tmp_path):
    """Writers on the feed; this node's edge directory is ``node``."""
    settings.EDGE_FEED = True
    settings.EDGE_DIR = str(tmp_path / "node")
    settings.ALLOWED_HOSTS = AllowedHosts(["localhost"])  # the hosts the edge links
    redis = client(django_settings.REDIS_URL)
    redis.delete(KEY)
    yield redis
    redis.delete(KEY)


def _doc(root: Path, short_id: str) -> dict | None:
    path = root / "hosts/localhost" / f"{short_id}.json"
    return json.loads(path.read_bytes()) if path.exists() else None


def _write(capture, fn, **kw):
    with capture(execute=True):
        fn(**kw)


def test_writers_send_and_a_follower_applies_resumes_and_refills(
    feed, settings, tmp_path, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    root = tmp_path / "node"
    first = TitleFactory(title="First Light")
    # Writers on the feed leave the disk alone: only the follower writes it.
    _write(capture, catalog.title_edit, title=first, data={"overview": "One."}, actor=None)
    assert not root.exists()
    assert feed.xlen(KEY) >= 1

    follower = Follower(refill=edge_rebuild, block_ms=100)
    assert follower.start() == "refilled"  # new node: from the database
    assert _doc(root, first.short_id)["overview"] == "One."
    assert follower.step() == 0  # what it refilled over is not applied again

    _write(capture, catalog.title_edit, title=first, data={"overview": "Two."}, actor=None)
    second = TitleFactory(title="Second Wind")
    _write(capture, catalog.title_edit, title=second, data={"overview": "New."}, actor=None)
    assert follower.step() >= 2
    assert _doc(root, first.short_id)["overview"] == "Two."
    assert _doc(root, second.short_id)["overview"] == "New."
    saved = (root / POSITION).read_text()

    # Stopped, it misses a takedown; started again, it resumes from its place.
    _write(capture, catalog.title_set_status, title=first, status=TitleStatus.BANNED)
    again = Follower(refill=lambda: pytest.fail("resumed, not refilled"), block_ms=100)
    assert again.start() == "resumed" and again.position == saved
    again.step()
    assert _doc(root, first.short_id) is None
    assert _doc(root, second.short_id)["overview"] == "New."

    # Trimmed past its place (a node off for too long): it rebuilds, dropping what is stale.
    (root / "docs/open/stale.json").write_text("{}")
    _write(capture, catalog.title_edit, title=second, data={"overview": "Later."}, actor=None)
    feed.xtrim(KEY, maxlen=0)
    behind = Follower(refill=edge_rebuild, block_ms=100)
    assert behind.start() == "refilled"
    assert not (root / "docs/open/stale.json").exists()
    assert _doc(root, second.short_id)["overview"] == "Later."


def test_entries_kept_while_redis_is_away_are_sent_in_order(feed, settings, tmp_path):
    root = tmp_path / "node"
    title = TitleFactory(title="Kept")
    follower = Follower(refill=edge_rebuild, block_ms=100)
    follower.start()
    reachable = settings.REDIS_URL
    settings.REDIS_URL = "redis://127.0.0.1:9/0"  # nothing listens there
    edge_send("titles_withdraw", short_ids=[title.short_id])
    edge_send("docs", short_ids=[title.short_id])
    assert follower.step() == 0
    settings.REDIS_URL = reachable
    edge_send("docs", short_ids=[title.short_id])
    kinds = [fields[b"kind"] for _id, fields in feed.xrange(KEY)]
    assert kinds == [b"titles_withdraw", b"docs", b"docs"]
    assert follower.step() == 3
    assert _doc(root, title.short_id)["title"] == "Kept"


def test_a_node_without_the_feed_writes_its_own_disk_as_before(settings, tmp_path):
    settings.EDGE_FEED = False
    settings.ALLOWED_HOSTS = AllowedHosts(["localhost"])
    settings.EDGE_DIR = str(tmp_path / "edge")
    edge_rebuild()
    title = TitleFactory(title="Alone")
    edge_send("docs", short_ids=[title.short_id])
    assert _doc(tmp_path / "edge", title.short_id)["title"] == "Alone"
    with pytest.raises(KeyError):
        edge_send("nothing_such")
