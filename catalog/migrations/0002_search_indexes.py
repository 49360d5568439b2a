"""Search indexes for PostgreSQL: pg_trgm on clean_title and a full-text GIN index on
search_text. One set of migrations serves both databases: on SQLite this is a no-op."""

from django.db import migrations

FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS title_clean_trgm_idx ON catalog_title "
    "USING gin (clean_title gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS title_search_fts_idx ON catalog_title "
    "USING gin (to_tsvector('simple', search_text))",
]
BACKWARD = [
    "DROP INDEX IF EXISTS title_search_fts_idx",
    "DROP INDEX IF EXISTS title_clean_trgm_idx",
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for sql in statements:
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("catalog", "0001_initial")]

    operations = [migrations.RunPython(_run(FORWARD), _run(BACKWARD))]
