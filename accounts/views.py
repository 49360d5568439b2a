"""Browser endpoints outside the API: the magic link and the Telegram widget's redirect mode.
Both end in a Django session and a redirect to the frontend, or a plain error page."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from . import adlinks, services
from .api import login_with_merge
from .errors import AccountsError
from .services import email as email_accounts


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


# --- the email links (verify an address, reset a password) -------------------------------------


def _email_page(request: HttpRequest, template: str, **context) -> HttpResponse:
    status = context.pop("status", 200)
    context["frontend_url"] = settings.FRONTEND_URL
    return render(request, f"accounts/{template}", context, status=status)


SESSION_KEY = {"verify": "email_verify_token", "reset": "email_reset_token"}


@never_cache
@require_GET
def email_link(request: HttpRequest, token: str, purpose: str) -> HttpResponse:
    """The link in the mail: the token moves into the session and the browser goes on to a
    URL without it, so it never sits in a log line, a Referer or the history (as Django's own
    password reset does)."""
    request.session[SESSION_KEY[purpose]] = token[:200]
    return redirect(f"/auth/email/{purpose}/")


def _session_token(request: HttpRequest, purpose: str) -> str:
    return request.session.get(SESSION_KEY[purpose], "")


@never_cache
@require_http_methods(["GET", "POST"])
def email_verify(request: HttpRequest) -> HttpResponse:
    """A button (a mail scanner's GET confirms nothing); its POST spends the token, signs the
    account in and goes to the site."""
    if request.method == "GET":
        return _email_page(request, "email_verify.html")
    try:
        user = email_accounts.email_verify(token=_session_token(request, "verify"))
    except AccountsError as err:
        return _error_page(request, err)
    login_with_merge(request, user)
    return redirect(settings.FRONTEND_URL)


@never_cache
@require_http_methods(["GET", "POST"])
def email_reset(request: HttpRequest) -> HttpResponse:
    """Choose a new password (Django's validators say why one is refused); then signed in,
    every other session ended."""
    if request.method == "GET":
        return _email_page(request, "email_reset.html", errors=[])
    password = request.POST.get("password", "")
    if password != request.POST.get("password_again", ""):
        return _email_page(
            request, "email_reset.html", errors=["The two passwords differ."], status=400
        )
    try:
        user = email_accounts.password_reset_confirm(
            token=_session_token(request, "reset"), password=password
        )
    except AccountsError as err:
        if err.fields:
            messages = [m for ms in err.fields.values() for m in ms]
            return _email_page(request, "email_reset.html", errors=messages, status=400)
        return _error_page(request, err)
    login_with_merge(request, user)
    return redirect(settings.FRONTEND_URL)
