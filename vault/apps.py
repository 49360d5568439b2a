from __future__ import annotations

from django.apps import AppConfig


class VaultConfig(AppConfig):
    name = "vault"
    verbose_name = "Vault"

    def ready(self) -> None:
        from vault import edge  # noqa: F401  (registers the titles_changed receiver)
