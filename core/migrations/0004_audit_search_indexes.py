"""The audit log's search (the admin's case-insensitive "contains" over who, what and why, and
the object id) served by indexes on PostgreSQL: pg_trgm GIN indexes on the upper-cased text —
the expression Django's ``icontains`` compares — and a B-tree on the object id. On SQLite this
is a no-op."""

from django.db import migrations

COLUMNS = ("target_repr", "actor_repr", "reason")
FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    *(
        f"CREATE INDEX IF NOT EXISTS audit_{c}_trgm_idx ON medic_auditentry "
        f"USING gin ((UPPER({c}::text)) gin_trgm_ops)"
        for c in COLUMNS
    ),
    "CREATE INDEX IF NOT EXISTS audit_target_id_idx ON medic_auditentry (target_id)",
]
BACKWARD = [
    "DROP INDEX IF EXISTS audit_target_id_idx",
    *(f"DROP INDEX IF EXISTS audit_{c}_trgm_idx" for c in COLUMNS),
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for sql in statements:
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("core", "0003_live_alerts")]

    operations = [migrations.RunPython(_run(FORWARD), _run(BACKWARD))]
