"""The staff groups: Editors run the catalog; Moderators work reports, comments and users'
bans. A data migration creates them; ``groups_sync`` (run after every ``migrate``) grants the
permissions of models that exist by then, so models added later (medic's Report, community's
Comment) join the groups without another migration."""

from __future__ import annotations

from typing import Any

EDITORS = "Editors"
MODERATORS = "Moderators"

# group → [(app_label, model or None for the whole app, codename prefixes or None for all)]
GROUP_PERMISSIONS: dict[str, list[tuple[str, str | None, tuple[str, ...] | None]]] = {
    EDITORS: [("catalog", None, None)],
    MODERATORS: [
        ("medic", "report", None),
        # What a moderator needs to judge a report: the checks, repairs and the audit trail.
        *[("medic", m, ("view_",)) for m in ("linkcheck", "repair", "repairattempt")],
        ("core", "auditentry", ("view_",)),
        ("community", "comment", ("view_", "moderate_")),
        ("community", "commentflag", ("view_",)),
        ("catalog", "title", ("view_",)),
        ("accounts", "user", ("view_", "ban_")),
    ],
}


def groups_sync(apps: Any = None, **_: Any) -> None:
    """Create the groups if missing and grant them every listed permission that exists.
    Idempotent; only adds permissions, so a permission an admin granted by hand stays."""
    if apps is None:
        from django.apps import apps as global_apps

        apps = global_apps
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, rules in GROUP_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=name)
        wanted = []
        for app_label, model, prefixes in rules:
            perms = Permission.objects.filter(content_type__app_label=app_label)
            if model is not None:
                perms = perms.filter(content_type__model=model)
            wanted += [
                p.pk
                for p in perms.only("pk", "codename")
                if prefixes is None or p.codename.startswith(prefixes)
            ]
        if wanted:
            group.permissions.add(*wanted)
