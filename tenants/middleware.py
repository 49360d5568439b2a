"""Every request learns its site: ``request.site`` is the tenant answering on its host (the
default tenant for the operator's own hosts, None when no tenant is set up). A suspended
tenant's domain answers one clear error instead of the site: JSON under ``/api/`` and ``/s/``,
a plain page elsewhere. Otherwise the request carries the site's catalog policy
(``request.catalog_policy``) and limits (``request.site_limits``), and its visitor is counted
(``tenants.traffic``)."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse

from accounts.drf import client_ip
from core.errors import error_body

from .resolve import SUSPENDED, default_site, site_for_host, sites_refresh
from .traffic import visit


class TenantMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return site_admit(request) or self.get_response(request)


def site_admit(request: HttpRequest) -> HttpResponse | None:
    """What the middleware does before the view (also the lean document door's,
    ``tenants.door``): the request's site and policy set, its visitor counted; a suspended
    site's answer, else None. An unknown host raises ``DisallowedHost``."""
    sites_refresh()  # a domain added a moment ago is allowed below
    host = request.get_host()  # Django's check: an unknown host is a 400 here
    site = site_for_host(host) or default_site()
    request.site = site  # type: ignore[attr-defined]
    if site is None or request.path.startswith("/admin/"):
        return None
    if site.suspended:
        if request.path.startswith(("/api/", "/s/")):
            return JsonResponse(error_body(code="site_suspended", message=SUSPENDED), status=503)
        return HttpResponse(SUSPENDED, status=503, content_type="text/plain; charset=utf-8")
    if not site.policy.is_open:
        request.catalog_policy = site.policy  # type: ignore[attr-defined]
    request.site_limits = site.limits  # type: ignore[attr-defined]
    visit(
        site=site,
        ip=client_ip(request) or "",
        user_agent=request.META.get("HTTP_USER_AGENT", ""),
    )
    return None
