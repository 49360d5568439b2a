"""factory-boy factories. Catalog rows are made through the services (as the product makes
them), so the read model is always built."""

from __future__ import annotations

import hashlib
import itertools

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from catalog import services
from catalog.models import MediaType, TitleStatus

_seq = itertools.count(1)


def file_hash(n: int | None = None) -> str:
    return hashlib.sha256(f"file-{n or next(_seq)}".encode()).hexdigest()


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    # accounts: a Telegram user by default (GuestFactory for guests).
    kind = "telegram"
    telegram_id = factory.Sequence(lambda n: 100_000_000 + n)
    first_name = factory.Sequence(lambda n: f"User {n}")
    referral_code = factory.Sequence(lambda n: f"ref{n:05d}")
    role = "free"


class GuestFactory(UserFactory):
    kind = "guest"
    username = factory.Sequence(lambda n: f"guest_{n:016x}")
    guest_key = factory.Sequence(lambda n: f"{n:016x}")
    telegram_id = None
    first_name = ""
    referral_code = None


class StaffFactory(UserFactory):
    is_staff = True
    is_superuser = True
    username = factory.Sequence(lambda n: f"staff{n}")


class TitleFactory(factory.Factory):
    """``TitleFactory(media_type="series", genres=["Drama"])`` → a Title via title_create."""

    class Meta:
        model = dict

    media_type = MediaType.MOVIE
    title = factory.Sequence(lambda n: f"Test Title {n}")
    year = 2020
    genres = factory.LazyFunction(lambda: ["Action"])
    rating = 7.5
    status = TitleStatus.AVAILABLE

    @classmethod
    def _create(cls, model_class, **kwargs):
        return services.title_create(**kwargs)

    _build = _create


def add_file(title, *, quality="1080p", episode=None, size_bytes=1_000_000, **kw):
    return services.media_file_add(
        title=title,
        episode=episode,
        quality=quality,
        size_bytes=size_bytes,
        file_hash=kw.pop("file_hash", file_hash()),
        ref=kw.pop("ref", "ref"),
        **kw,
    )


class CreatorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "live.Creator"

    user = factory.SubFactory(UserFactory)
    channel_name = factory.Sequence(lambda n: f"Channel {n}")
    status = "active"


class LiveStreamFactory(factory.django.DjangoModelFactory):
    """A live stream (``status`` / ``started_at`` overridable)."""

    class Meta:
        model = "live.Stream"

    creator = factory.SubFactory(CreatorFactory)
    title = factory.Sequence(lambda n: f"Broadcast {n}")
    status = "live"
    started_at = factory.LazyFunction(timezone.now)
