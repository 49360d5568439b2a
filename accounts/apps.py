from __future__ import annotations

from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.db.models.signals import post_migrate

from accounts.groups import groups_sync


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from accounts import receivers  # noqa: F401  (connects the signal receivers)

        post_migrate.connect(_sync_groups, sender=self, dispatch_uid="accounts.groups_sync")


def _sync_groups(sender, using: str = "default", **kwargs) -> None:
    from django.apps import apps
    from django.contrib.auth.management import create_permissions

    # post_migrate runs app by app in INSTALLED_APPS order and accounts comes before catalog:
    # create every app's permissions first so the groups get them on a fresh database.
    for app_config in apps.get_app_configs():
        create_permissions(app_config, verbosity=0, using=using)
    groups_sync()


class AdminSiteConfig(admin_apps.AdminConfig):
    """Django's admin with our site (two-factor login): ``accounts.admin_site.AdminSite``."""

    default = False  # accounts' own config stays the app's default
    default_site = "accounts.admin_site.AdminSite"
