"""Two-factor devices in the admin: listed (who turned it on, when last used) without their
secrets, and removable by those who may change users (a lost phone: the owner sets it up
again). django-otp's own device admin, which can show the secret, is replaced."""

from __future__ import annotations

from django.contrib import admin, messages
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.admin_audit import AuditedAdmin

from . import otp

if admin.site.is_registered(TOTPDevice):
    admin.site.unregister(TOTPDevice)


@admin.register(TOTPDevice)
class TOTPDeviceAdmin(AuditedAdmin):
    list_display = ("user", "name", "confirmed", "created_at", "last_used_at")
    list_filter = ("confirmed",)
    search_fields = ("user__username", "user__email")
    list_select_related = ("user",)
    fields = ("user", "name", "confirmed", "created_at", "last_used_at")
    readonly_fields = fields
    actions = ["reset"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="Remove: the owner sets two-factor login up again",
                  permissions=["change"])  # fmt: skip
    def reset(self, request, queryset):
        users = {device.user for device in queryset.select_related("user")}
        done = sum(otp.otp_reset(user=user, actor=request.user) for user in users)
        self.message_user(request, f"Two-factor login reset for {done} users.", messages.SUCCESS)
