"""Browser endpoints outside the API: the magic link and the Telegram widget's redirect mode.
Both end in a Django session and a redirect to the frontend, or a plain error page."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from . import adlinks, services
from .api import login_with_merge
from .errors import AccountsError


def _error_page(request: HttpRequest, err: AccountsError) -> HttpResponse:
    return render(
        request,
        "accounts/login_error.html",
        {"code": err.code, "message": err.message, "frontend_url": settings.FRONTEND_URL},
        status=err.status,
    )


@never_cache
@require_GET
def magic_login(request: HttpRequest) -> HttpResponse:
    """``GET /auth/magic?token=…``: spend the link, merge the current guest, log in."""
    try:
        user = services.magic_link_consume(token=request.GET.get("token", ""))
    except AccountsError as err:
        return _error_page(request, err)
    login_with_merge(request, user)
    return redirect(settings.FRONTEND_URL)


@never_cache
@require_GET
def telegram_login(request: HttpRequest) -> HttpResponse:
    """The Login Widget's ``data-auth-url`` target: its fields arrive as query parameters."""
    try:
        user = services.user_login_telegram_widget(data=request.GET.dict())
    except AccountsError as err:
        return _error_page(request, err)
    login_with_merge(request, user)
    return redirect(settings.FRONTEND_URL)


@never_cache
@require_GET
def ad_click(request: HttpRequest, link_id: int) -> HttpResponse:
    """``GET /go/<id>``: an ad link as the gatekeeper hands it out — the click counts for the
    site it was followed on (revenue share), then the browser goes on to the shortener."""
    target = adlinks.ad_click(link_id=link_id, host=request.get_host())
    if target is None:
        return HttpResponse(
            "This download link is unknown.", status=404, content_type="text/plain; charset=utf-8"
        )
    return redirect(target)
