"""Catalog reads used by more than one caller: the public queryset and search."""

from __future__ import annotations

import hashlib
import re
from itertools import combinations

from django.conf import settings
from django.contrib.postgres.search import TrigramSimilarity, TrigramWordSimilarity
from django.core.cache import cache
from django.db import connection
from django.db.models import BooleanField, F, FloatField, Q, QuerySet, TextField
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast, Greatest

from .models import MediaType, Title, TitleStatus
from .policy import FACT_FIELDS, OPEN, CatalogPolicy, facts_from_row
from .services.readmodel import title_cache_key
from .text import clean_title

# Migration 0004: the stored tsvector (to_tsvector('simple', search_text)) indexed by
# title_search_fts_idx, and the table of every word in the catalog. PostgreSQL only.
_TSVECTOR = "catalog_title.search_vector"
# Words shorter than this are too short for trigram similarity to mean anything ("of", "the",
# "awy"): they are neither corrected nor required, only counted in the ranking.
FUZZY_MIN_WORD = 4
FUZZY_MAX_WORDS = 5
CORRECTIONS_PER_WORD = 5
CORRECTION_MIN_SIMILARITY = 0.2
# Short queries are also matched whole against the clean title by trigram word similarity:
# that catches a missing or extra space ("spiritedaway"). For longer queries the GIN scan
# costs ~10 ms (common trigrams have long posting lists) and the word corrections suffice.
WHOLE_QUERY_TRIGRAM_MAX_WORDS = 2


def public_titles() -> QuerySet[Title]:
    """What the public API may show: everything but banned titles (a takedown leaves no
    trace)."""
    return Title.objects.exclude(status=TitleStatus.BANNED)


_SHORT_ID = re.compile(r"^[0-9A-Za-z]{7}$")


def title_document_bytes(short_id: str, *, policy: CatalogPolicy = OPEN) -> bytes | None:
    """The stored title document as JSON bytes — one indexed query, none when cached — or None
    for an unknown id, a taken-down title or one ``policy`` hides. The cache keeps the facts a
    policy looks at beside the body."""
    key = title_cache_key(short_id)
    cached = cache.get(key)
    if cached is None:
        if not _SHORT_ID.match(short_id):
            return None
        # The stored JSON as text: no decode and re-encode on the way through.
        row = (
            public_titles()
            .filter(short_id=short_id)
            .values_list(Cast("document", output_field=TextField()), *FACT_FIELDS)
            .first()
        )
        if row is None:
            return None
        cached = (row[0].encode(), facts_from_row(row[1:]))
        cache.set(key, cached, settings.TITLE_CACHE_TIMEOUT)
    body, facts = cached
    return body if policy.admits(facts) else None


# As nginx answers it from the edge (deploy/nginx.conf.template): browsers and CDNs may keep it
# but revalidate every time — a takedown must not outlive a cache.
DOCUMENT_CACHE_CONTROL = "public, no-cache"


def document_answer(body: bytes, if_none_match: str) -> tuple[int, dict[str, str]]:
    """The status (200, or 304 when the client holds this body) and the headers of a title
    document's answer: the API view's and the lean door's (``tenants.door``)."""
    etag = f'"{hashlib.md5(body, usedforsecurity=False).hexdigest()}"'
    headers = {"ETag": etag, "Cache-Control": DOCUMENT_CACHE_CONTROL}
    held = [t.strip() for t in if_none_match.split(",")]
    return (304 if etag in held else 200), headers


_TITLE_LINK = re.compile(r"/title/([0-9A-Za-z]{7})(?:[/?#]|$)")
TMDB_LINK = re.compile(r"themoviedb\.org/(movie|tv)/(\d{1,9})")
_TMDB_ID = re.compile(r"^(?:tmdb_?)?(\d{1,9})$")


def title_by_reference(ref: str) -> Title | None:
    """The title an admin names: a short id, a link to its page (``…/title/<short_id>``), a
    TMDB id (``550`` or ``tmdb_550``; a movie before a series) or a TMDB link. Banned titles
    included (the admin commands work on them too)."""
    ref = ref.strip()
    link = _TITLE_LINK.search(ref)
    if link or _SHORT_ID.match(ref):
        found = Title.objects.filter(short_id=link.group(1) if link else ref).first()
        if found is not None or link:
            return found
    tmdb_link = TMDB_LINK.search(ref)
    if tmdb_link:
        kind = MediaType.MOVIE if tmdb_link.group(1) == "movie" else MediaType.SERIES
        return Title.objects.filter(media_type=kind, tmdb_id=int(tmdb_link.group(2))).first()
    tmdb_id = _TMDB_ID.match(ref)
    if tmdb_id:
        return (
            Title.objects.filter(tmdb_id=int(tmdb_id.group(1)))
            .order_by("media_type")  # "movie" < "series"
            .first()
        )
    return None


def _corrections(words: list[str]) -> dict[str, list[str]]:
    """Each word with the catalog words nearest to it by trigram distance (a GiST KNN scan of
    catalog_search_word per word, one query in all): "avngers" → ["avngers", "avengers"]."""
    found = {w: [w] for w in words}
    if not words:
        return found
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT q.w, c.word FROM unnest(%s::text[]) AS q(w) CROSS JOIN LATERAL ("
            " SELECT word, similarity(word, q.w) AS sim FROM catalog_search_word"
            " ORDER BY word <-> q.w LIMIT %s) c WHERE c.sim >= %s",
            [words, CORRECTIONS_PER_WORD, CORRECTION_MIN_SIMILARITY],
        )
        for word, correction in cursor.fetchall():
            if correction not in found[word]:
                found[word].append(correction)
    return found


def _fuzzy_tsquery(cleaned: str) -> str:
    """A to_tsquery expression: the query's significant words, each as itself or one of its
    corrections; with four words or more one in four may be missing, so a word mangled
    beyond recognition does not hide the title. "avngers endgme" →
    "((avngers | avengers) & (endgme | endgame))"."""
    words = list(dict.fromkeys(cleaned.split()))
    significant = [w for w in words if len(w) >= FUZZY_MIN_WORD] or words
    significant = sorted(significant, key=len, reverse=True)[:FUZZY_MAX_WORDS]
    need = len(significant) - len(significant) // 4
    # Numbers are years or sequel numbers: "2001" must not widen to 2011 and 2021.
    alternatives = _corrections(
        [w for w in significant if len(w) >= FUZZY_MIN_WORD and w.isalpha()]
    )

    def term(word: str) -> str:
        return "(" + " | ".join(alternatives.get(word, [word])) + ")"

    return " | ".join(
        "(" + " & ".join(map(term, combo)) + ")" for combo in combinations(significant, need)
    )


def title_search(qs: QuerySet[Title], query: str) -> QuerySet[Title]:
    """Ranked, typo-tolerant search. PostgreSQL: most words of the query, each as typed or
    corrected to a near word of the catalog, in the title, genres or year (full text), or, for
    queries of one or two words, the query similar to a stretch of the clean title (pg_trgm
    word similarity); "avngers endgme" finds "Avengers: Endgame". Titles holding every word as
    typed rank first, then by trigram similarity to the whole title. SQLite: every word must
    appear in the title, genres or year.

    Cost follows the number of matches, not the size of the catalog: one small KNN query
    corrects the words, then each condition is one GIN index scan (title_search_fts_idx on the
    stored tsvector, title_clean_trgm_idx on clean_title). Filtering by whole-title trigram
    similarity (``%``), as before, made PostgreSQL recheck thousands of rows that merely share
    common trigrams (300 ms at 100,000 titles)."""
    cleaned = clean_title(query)
    if not cleaned:
        return qs
    if connection.vendor != "postgresql":
        for word in cleaned.split():
            qs = qs.filter(search_text__icontains=word)
        return qs.order_by("-rating", "id")
    fuzzy = RawSQL(
        f"{_TSVECTOR} @@ to_tsquery('simple', %s)",
        [_fuzzy_tsquery(cleaned)],
        output_field=BooleanField(),
    )
    every_word_bonus = RawSQL(  # every word as typed outranks any fuzzy match
        f"({_TSVECTOR} @@ plainto_tsquery('simple', %s))::int", [cleaned], output_field=FloatField()
    )
    condition = Q(fuzzy)
    if len(cleaned.split()) <= WHOLE_QUERY_TRIGRAM_MAX_WORDS:
        condition |= Q(clean_title__trigram_word_similar=cleaned)
    return (
        qs.filter(condition)
        .annotate(
            search_rank=every_word_bonus
            + Greatest(
                TrigramSimilarity("clean_title", cleaned),
                TrigramWordSimilarity(cleaned, "clean_title"),
            )
        )
        .order_by(F("search_rank").desc(), F("rating").desc(nulls_last=True), "id")
    )


def title_cards(
    *,
    policy: CatalogPolicy = OPEN,
    order: str = "-created_at",
    genre: str = "",
    limit: int = 12,
    watched_only: bool = False,
) -> list[dict]:
    """Cards for a row of the home page (newest, top rated, most watched, a genre): one
    query. ``watched_only``: titles someone has played."""
    titles = public_titles().filter(policy.q(), status=TitleStatus.AVAILABLE)
    if genre:
        titles = titles.filter(genres__slug=genre)
    if watched_only:
        titles = titles.filter(views__gt=0)
    field = order.lstrip("-")
    ordered = F(field).desc(nulls_last=True) if order.startswith("-") else F(field).asc()
    return list(titles.order_by(ordered, "-id").values_list("card", flat=True)[:limit])
