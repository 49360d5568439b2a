from __future__ import annotations

import secrets

from django.db import migrations


# The groups' names as they were when this migration was written (a migration never imports
# live application code: accounts.groups may change). Their permissions are granted after every
# migrate by accounts.groups.groups_sync, once the permissions exist.
GROUPS = ("Editors", "Moderators")


def forwards(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for name in GROUPS:
        Group.objects.get_or_create(name=name)
    # AddField gave every existing user the same default secret; give each its own.
    User = apps.get_model("accounts", "User")
    for user in User.objects.only("pk"):
        User.objects.filter(pk=user.pk).update(auth_token_secret=secrets.token_hex(32))


def backwards(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Group.objects.filter(name__in=GROUPS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_user_fields_progress_wishlist"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
