"""The DRF plumbing every app's endpoints use: the guest session (a visitor's first per-user
request makes a ``guest_…`` user), the client's address, throttles keyed by session or address,
and the base views for per-user and public-read endpoints. Endpoints themselves live in each
app's ``api.py``.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import login
from django.utils.functional import SimpleLazyObject
from drf_spectacular.authentication import SessionScheme
from rest_framework.authentication import SessionAuthentication
from rest_framework.exceptions import NotAuthenticated, Throttled
from rest_framework.permissions import SAFE_METHODS, AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.views import APIView

from core.ratelimit import AtomicThrottle

from . import services
from .models import User

BACKEND = "django.contrib.auth.backends.ModelBackend"


def client_ip(request) -> str | None:
    """The client's address: the first X-Forwarded-For hop when nginx in front is trusted to
    set it (``ACCOUNTS_TRUST_X_FORWARDED_FOR``), else the socket's peer."""
    if settings.ACCOUNTS_TRUST_X_FORWARDED_FOR:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[0].strip() or None
    return request.META.get("REMOTE_ADDR") or None


class GuestSessionAuthentication(SessionAuthentication):
    """The session user, or a new ``guest_…`` user logged in on the spot: the first per-user
    request of a visitor without a session gets a guest (and the session cookie). Unsafe
    methods pass the CSRF check before a guest is made."""

    def authenticate(self, request: Request):
        result = super().authenticate(request)
        if result is not None:
            # The middlewares' lazy proxies (auth's, then django-otp's around it), unwrapped:
            # services use type(user) (audit rows).
            user = result[0]
            while isinstance(user, SimpleLazyObject):
                user = user._wrapped
            services.user_touch(user=user)
            return user, result[1]
        if not request._request.COOKIES:
            # A client that keeps no cookie would get a new guest on every request: it must
            # first take a cookie (GET /api/session/, or any page of the site) and send it back.
            raise NotAuthenticated(
                "No session: send back the cookies this site sets (GET /api/session/ sets one)."
            )
        if request.method not in SAFE_METHODS:
            self.enforce_csrf(request)
        ip = client_ip(request._request)
        wait = services.guest_creation_allowed(ip=ip)
        if wait:
            raise Throttled(wait=wait, detail="Too many new visitors from this address.")
        guest = services.guest_create(ip=ip)
        login(request._request, guest, backend=BACKEND)
        # Throttles key a session born in this request by the client's address, not by the
        # new guest: a client that drops its cookies cannot reset its allowance.
        request._request.new_guest = True
        return guest, None


class NewSessionAwareThrottle(AtomicThrottle):
    """A per-user rate whose key, for a request with no session before it (a guest made just
    now, or an anonymous one), is the client's address: 200 cookie-less requests from one
    address share one allowance, as 200 from one user do."""

    def get_cache_key(self, request, view) -> str | None:
        user = request.user
        fresh = getattr(request._request, "new_guest", False)
        if user and user.is_authenticated and not fresh:
            ident = f"user:{user.pk}"
        else:
            ident = f"ip:{client_ip(request._request) or 'unknown'}"
        return self.cache_format % {"scope": self.scope, "ident": ident}


class AddressThrottle(AtomicThrottle):
    """Counts against the client's address whoever is logged in: many accounts (or a client
    that drops its cookies) on one address share one allowance."""

    def get_cache_key(self, request, view) -> str:
        ident = f"ip:{client_ip(request._request) or 'unknown'}"
        return self.cache_format % {"scope": self.scope, "ident": ident}


class GuestSessionScheme(SessionScheme):
    """OpenAPI: the session cookie; a visitor without one gets a guest session."""

    target_class = "accounts.drf.GuestSessionAuthentication"
    name = "guestCookieAuth"


class UserAPIView(APIView):
    authentication_classes = [GuestSessionAuthentication]
    permission_classes = [IsAuthenticated]

    @property
    def user(self) -> User:
        return self.request.user  # type: ignore[return-value]


class PublicReadView(APIView):
    """Reads need no session (and make no guest); writes make a guest for a visitor with a
    cookie but no account, as the rest of the per-user API (comments, live channels)."""

    permission_classes = [AllowAny]

    def get_authenticators(self):
        if self.request is not None and self.request.method in SAFE_METHODS:
            return [SessionAuthentication()]
        return [GuestSessionAuthentication()]

    def get_permissions(self):
        if self.request.method in SAFE_METHODS:
            return [AllowAny()]
        return [IsAuthenticated()]
