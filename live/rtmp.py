"""nginx-rtmp's callbacks (``on_publish``, ``on_publish_done``): form POSTs from nginx on the
loopback, with ``LIVE_RTMP_CALLBACK_SECRET`` in the query (nginx's configuration holds it).

A good key is answered ``302 Location: <public id>``: nginx-rtmp renames the stream, so the
HLS files and every URL a viewer sees carry the stream's public id, never the key. A refusal is
a 403 (or 409 when the channel is already live), which makes nginx drop the publisher."""

from __future__ import annotations

import hmac

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from .services import Refusal, publish_done, publish_start, recording_ingest


def _trusted(request: HttpRequest) -> bool:
    secret = settings.LIVE_RTMP_CALLBACK_SECRET
    given = request.GET.get("secret", "")
    return bool(secret) and hmac.compare_digest(given.encode(), secret.encode())


@csrf_exempt
@require_POST
def on_publish(request: HttpRequest) -> HttpResponse:
    if not _trusted(request):
        return HttpResponse("forbidden", status=403, content_type="text/plain")
    if request.POST.get("call", "publish") != "publish":
        return HttpResponse("ok", content_type="text/plain")
    result = publish_start(
        key=request.POST.get("name", ""), client_id=request.POST.get("clientid", "")
    )
    if isinstance(result, Refusal):
        return HttpResponse(result.reason, status=result.status, content_type="text/plain")
    response = HttpResponse(status=302)
    response["Location"] = result.public_id
    return response


@csrf_exempt
@require_POST
def on_publish_done(request: HttpRequest) -> HttpResponse:
    if not _trusted(request):
        return HttpResponse("forbidden", status=403, content_type="text/plain")
    publish_done(key=request.POST.get("name", ""), client_id=request.POST.get("clientid", ""))
    return HttpResponse("ok", content_type="text/plain")


@csrf_exempt
@require_POST
def on_record_done(request: HttpRequest) -> HttpResponse:
    if not _trusted(request):
        return HttpResponse("forbidden", status=403, content_type="text/plain")
    recording_ingest(path=request.POST.get("path", ""))
    return HttpResponse("ok", content_type="text/plain")
