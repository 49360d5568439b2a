"""The stream gatekeeper: every check between a user and a signed stream URL, each refusal
with its own error code, then ``core.signing.sign``.

Rate limits and concurrent-stream slots live in Redis (fixed-window counter; a sorted set of
slots scored by their expiry, extended by heartbeats, so a player that vanishes frees its
slot after STREAM_SESSION_TTL seconds). Without REDIS_URL (the embedded default) a
process-local fallback keeps the same rules for a single process.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from catalog.models import (
    Chapter,
    ChapterPack,
    ContentRating,
    FileStatus,
    MediaFile,
    SeasonPack,
    SubtitleTrack,
    TitleStatus,
)
from catalog.policy import OPEN, CatalogPolicy
from core import signing
from core.ratelimit import window_hit
from media.langs import bcp47

from ..adlinks import ShortenerError, ad_link, shortener
from ..errors import AccountsError
from ..models import Role, User, UserKind
from .sessions import SiteLimits, stream_session_open
from .users import device_check, user_can_stream_quality, user_touch

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Download:
    """The link a download button uses, which kind it is, and why (the frontend may say so)."""

    url: str
    via: str  # "direct" | "ad_link"
    reason: str


@dataclass(frozen=True)
class StreamGrant:
    url: str
    expires: int
    session: str
    heartbeat_every: int
    # Text subtitle tracks: {"stream_index", "lang", "label", "url"} (signed, same expiry).
    subtitles: tuple[dict[str, Any], ...] = ()
    download: Download | None = None


def download_for(
    *, user: User, file_hash: str, direct_url: str, heavy: str, origin: str
) -> Download:
    """A free user's heavy download (``heavy`` says why it is heavy; "" when it is not) goes
    through today's ad link; premium users and admins, light files, ad links switched off or
    a shortener that fails get the plain signed link — never an error."""
    if user.effective_role == Role.PREMIUM:
        return Download(direct_url, "direct", "premium")
    if user.is_staff or user.role == Role.ADMIN:
        return Download(direct_url, "direct", "staff")
    if not heavy:
        return Download(direct_url, "direct", "not a heavy download")
    if shortener() is None:
        return Download(direct_url, "direct", "ad links are off")
    try:
        link = ad_link(file_hash=file_hash, origin=origin or settings.STREAM_BASE_URL)
        return Download(link, "ad_link", f"free user, {heavy}")
    except ShortenerError as exc:
        log.warning("ad link for %s: %s", file_hash[:16], exc)
        return Download(direct_url, "direct", "the URL shortener is not answering")


@dataclass(frozen=True)
class ReadGrant:
    pages: tuple[str, ...]  # signed URLs, page 1 first
    expires: int


# --- rate limit -----------------------------------------------------------------------------


def rate_limit_hit(*, user: User, scope: str = "stream") -> None:
    """Count one attempt in the current window; past the limit → 429 with Retry-After."""
    _window_hit(
        key=f"accounts:rate:{scope}:{user.pk}",
        limit=settings.STREAM_RATE_LIMIT,
        window=settings.STREAM_RATE_WINDOW,
        message="Too many stream requests; try again in {retry_after} s.",
    )


def site_rate_hit(*, site: SiteLimits) -> None:
    """The site's own limit (its capacity tier): stream requests of all its visitors per
    minute."""
    _window_hit(
        key=f"accounts:rate:site:{site.key}",
        limit=site.rate_per_minute,
        window=60,
        message="This site is at its stream request limit; try again in {retry_after} s.",
    )


def _window_hit(*, key: str, limit: int, window: int, message: str) -> None:
    retry_after = window_hit(key=key, limit=limit, window=window)
    if retry_after is not None:
        raise AccountsError(
            "rate_limited",
            message.format(retry_after=retry_after),
            status=429,
            retry_after=retry_after,
        )


# --- the gatekeeper -------------------------------------------------------------------------


def stream_authorize(
    *,
    user: User,
    file_hash: str,
    fingerprint: str | None,
    session: str | None = None,
    ip: str | None = None,
    policy: CatalogPolicy = OPEN,
    site: SiteLimits | None = None,
    origin: str = "",
) -> StreamGrant:
    """Run every check, in this order, and sign ``/s/{file_hash}``:
    rate limit (every attempt counts) → title and file available → not banned → quality
    allowed → device binding → a free stream slot (the user's, then the site's). A title the
    site's catalog ``policy`` hides is unknown here; ``site`` carries the site's own rate limit
    and stream cap (its capacity tier)."""
    rate_limit_hit(user=user)
    if site is not None:
        site_rate_hit(site=site)
    media_file = (
        MediaFile.objects.select_related("title")
        .filter(policy.q("title__"), file_hash=file_hash)
        .first()
    )
    if media_file is None:
        return _pack_authorize(
            user=user,
            pack_hash=file_hash,
            fingerprint=fingerprint,
            ip=ip,
            policy=policy,
            origin=origin,
        )
    # A banned (taken down) title leaves no trace: same answer as an unknown hash.
    if media_file.title.status == TitleStatus.BANNED:
        raise AccountsError("file_not_found", "No file with this hash.", status=404)
    if media_file.title.status != TitleStatus.AVAILABLE:
        raise AccountsError(
            "title_unavailable", "This title is not available right now.", status=409
        )
    if media_file.status != FileStatus.ACTIVE:
        raise AccountsError("file_unavailable", "This file is not available right now.", status=409)
    if user.is_banned:
        raise AccountsError("banned", "This account is banned.", status=403)
    _rating_check(user=user, content_rating=media_file.title.content_rating)
    if not user_can_stream_quality(user=user, quality=media_file.quality):
        raise AccountsError(
            "quality_locked",
            f"{media_file.quality} needs premium or {settings.REFERRAL_UNLOCK_INVITES} invites.",
            status=403,
        )
    device_check(user=user, fingerprint=fingerprint)
    slot = stream_session_open(user=user, session=session, site=site)
    user_touch(user=user, ip=ip)
    signed = signing.sign(uri=f"/s/{media_file.file_hash}", ttl=settings.STREAM_URL_TTL)
    # The player gets the browser-playable rendition when there is one; the download is the
    # file itself.
    play = (
        signing.sign(uri=f"/s/{media_file.playable_hash}", ttl=settings.STREAM_URL_TTL)
        if media_file.playable_hash
        else signed
    )
    tracks = SubtitleTrack.objects.filter(media_file=media_file, kind=SubtitleTrack.Kind.TEXT)
    subtitles = tuple(
        {
            "stream_index": t.stream_index,
            "lang": t.lang,
            "srclang": bcp47(t.lang),  # what <track srclang> takes
            "label": t.label,
            "url": signing.sign(
                uri=f"/api/subs/{media_file.file_hash}/{t.stream_index}.vtt",
                ttl=settings.STREAM_URL_TTL,
            ).url,
        }
        for t in tracks.exclude(vtt_ref="").order_by("stream_index")
    )
    heavy = (
        f"a file over {settings.AD_LINK_MIN_BYTES // 1024**2} MiB"
        if media_file.size_bytes >= settings.AD_LINK_MIN_BYTES
        else ""
    )
    return StreamGrant(
        url=play.url,
        expires=signed.expires,
        session=slot,
        heartbeat_every=max(5, settings.STREAM_SESSION_TTL // 3),
        subtitles=subtitles,
        download=download_for(
            user=user,
            file_hash=media_file.file_hash,
            direct_url=signed.url,
            heavy=heavy,
            origin=origin,
        ),
    )


def _rating_check(*, user: User, content_rating: str) -> None:
    """18+ titles are for account holders (a Telegram login), not anonymous guests."""
    if content_rating == ContentRating.ADULT and user.kind != UserKind.TELEGRAM:
        raise AccountsError(
            "account_required",
            "This title is rated 18+: log in with Telegram to watch or read it.",
            status=403,
        )


def _pack_authorize(
    *,
    user: User,
    pack_hash: str,
    fingerprint: str | None,
    ip: str | None,
    policy: CatalogPolicy,
    origin: str,
) -> StreamGrant:
    """A season or chapter pack (a download): the title available, the user not banned, the
    device bound; no stream slot is held."""
    pack = (
        SeasonPack.objects.filter(policy.q("series__"), ref=pack_hash)
        .values_list("series__status", "series__content_rating")
        .first()
        or ChapterPack.objects.filter(policy.q("manga__"), ref=pack_hash)
        .values_list("manga__status", "manga__content_rating")
        .first()
    )
    if pack is None or pack[0] == TitleStatus.BANNED:
        raise AccountsError("file_not_found", "No file with this hash.", status=404)
    if pack[0] != TitleStatus.AVAILABLE:
        raise AccountsError(
            "title_unavailable", "This title is not available right now.", status=409
        )
    if user.is_banned:
        raise AccountsError("banned", "This account is banned.", status=403)
    _rating_check(user=user, content_rating=pack[1])
    device_check(user=user, fingerprint=fingerprint)
    user_touch(user=user, ip=ip)
    signed = signing.sign(uri=f"/s/{pack_hash}", ttl=settings.STREAM_URL_TTL)
    # A pack is only ever downloaded: the ad link, when there is one, is the only link given.
    download = download_for(
        user=user, file_hash=pack_hash, direct_url=signed.url, heavy="a pack", origin=origin
    )
    return StreamGrant(
        url=download.url, expires=signed.expires, session="", heartbeat_every=0, download=download
    )


def read_authorize(
    *,
    user: User,
    chapter_id: int,
    fingerprint: str | None,
    ip: str | None = None,
    policy: CatalogPolicy = OPEN,
) -> ReadGrant:
    """The gatekeeper for manga: the same rules as a stream (rate limit, the title available,
    not banned, the device), then every page of the chapter as a signed URL. Page addresses
    cannot be enumerated: each carries a signature with an expiry."""
    rate_limit_hit(user=user, scope="read")
    chapter = (
        Chapter.objects.select_related("manga").filter(policy.q("manga__"), pk=chapter_id).first()
    )
    if chapter is None or chapter.manga.status == TitleStatus.BANNED:
        raise AccountsError("chapter_not_found", "No such chapter.", status=404)
    if chapter.manga.status != TitleStatus.AVAILABLE:
        raise AccountsError(
            "title_unavailable", "This title is not available right now.", status=409
        )
    if user.is_banned:
        raise AccountsError("banned", "This account is banned.", status=403)
    _rating_check(user=user, content_rating=chapter.manga.content_rating)
    device_check(user=user, fingerprint=fingerprint)
    user_touch(user=user, ip=ip)
    ttl = settings.READ_URL_TTL
    signed = [
        signing.sign(uri=f"/api/read/{chapter.pk}/{n}", ttl=ttl)
        for n in range(1, chapter.page_count + 1)
    ]
    return ReadGrant(pages=tuple(s.url for s in signed), expires=signed[0].expires if signed else 0)
