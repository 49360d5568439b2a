"""Full-text search on project titles and character names (PostgreSQL GIN indexes over
``to_tsvector('simple', …)``, the expression ``studio.selectors`` queries; a no-op on SQLite,
which searches by substring), and the subscription tiers made from ``STUDIO_TIERS``."""

from django.conf import settings
from django.db import migrations

FORWARD = [
    "CREATE INDEX IF NOT EXISTS studio_project_title_fts ON studio_project "
    "USING gin (to_tsvector('simple', title))",
    "CREATE INDEX IF NOT EXISTS studio_character_name_fts ON studio_character "
    "USING gin (to_tsvector('simple', name))",
]
BACKWARD = [
    "DROP INDEX IF EXISTS studio_character_name_fts",
    "DROP INDEX IF EXISTS studio_project_title_fts",
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for sql in statements:
            schema_editor.execute(sql)

    return run


def tiers(apps, schema_editor):
    Tier = apps.get_model("studio", "Tier")
    known = {f.name for f in Tier._meta.get_fields()}
    for name, limits in settings.STUDIO_TIERS.items():
        # Only the fields this migration's Tier has (later ones are set by theirs).
        defaults = {k: v for k, v in limits.items() if k in known}
        Tier.objects.get_or_create(name=name, defaults=defaults)


class Migration(migrations.Migration):
    dependencies = [("studio", "0001_initial")]

    operations = [
        migrations.RunPython(_run(FORWARD), _run(BACKWARD)),
        migrations.RunPython(tiers, migrations.RunPython.noop),
    ]
