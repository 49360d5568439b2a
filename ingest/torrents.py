"""Torrent and magnet sources, through libtorrent (the ``libtorrent`` wheel): a ``magnet:`` link
or the URL of a ``.torrent`` file, for the leech and for crowdsourced submissions (quarantined
like any link until staff approve it).

What a torrent holds is read first — a magnet's metadata comes from its peers — and checked
before a byte of it is downloaded: only its video files (and archives of them) are asked for
(the rest only where a piece it shares with a video brings its edge, deleted once the videos
are in); none at all, or more than ``LEECH_MAX_BYTES`` of them, refuses it. No
peer answering within ``TORRENT_METADATA_SECONDS``, or a download making no progress for
``TORRENT_STALL_SECONDS``, is transient (the job retries). ``TORRENT_PEERS`` are peers tried
first for every torrent (a seedbox of ours); DHT and local discovery follow ``TORRENT_DHT``.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import httpx
import libtorrent as lt
from django.conf import settings

from jobs.engine import PermanentError, TransientError
from media.archives import ARCHIVE_SUFFIXES, VIDEO_SUFFIXES

MAGNET = re.compile(r"^magnet:\?(?:.*&)?xt=urn:bt(?:ih|mh):[0-9A-Za-z]{32,68}(?:&|$)")
MAX_TORRENT_FILE = 10 * 1024 * 1024
POLL = 0.2
FLUSH_SECONDS = 60  # for the written-out check after the download


def is_torrent_link(url: str) -> bool:
    """A magnet link, or an http(s) URL of a .torrent file."""
    if url.startswith("magnet:"):
        return True
    path = httpx.URL(url).path if url.startswith(("http://", "https://")) else ""
    return path.lower().endswith(".torrent")


def torrent_link_error(url: str) -> str:
    """What is wrong with a link offered as a torrent ("" when nothing)."""
    if url.startswith("magnet:") and not MAGNET.match(url):
        return "A magnet link needs its info hash (xt=urn:btih:…)."
    return ""


@dataclass(frozen=True)
class Fetched:
    path: Path
    name: str  # its path inside the torrent
    size: int


def _session() -> lt.session:
    dht = bool(settings.TORRENT_DHT)
    return lt.session(
        {
            "listen_interfaces": settings.TORRENT_LISTEN,
            "enable_dht": dht,
            "enable_lsd": dht,
            "enable_upnp": False,
            "enable_natpmp": False,
            "user_agent": "StreamVault",
            "alert_mask": int(lt.alert_category.storage),  # for cache_flushed_alert
            # Until the files are chosen we want nothing: keep the peers that sent the metadata.
            "close_redundant_connections": False,
        }
    )


def _params(url: str, save_path: Path) -> lt.add_torrent_params:
    if url.startswith("magnet:"):
        params = lt.parse_magnet_uri(url)
    else:
        try:
            response = httpx.get(url, timeout=settings.LEECH_TIMEOUT, follow_redirects=True)
        except httpx.HTTPError as exc:
            raise TransientError(f"the .torrent file is unreachable: {type(exc).__name__}") from exc
        if response.status_code >= 500 or response.status_code == 429:
            raise TransientError(f"HTTP {response.status_code} for the .torrent file")
        if response.status_code != 200 or len(response.content) > MAX_TORRENT_FILE:
            raise PermanentError(f"HTTP {response.status_code} for the .torrent file")
        params = lt.add_torrent_params()
        try:
            params.ti = lt.torrent_info(lt.bdecode(response.content))
        except (RuntimeError, TypeError) as exc:
            raise PermanentError("that is not a .torrent file") from exc
    params.save_path = str(save_path)
    # Nothing is downloaded until we chose the files (after the metadata is checked).
    params.flags |= lt.torrent_flags.default_dont_download
    return params


def _wanted(files: lt.file_storage) -> list[int]:
    return [
        i
        for i in range(files.num_files())
        if PurePosixPath(files.file_path(i)).suffix.lower() in VIDEO_SUFFIXES | ARCHIVE_SUFFIXES
        and "sample" not in PurePosixPath(files.file_path(i)).name.lower()
    ]


def _peers(handle: lt.torrent_handle) -> None:
    for peer in settings.TORRENT_PEERS or []:
        host, _, port = peer.rpartition(":")
        handle.connect_peer((host, int(port)))


def torrent_download(
    *, url: str, dest: Path, on_progress: Callable[[int, int], None] | None = None
) -> list[Fetched]:
    """Download a torrent's video files (and archives) into ``dest``; the files fetched.
    PermanentError: nothing to watch in it, or too big; TransientError: no peer, a stall."""
    dest.mkdir(parents=True, exist_ok=True)
    session = _session()
    try:
        handle = session.add_torrent(_params(url, dest))
        _peers(handle)
        deadline = time.monotonic() + settings.TORRENT_METADATA_SECONDS
        while not handle.status().has_metadata:
            if time.monotonic() > deadline:
                raise TransientError("no peer sent the torrent's metadata in time")
            time.sleep(POLL)
        info = handle.torrent_file()
        files = info.files()
        wanted = _wanted(files)
        names = [
            files.file_path(i)
            for i in range(files.num_files())
            if not files.file_flags(i) & lt.file_storage.flag_pad_file  # alignment, not a file
        ]
        if not wanted:
            shown = ", ".join(names[:5]) + (" …" if len(names) > 5 else "")
            raise PermanentError(f"the torrent holds no video file ({shown})")
        total = sum(files.file_size(i) for i in wanted)
        if total > settings.LEECH_MAX_BYTES:
            raise PermanentError(
                f"the torrent's videos are {total} bytes, over LEECH_MAX_BYTES "
                f"({settings.LEECH_MAX_BYTES})"
            )
        handle.prioritize_files([4 if i in wanted else 0 for i in range(files.num_files())])
        _wait(handle, wanted, total, on_progress)
        _flushed(session, handle)
        session.remove_torrent(handle)
        # A piece shared with a video brings the edge of its neighbour: nothing unwanted stays.
        for i in set(range(files.num_files())) - set(wanted):
            (dest / files.file_path(i)).unlink(missing_ok=True)
        return [
            Fetched(dest / files.file_path(i), files.file_path(i), files.file_size(i))
            for i in wanted
        ]
    finally:
        session.pause()
        del session


def _flushed(session: lt.session, handle) -> None:
    """Every byte in the files before they are read: libtorrent counts a piece as had once it
    is hashed, which can be before its blocks leave the write buffer (a CI run read a file
    with part of a piece missing)."""
    handle.flush_cache()
    deadline = time.monotonic() + FLUSH_SECONDS
    while time.monotonic() < deadline:
        if session.wait_for_alert(int(POLL * 1000)) is None:
            continue
        for alert in session.pop_alerts():
            if isinstance(alert, lt.cache_flushed_alert) and alert.handle == handle:
                return
    raise TransientError("the torrent's files were not written out in time")


def _wait(handle, wanted: list[int], total: int, on_progress) -> None:
    last, moved_at = -1, time.monotonic()
    while True:
        done = sum(handle.file_progress()[i] for i in wanted)
        if on_progress is not None:
            on_progress(done, total)
        if done >= total:
            return
        if done != last:
            last, moved_at = done, time.monotonic()
        elif time.monotonic() - moved_at > settings.TORRENT_STALL_SECONDS:
            raise TransientError(f"the torrent stalled at {done} of {total} bytes")
        time.sleep(POLL)
