"""Search speed at 100,000 titles (measured by bench/api_read.py). PostgreSQL only; on SQLite
this is a no-op (search there is the icontains fallback).

1. ``catalog_title.search_vector``: a stored tsvector generated from search_text, so matching
   and ranking read it instead of running to_tsvector() on every candidate row. The full-text
   GIN index keeps its name from 0002 and is rebuilt on the column. PostgreSQL computes the
   column on every INSERT and UPDATE; it is not a model field and the services keep writing
   search_text as before.
2. ``catalog_search_word``: every word of every title's search text (kept by a statement-level
   trigger, never deleted), with a trigram GiST index. Search corrects each query word against
   this small table (nearest words by trigram distance), then runs one full-text query with
   the corrections; filtering titles by trigram similarity instead made PostgreSQL recheck
   thousands of rows that merely share common trigrams."""

from django.db import migrations

FORWARD = [
    "ALTER TABLE catalog_title ADD COLUMN IF NOT EXISTS search_vector tsvector "
    "GENERATED ALWAYS AS (to_tsvector('simple', search_text)) STORED",
    "DROP INDEX IF EXISTS title_search_fts_idx",
    "CREATE INDEX title_search_fts_idx ON catalog_title USING gin (search_vector)",
    "CREATE TABLE IF NOT EXISTS catalog_search_word (word text PRIMARY KEY)",
    "CREATE INDEX IF NOT EXISTS catalog_search_word_trgm_idx ON catalog_search_word "
    "USING gist (word gist_trgm_ops)",
    """
    CREATE OR REPLACE FUNCTION catalog_search_words_collect() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'INSERT' THEN
            INSERT INTO catalog_search_word (word)
            SELECT DISTINCT unnest(tsvector_to_array(n.search_vector)) FROM new_rows n
            ON CONFLICT DO NOTHING;
        ELSE
            INSERT INTO catalog_search_word (word)
            SELECT DISTINCT unnest(tsvector_to_array(n.search_vector))
            FROM new_rows n JOIN old_rows o ON o.id = n.id
            WHERE n.search_text IS DISTINCT FROM o.search_text
            ON CONFLICT DO NOTHING;
        END IF;
        RETURN NULL;
    END $$
    """,
    "DROP TRIGGER IF EXISTS catalog_title_words_insert ON catalog_title",
    "CREATE TRIGGER catalog_title_words_insert AFTER INSERT ON catalog_title "
    "REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT "
    "EXECUTE FUNCTION catalog_search_words_collect()",
    "DROP TRIGGER IF EXISTS catalog_title_words_update ON catalog_title",
    "CREATE TRIGGER catalog_title_words_update AFTER UPDATE ON catalog_title "
    "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT "
    "EXECUTE FUNCTION catalog_search_words_collect()",
    "INSERT INTO catalog_search_word (word) "
    "SELECT DISTINCT unnest(tsvector_to_array(search_vector)) FROM catalog_title "
    "ON CONFLICT DO NOTHING",
]
BACKWARD = [
    "DROP TRIGGER IF EXISTS catalog_title_words_update ON catalog_title",
    "DROP TRIGGER IF EXISTS catalog_title_words_insert ON catalog_title",
    "DROP FUNCTION IF EXISTS catalog_search_words_collect()",
    "DROP TABLE IF EXISTS catalog_search_word",
    "DROP INDEX IF EXISTS title_search_fts_idx",
    "ALTER TABLE catalog_title DROP COLUMN IF EXISTS search_vector",
    "CREATE INDEX IF NOT EXISTS title_search_fts_idx ON catalog_title "
    "USING gin (to_tsvector('simple', search_text))",
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for sql in statements:
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("catalog", "0003_chapter_pack")]

    operations = [migrations.RunPython(_run(FORWARD), _run(BACKWARD))]
