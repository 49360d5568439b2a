"""The live pages: the directory, a stream (HLS player, chat, follow and like), a creator's
channel, the creator's dashboard (OBS settings), and the site's privacy and terms pages. Each
reads through ``live.selectors`` and renders; what a visitor does goes through the API and the
chat socket from ``live.js`` / ``studio.js``."""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from live import mature, selectors
from live.models import Creator, PageSettings, StreamReportReason


@require_safe
def directory(request: HttpRequest) -> HttpResponse:
    hide = mature.hides(request)

    def listed(name: str, n: int) -> list[dict]:
        return [selectors.stream_item(s) for s in selectors.feed(name=name, hide_mature=hide)[:n]]

    context = {
        "live": listed("live", 24),
        "scheduled": listed("scheduled", 12),
        "trending": listed("trending", 12),
        "categories": list(selectors.categories()[:50]),
        "mature_hidden": hide,
    }
    return render(request, "web/live.html", context)


@require_safe
def stream(request: HttpRequest, public_id: str) -> HttpResponse:
    found = selectors.stream_visible(public_id)
    if found is None:
        raise Http404("No such stream.")
    item = {
        **selectors.stream_item(found),
        **selectors.viewer_state(user=request.user, stream=found),
        "gated": mature.gated(stream=found, choice=mature.choice_of(request)),
    }
    context = {"stream": item, "report_reasons": StreamReportReason.choices}
    return render(request, "web/live_stream.html", context)


@require_safe
def creator(request: HttpRequest, creator_id: int) -> HttpResponse:
    found = selectors.creator_visible(creator_id)
    if found is None:
        raise Http404("No such channel.")
    hide = mature.hides(request)
    listed = selectors.creator_streams(creator=found, hide_mature=hide)[:24]
    streams = [selectors.stream_item(s) for s in listed]
    following = selectors.follows(user=request.user, creator_id=found.pk)
    context = {
        "creator": selectors.creator_item(found, is_live=selectors.is_live(found)),
        "streams": streams,
        "following": following,
    }
    return render(request, "web/live_creator.html", context)


@require_safe
def studio(request: HttpRequest) -> HttpResponse:
    """The creator dashboard: become a creator, the OBS settings (server URL; a new key shown
    once), your streams. Everything on it goes through /api/live/studio/."""
    mine = None
    if request.user.is_authenticated:
        mine = Creator.objects.filter(user=request.user, is_deleted=False).first()
    links = list(mine.social_accounts) if mine is not None else []
    context = {
        "creator": mine,
        "link_slots": links + [{}] * max(0, 3 - len(links)),
        "rtmp_url": settings.LIVE_RTMP_URL,
        "signed_in": request.user.is_authenticated and request.user.kind != "guest",
        "categories": list(selectors.categories()[:100]),
    }
    return render(request, "web/studio.html", context)


@require_safe
def page(request: HttpRequest, which: str) -> HttpResponse:
    current = PageSettings.current()
    text = current.privacy_policy if which == "privacy" else current.terms_and_conditions
    heading = "Privacy policy" if which == "privacy" else "Terms and conditions"
    return render(
        request,
        "web/page.html",
        {"heading": heading, "text": text, "updated": current.last_updated},
    )
