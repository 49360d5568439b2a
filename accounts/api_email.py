"""``/api/auth/email/…`` and ``/api/me/email/``: email logins — register, verify the address,
sign in, reset a forgotten password, and add an email login to a Telegram account. The views
adapt HTTP to ``accounts.services.email``; passwords are write-only and never echoed."""

from __future__ import annotations

from django.contrib.auth import update_session_auth_hash
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.fields import PlainTextField, StrictCharField

from .api import _ME, api_error, login_with_merge, me_body
from .drf import client_ip
from .errors import AccountsError
from .services import email as email_accounts

# What Django's EmailValidator accepts, said in the schema: a dot-atom local part and a
# hostname with a letters-only top-level domain.
ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
EMAIL = rf"^{ATOM}(\.{ATOM})*@([A-Za-z0-9]([A-Za-z0-9-]{{0,61}}[A-Za-z0-9])?\.)+[A-Za-z]{{2,63}}$"


class RegisterIn(serializers.Serializer):
    email = serializers.RegexField(EMAIL, max_length=254)
    password = StrictCharField(min_length=8, max_length=128, write_only=True, trim_whitespace=False)
    name = PlainTextField(max_length=150, blank=True, required=False)


class LoginIn(serializers.Serializer):
    email = serializers.RegexField(EMAIL, max_length=254)
    password = StrictCharField(max_length=128, write_only=True, trim_whitespace=False)


class EmailIn(serializers.Serializer):
    email = serializers.RegexField(EMAIL, max_length=254)


class TokenIn(serializers.Serializer):
    token = serializers.RegexField(r"^[A-Za-z0-9_-]{20,100}$", max_length=100)


class ResetConfirmIn(TokenIn):
    password = StrictCharField(min_length=8, max_length=128, write_only=True, trim_whitespace=False)


ACCEPTED = inline_serializer("EmailAccepted", {"detail": serializers.CharField()})
ACCOUNT = inline_serializer(
    "EmailLogin", {"email": serializers.CharField(), "email_verified": serializers.BooleanField()}
)


class EmailView(APIView):
    authentication_classes = [SessionAuthentication]
    permission_classes: list = []

    def data(self, serializer: type[serializers.Serializer], request: Request) -> dict:
        checked = serializer(data=request.data)
        checked.is_valid(raise_exception=True)
        return dict(checked.validated_data)


class RegisterView(EmailView):
    """Register; the verification link goes to the address (the same answer if it has an
    account already)."""

    @extend_schema(request=RegisterIn, responses={202: ACCEPTED})
    def post(self, request: Request) -> Response:
        data = self.data(RegisterIn, request)
        try:
            email_accounts.email_register(ip=client_ip(request._request), **data)
        except AccountsError as err:
            raise api_error(err) from None
        return Response(
            {"detail": "Check your inbox for the link that confirms your address."}, status=202
        )


class VerifyView(EmailView):
    """Confirm the address with the link's token; signs the account in."""

    @extend_schema(request=TokenIn, responses={200: _ME})
    def post(self, request: Request) -> Response:
        data = self.data(TokenIn, request)
        try:
            user = email_accounts.email_verify(token=data["token"])
        except AccountsError as err:
            raise api_error(err) from None
        login_with_merge(request._request, user)
        return Response(me_body(user))


class LoginView(EmailView):
    @extend_schema(request=LoginIn, responses={200: _ME})
    def post(self, request: Request) -> Response:
        data = self.data(LoginIn, request)
        try:
            user = email_accounts.email_login(ip=client_ip(request._request), **data)
        except AccountsError as err:
            raise api_error(err) from None
        login_with_merge(request._request, user)
        return Response(me_body(user))


class ResetView(EmailView):
    """Ask for a reset link (the same answer whether the address has an account or not)."""

    @extend_schema(request=EmailIn, responses={202: ACCEPTED})
    def post(self, request: Request) -> Response:
        data = self.data(EmailIn, request)
        try:
            email_accounts.password_reset_request(
                email=data["email"], ip=client_ip(request._request)
            )
        except AccountsError as err:
            raise api_error(err) from None
        return Response(
            {"detail": "If the address has an account, a reset link is on its way."}, status=202
        )


class ResetConfirmView(EmailView):
    """Choose a new password with the link's token; other sessions end; signs in."""

    @extend_schema(request=ResetConfirmIn, responses={200: _ME})
    def post(self, request: Request) -> Response:
        data = self.data(ResetConfirmIn, request)
        try:
            user = email_accounts.password_reset_confirm(**data)
        except AccountsError as err:
            raise api_error(err) from None
        login_with_merge(request._request, user)
        return Response(me_body(user))


class MyEmailView(EmailView):
    """Add an email login (address and password) to your account; a link confirms it."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=RegisterIn, responses={200: ACCOUNT})
    def post(self, request: Request) -> Response:
        data = self.data(RegisterIn, request)
        try:
            user = email_accounts.email_login_add(
                user=request.user, email=data["email"], password=data["password"]
            )
        except AccountsError as err:
            raise api_error(err) from None
        # The password is part of the session's hash: keep this browser signed in (Django
        # gives the session a new key, as for any change of credentials).
        update_session_auth_hash(request._request, user)
        return Response(email_accounts.account_summary(user))


class ResendView(EmailView):
    """Send the confirmation link again (to an address not yet confirmed)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={202: ACCEPTED})
    def post(self, request: Request) -> Response:
        try:
            email_accounts.email_verification_resend(
                user=request.user, ip=client_ip(request._request)
            )
        except AccountsError as err:
            raise api_error(err) from None
        return Response(
            {"detail": "If your address waits for confirmation, a link is on its way."}, status=202
        )
