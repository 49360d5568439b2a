"""``/live/hls/<public id>.m3u8`` (and its ``-<n>.ts`` segments): what nginx-rtmp wrote under
``LIVE_HLS_DIR``. A playlist fetch counts the viewer (``live.viewers``); behind the shipped
nginx the segments never reach Python (nginx serves them from the same directory)."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from django.conf import settings
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_safe

from accounts.drf import client_ip

from .models import StreamStatus
from .selectors import stream_visible
from .viewers import viewer_seen

NAME = re.compile(r"^(?P<public_id>[A-Za-z0-9_-]{1,16}?)(?:\.m3u8|-(?P<segment>\d{1,9})\.ts)$")


def viewer_id(request: HttpRequest) -> str:
    """The viewer's session, or for a visitor without one their address and browser."""
    session = request.COOKIES.get(settings.SESSION_COOKIE_NAME, "")
    raw = session or f"{client_ip(request)}|{request.META.get('HTTP_USER_AGENT', '')[:200]}"
    return hashlib.sha256(raw.encode()).hexdigest()[:32]


@require_safe
def hls(request: HttpRequest, name: str) -> HttpResponse:
    match = NAME.match(name)
    if match is None or not settings.LIVE_HLS_DIR:
        raise Http404("No such live stream.")
    stream = stream_visible(match["public_id"])
    if stream is None or stream.status != StreamStatus.LIVE:
        raise Http404("This stream is not live.")
    path = Path(settings.LIVE_HLS_DIR) / name
    try:
        if match["segment"] is not None:
            response = FileResponse(path.open("rb"), content_type="video/mp2t")
            response["Cache-Control"] = "public, max-age=60"
            return response
        body = path.read_bytes()
    except FileNotFoundError:
        raise Http404("Not there yet: the stream is starting.") from None
    viewer_seen(stream=stream, viewer=viewer_id(request))
    response = HttpResponse(body, content_type="application/vnd.apple.mpegurl")
    response["Cache-Control"] = "no-cache"
    return response
