from __future__ import annotations

from django.contrib.auth.models import AbstractUser


class User(AbstractUser):
    """The project's user from the first migration, so the accounts issue can add the Telegram,
    guest, role and security fields with plain migrations."""

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"
