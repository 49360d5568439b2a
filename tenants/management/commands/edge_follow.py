"""``manage.py edge_follow``: an edge node's follower of the edge feed (``core.edge_feed``) —
keeps this node's ``EDGE_DIR`` (title documents, host links, stream links, nginx's cache) up
to date with the changes every other node sends, from where it stopped; new, or too far
behind, it first rebuilds the directory from the database. Runs until SIGTERM or SIGINT; with
the feed off (one machine) it only waits, so the one Procfile serves every kind of node."""

from __future__ import annotations

import signal
import threading

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from core.edge import edge_dir
from core.edge_feed import Follower
from tenants.edge import edge_rebuild


class Command(BaseCommand):
    help = "Apply the edge feed to this node's EDGE_DIR (an edge node of a multi-node site)."

    def add_arguments(self, parser):
        parser.add_argument("--block-ms", type=int, default=2000, help="one read's wait")

    def handle(self, *args, block_ms: int, **options):
        stopping = threading.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stopping.set())
        if not settings.EDGE_FEED:  # one machine: the writers keep EDGE_DIR themselves
            self.stdout.write("EDGE_FEED is off: nothing to follow (idle until stopped)")
            stopping.wait()
            return
        if edge_dir() is None:
            raise CommandError("EDGE_DIR is not set: there is no edge on this node to follow.")
        follower = Follower(refill=edge_rebuild, block_ms=block_ms)
        self.stdout.write(f"following the edge feed into {follower.root}")
        follower.run(stop=stopping.is_set)
