from __future__ import annotations

from django.apps import AppConfig


class CommunityConfig(AppConfig):
    name = "community"
    verbose_name = "Community"

    def ready(self) -> None:
        # Services import models, which exist only once the registry is ready.
        from accounts.services.auth import guest_merger
        from community.services.members import comments_merge_guest

        guest_merger(comments_merge_guest)
