"""The admin site: Django's, with two-factor login (``accounts.otp``).

Sign-in asks for a code from the authenticator app of a staff member who turned two-factor
login on, and the admin serves them only in a session a code verified. With
``ADMIN_REQUIRE_OTP`` a superuser without a device sees only the set-up page. The
*Two-factor login* page (``/admin/two-factor/``) turns it on (a QR code, then a first code)
and off (a current code).
"""

from __future__ import annotations

from functools import update_wrapper

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.views.decorators.csrf import csrf_protect
from django_otp import login as otp_login
from django_otp.admin import OTPAdminAuthenticationForm
from django_otp.plugins.otp_totp.models import TOTPDevice
from unfold.sites import UnfoldAdminSite

from . import otp


class LoginForm(OTPAdminAuthenticationForm):
    """Username and password, and the app's code for those who need one."""

    otp_token = forms.CharField(
        required=False, label="Two-factor code", max_length=8,
        help_text="From your authenticator app, if you turned two-factor login on.",
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )  # fmt: skip

    def _chosen_device(self, user):
        # One app per user (turning it on again replaces it): the code is checked against it.
        chosen = super()._chosen_device(user)
        return chosen or TOTPDevice.objects.filter(user=user, confirmed=True).first()

    def clean(self):
        self.cleaned_data = super(OTPAdminAuthenticationForm, self).clean()
        user = self.get_user()
        if user is not None and otp.otp_required(user) and not otp.setup_needed(user):
            self.clean_otp(user)
        return self.cleaned_data


class CodeForm(forms.Form):
    token = forms.CharField(label="Code from the app", max_length=8)


class AdminSite(UnfoldAdminSite):
    site_title = site_header = "StreamVault"  # the theme's header shows the request's brand
    index_title = "Dashboard"
    login_form = LoginForm
    login_template = "admin/accounts/login.html"

    def has_permission(self, request: HttpRequest) -> bool:
        if not super().has_permission(request):
            return False
        user = request.user
        return not otp.otp_required(user) or otp.setup_needed(user) or user.is_verified()

    def admin_view(self, view, cacheable=False):
        wrapped = super().admin_view(view, cacheable)

        def inner(request, *args, **kwargs):
            user = request.user
            if user.is_active and user.is_staff and otp.setup_needed(user):
                # Two-factor login is required and not set up: nothing else until it is.
                return redirect("admin:two_factor")
            return wrapped(request, *args, **kwargs)

        return update_wrapper(inner, view)

    def get_urls(self):
        setup = csrf_protect(self.two_factor)
        return [path("two-factor/", setup, name="two_factor"), *super().get_urls()]

    def two_factor(self, request: HttpRequest) -> HttpResponse:
        """Turn two-factor login on (QR code, then a first code) or off (a current code)."""
        if not (request.user.is_active and request.user.is_staff):
            return redirect(f"{reverse('admin:login')}?next={request.path}")
        user = get_user_model().objects.get(pk=request.user.pk)  # the row, not the lazy proxy
        enabled = TOTPDevice.objects.filter(user=user, confirmed=True).exists()
        form = CodeForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            token = form.cleaned_data["token"]
            try:
                if enabled:
                    done = otp.otp_disable(user=user, token=token)
                else:
                    device = otp.device_pending(user=user)
                    done = otp.device_confirm(user=user, device=device, token=token)
                    if done:
                        otp_login(request, device)  # this session is verified
            except ValidationError as exc:
                form.add_error("token", exc.messages[0])
            else:
                if done:
                    word = "off" if enabled else "on"
                    messages.success(request, f"Two-factor login is {word}.")
                    return redirect("admin:two_factor")
                form.add_error("token", "That code is not right (or came too late): try the next.")
        context = {
            **self.each_context(request),
            "title": "Two-factor login",
            "enabled": enabled,
            "required": otp.required_for(user),
            "form": form,
        }  # fmt: skip
        if not enabled:
            device = otp.device_pending(user=user)
            context.update(qr=otp.qr_svg(device), secret=otp.secret_text(device))
        return TemplateResponse(request, "admin/accounts/two_factor.html", context)
