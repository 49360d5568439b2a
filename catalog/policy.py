"""A site's catalog policy: which titles a site shows (a tenant's catalog policy and its
``dmca_shield`` add-on, docs/design.md). ``catalog`` does not know about tenants: whoever decides
the site (``TenantMiddleware``) puts a ``CatalogPolicy`` on the request, and every door that shows
a title — lists, search, the title document, the gatekeeper, subtitles, pages, comments —
hides what it excludes, answering as for an unknown title.

Two forms, no extra query either way: ``q()`` for the query a door already makes (lists,
lookups by id), ``admits()`` for a title's facts already in hand (a cached document).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Q


@dataclass(frozen=True)
class TitleFacts:
    """What a policy looks at, stored beside a cached title document."""

    media_type: str
    content_rating: str
    genre_slugs: tuple[str, ...]
    copyright_hold: bool


# The columns ``TitleFacts`` is read from, in its field order.
FACT_FIELDS = ("media_type", "content_rating", "genre_slugs", "copyright_hold")


@dataclass(frozen=True)
class CatalogPolicy:
    """Empty sets allow everything; ``dmca_shield`` hides titles with an open copyright
    complaint (``Title.copyright_hold``) at once, before any takedown."""

    ratings: frozenset[str] = frozenset()
    media_types: frozenset[str] = frozenset()
    hidden_genres: frozenset[str] = frozenset()
    dmca_shield: bool = False

    @property
    def is_open(self) -> bool:
        return not (self.ratings or self.media_types or self.hidden_genres or self.dmca_shield)

    def q(self, prefix: str = "") -> Q:
        """A filter for titles reached through ``prefix`` (``"title__"`` from a file)."""
        q = Q()
        if self.ratings:
            q &= Q(**{f"{prefix}content_rating__in": sorted(self.ratings)})
        if self.media_types:
            q &= Q(**{f"{prefix}media_type__in": sorted(self.media_types)})
        if self.hidden_genres:
            q &= ~Q(**{f"{prefix}genres__slug__in": sorted(self.hidden_genres)})
        if self.dmca_shield:
            q &= Q(**{f"{prefix}copyright_hold": False})
        return q

    def admits(self, facts: TitleFacts) -> bool:
        if self.ratings and facts.content_rating not in self.ratings:
            return False
        if self.media_types and facts.media_type not in self.media_types:
            return False
        if self.hidden_genres and not self.hidden_genres.isdisjoint(facts.genre_slugs):
            return False
        return not (self.dmca_shield and facts.copyright_hold)

    def admits_title(self, title: Any) -> bool:
        """For a ``Title`` already loaded (with ``genre_slugs`` and ``copyright_hold``)."""
        return self.admits(title_facts(title))


def title_facts(title: Any) -> TitleFacts:
    return facts_from_row(
        (title.media_type, title.content_rating, title.genre_slugs, title.copyright_hold)
    )


def facts_from_row(row: Iterable[Any]) -> TitleFacts:
    media_type, rating, slugs, hold = row
    return TitleFacts(media_type, rating, tuple(slugs or ()), bool(hold))


OPEN = CatalogPolicy()


# For the doors that skip Django's middleware (the lean ``/s/`` door): host → the policy of the
# site answering on it, or None. Registered by whoever knows the sites (tenants); no I/O.
HOST_POLICIES: list[Callable[[str], CatalogPolicy | None]] = []


def host_policy(fn: Callable[[str], CatalogPolicy | None]) -> Callable[[str], CatalogPolicy | None]:
    if fn not in HOST_POLICIES:
        HOST_POLICIES.append(fn)
    return fn


def policy_for_host(host: str) -> CatalogPolicy:
    for provider in HOST_POLICIES:
        policy = provider(host)
        if policy is not None:
            return policy
    return OPEN


def policy_of(request: Any) -> CatalogPolicy:
    """The policy the request's site set (``request.catalog_policy``), else everything. Takes
    a Django or a DRF request."""
    policy = getattr(request, "catalog_policy", None)
    return policy if isinstance(policy, CatalogPolicy) else OPEN
