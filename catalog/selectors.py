"""Catalog reads used by more than one caller: the public queryset and search."""

from __future__ import annotations

from django.contrib.postgres.search import TrigramSimilarity, TrigramWordSimilarity
from django.db import connection
from django.db.models import BooleanField, F, FloatField, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.db.models.functions import Greatest

from .models import Title, TitleStatus
from .text import clean_title

# Must match the expression of the index made in migration 0002, or PostgreSQL won't use it.
_TSVECTOR = "to_tsvector('simple', catalog_title.search_text)"


def public_titles() -> QuerySet[Title]:
    """What the public API may show: everything but banned titles (a takedown leaves no
    trace)."""
    return Title.objects.exclude(status=TitleStatus.BANNED)


def title_search(qs: QuerySet[Title], query: str) -> QuerySet[Title]:
    """Ranked, typo-tolerant search. PostgreSQL: full-text on title, genres and year, or trigram
    similarity of the clean title ("avngers endgme" finds "Avengers: Endgame"), best first.
    SQLite: every word of the query must appear in the title, genres or year."""
    cleaned = clean_title(query)
    if not cleaned:
        return qs
    if connection.vendor != "postgresql":
        for word in cleaned.split():
            qs = qs.filter(search_text__icontains=word)
        return qs.order_by("-rating", "id")
    fts = RawSQL(
        f"{_TSVECTOR} @@ plainto_tsquery('simple', %s)", [cleaned], output_field=BooleanField()
    )
    fts_rank = RawSQL(
        f"ts_rank({_TSVECTOR}, plainto_tsquery('simple', %s))", [cleaned], output_field=FloatField()
    )
    return (
        qs.filter(
            Q(fts)
            | Q(clean_title__trigram_similar=cleaned)
            | Q(clean_title__trigram_word_similar=cleaned)
        )
        .annotate(
            search_rank=Greatest(
                fts_rank + 0.5,  # a full word match outranks any fuzzy one
                TrigramSimilarity("clean_title", cleaned),
                TrigramWordSimilarity(cleaned, "clean_title"),
            )
        )
        .order_by(F("search_rank").desc(), F("rating").desc(nulls_last=True), "id")
    )
