"""Users console. Role, premium, device and secrets are never edited as plain fields: the
actions call the services (a ban must also rotate the secret). ``auth_token_secret`` and the
device hash are never shown."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from unfold.forms import ActionForm

from catalog.models import title_heavy
from core.admin_audit import AuditedAdmin
from core.parsing import ascii_int

from . import (
    admin_otp,  # noqa: F401  (two-factor devices in the admin)
    services,
)
from .errors import AccountsError
from .models import Role, User, WishlistEntry

INVITED_SHOWN = 20


class UserActionForm(ActionForm):
    days = forms.IntegerField(
        min_value=1, max_value=3650, required=False, initial=30, label="Premium days"
    )


class PremiumActiveFilter(admin.SimpleListFilter):
    title = "premium active"
    parameter_name = "premium_active"

    def lookups(self, request, model_admin):
        return [("yes", "Yes"), ("no", "No")]

    def queryset(self, request, queryset):
        active = Q(role=Role.ADMIN) | Q(role=Role.PREMIUM) & (
            Q(premium_until__isnull=True) | Q(premium_until__gt=timezone.now())
        )
        if self.value() == "yes":
            return queryset.filter(active)
        if self.value() == "no":
            return queryset.exclude(active)
        return queryset


class BannedFilter(admin.SimpleListFilter):
    title = "banned"
    parameter_name = "banned"

    def lookups(self, request, model_admin):
        return [("yes", "Yes"), ("no", "No")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(role=Role.BANNED)
        if self.value() == "no":
            return queryset.exclude(role=Role.BANNED)
        return queryset


class DeviceBoundFilter(admin.SimpleListFilter):
    title = "device bound"
    parameter_name = "device_bound"

    def lookups(self, request, model_admin):
        return [("yes", "Yes"), ("no", "No")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.exclude(bound_device_hash="")
        if self.value() == "no":
            return queryset.filter(bound_device_hash="")
        return queryset


@admin.register(User)
class UserAdmin(AuditedAdmin, BaseUserAdmin):
    show_full_result_count = False  # no second count of the whole table on every page
    list_display = (
        "username",
        "first_name",
        "kind",
        "telegram_id",
        "role",
        "premium_state",
        "invited_count",
        "device_bound",
        "last_seen_at",
        "is_staff",
    )
    list_filter = (
        "kind",
        "role",
        PremiumActiveFilter,
        BannedFilter,
        DeviceBoundFilter,
        "is_staff",
        "groups",
    )
    search_fields = ("username", "first_name", "last_name", "referral_code")
    ordering = ("-date_joined",)
    action_form = UserActionForm
    actions = [
        "ban_users",
        "unban_users",
        "logout_everywhere",
        "reset_device",
        "grant_premium",
    ]
    readonly_fields = (
        "kind",
        "telegram_id",
        "guest_key",
        "role",
        "premium_until",
        "premium_state",
        "referral_code",
        "invited_by_link",
        "invited_count",
        "invited_users",
        "device_bound",
        "device_locked_at",
        "last_ip",
        "last_seen_at",
        "last_login",
        "date_joined",
    )
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("Profile", {"fields": ("kind", "telegram_id", "guest_key", "first_name", "last_name")}),
        (
            "Access (change with the actions)",
            {"fields": ("role", "premium_until", "premium_state")},
        ),
        (
            "Referrals",
            {"fields": ("referral_code", "invited_by_link", "invited_count", "invited_users")},
        ),
        ("Security", {"fields": ("device_bound", "device_locked_at", "last_ip", "last_seen_at")}),
        (
            "Staff",
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )

    def get_search_results(self, request, queryset, search_term):
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        term = search_term.strip()
        telegram_id = ascii_int(term, allow_negative=True)
        if telegram_id is not None:
            queryset |= self.model.objects.filter(telegram_id=telegram_id)
        return queryset, may_have_duplicates

    def lookup_allowed(self, lookup, value, request=None):
        # The "see all invited users" link filters the changelist by inviter.
        if lookup == "invited_by__id__exact":
            return True
        return super().lookup_allowed(lookup, value, request)

    @admin.display(description="premium", boolean=True)
    def premium_state(self, obj: User) -> bool:
        return obj.premium_active

    @admin.display(description="device bound", boolean=True)
    def device_bound(self, obj: User) -> bool:
        return bool(obj.bound_device_hash)

    @admin.display(description="invited by")
    def invited_by_link(self, obj: User) -> str:
        if obj.invited_by_id is None:
            return "—"
        url = reverse("admin:accounts_user_change", args=[obj.invited_by_id])
        return format_html('<a href="{}">{}</a>', url, obj.invited_by)

    @admin.display(description="invited users")
    def invited_users(self, obj: User) -> str:
        # The theme reads a read-only field more than once per page: one query, kept on obj.
        if not hasattr(obj, "_invited_users_html"):
            obj._invited_users_html = self._invited_users(obj)
        return obj._invited_users_html

    def _invited_users(self, obj: User) -> str:
        if obj.pk is None:
            return "—"
        invited = list(
            User.objects.filter(invited_by_id=obj.pk)
            .order_by("-date_joined")
            .only("id", "username", "first_name", "telegram_id", "kind")[: INVITED_SHOWN + 1]
        )
        if not invited:
            return "—"
        links = format_html_join(
            ", ",
            '<a href="{}">{}</a>',
            (
                (reverse("admin:accounts_user_change", args=[u.pk]), str(u))
                for u in invited[:INVITED_SHOWN]
            ),
        )
        all_url = reverse("admin:accounts_user_changelist") + f"?invited_by__id__exact={obj.pk}"
        return format_html('{} — <a href="{}">all invited users</a>', links, all_url)

    def has_ban_permission(self, request) -> bool:
        return request.user.has_perm("accounts.ban_user")

    def _each(self, request, queryset, fn, done: str) -> None:
        changed = 0
        for user in queryset:
            try:
                if fn(user) is not False:
                    changed += 1
            except AccountsError as err:
                self.message_user(request, f"{user}: {err.message}", messages.ERROR)
        self.message_user(request, f"{changed} user(s) {done}.", messages.SUCCESS)

    @admin.action(description="Ban (and log out everywhere)", permissions=["ban"])
    def ban_users(self, request, queryset):
        self._each(
            request,
            queryset.exclude(pk=request.user.pk),
            lambda u: services.user_ban(user=u, actor=request.user),
            "banned",
        )

    @admin.action(description="Unban", permissions=["ban"])
    def unban_users(self, request, queryset):
        self._each(
            request, queryset, lambda u: services.user_unban(user=u, actor=request.user), "unbanned"
        )

    @admin.action(description="Log out everywhere", permissions=["ban"])
    def logout_everywhere(self, request, queryset):
        self._each(
            request,
            queryset,
            lambda u: services.user_logout_everywhere(user=u, actor=request.user),
            "logged out everywhere",
        )

    @admin.action(description="Reset bound device", permissions=["change"])
    def reset_device(self, request, queryset):
        self._each(
            request,
            queryset,
            lambda u: services.user_device_reset(user=u, actor=request.user),
            "unbound",
        )

    @admin.action(description="Grant premium (days from the field below)", permissions=["change"])
    def grant_premium(self, request, queryset):
        try:
            days = forms.IntegerField(min_value=1, max_value=3650).clean(request.POST.get("days"))
        except forms.ValidationError:
            self.message_user(request, "Enter a number of days (1 to 3650).", messages.ERROR)
            return
        self._each(
            request,
            queryset,
            lambda u: services.user_grant_premium(user=u, days=days, actor=request.user),
            f"given {days} day(s) of premium",
        )


@admin.register(WishlistEntry)
class WishlistEntryAdmin(AuditedAdmin):
    """Read-only view of wishlists; the free-text requests are what the library lacks."""

    ordering = ("-id",)  # newest first

    list_display = ("id", "user", "title", "query", "status", "notified_at", "created_at")
    list_filter = ("status",)
    search_fields = ("query", "query_clean")
    list_select_related = ("user", "title")
    list_defer = title_heavy("title")
    raw_id_fields = ("user", "title")

    def get_queryset(self, request):
        return super().get_queryset(request).defer("title__document", "title__search_text")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
