from __future__ import annotations

import secrets

from django.db import migrations


def forwards(apps, schema_editor):
    from accounts.groups import groups_sync

    groups_sync(apps)
    # AddField gave every existing user the same default secret; give each its own.
    User = apps.get_model("accounts", "User")
    for user in User.objects.only("pk"):
        User.objects.filter(pk=user.pk).update(auth_token_secret=secrets.token_hex(32))


def backwards(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Group.objects.filter(name__in=["Editors", "Moderators"]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_user_fields_progress_wishlist"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
