"""Every change made through the admin is audited — the object's form, each inline row added,
changed or deleted on its page, a deletion from its page or the bulk action — once, with the
user, the object and the fields before and after; and every model of ours is named right in the
admin's menus."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse
from django.utils import timezone
from unfold.forms import ActionForm

from catalog import services as catalog
from catalog.models import DownloadMirror, Genre, MediaFile
from core.admin_audit import HIDDEN, AuditedAdmin
from core.models import AuditEntry
from jobs.models import Job
from medic.models import Takedown
from tests.factories import StaffFactory, TitleFactory
from tests.medic.factories import stored_file

pytestmark = pytest.mark.django_db

OURS = {
    "accounts", "catalog", "community", "core", "ingest", "jobs", "live", "medic", "studio",
    "swarm", "tenants",
}  # fmt: skip


def test_every_admin_page_is_audited():
    """Ours, and the pages Django and third-party apps register (groups, the beat schedule)."""
    plain = [
        model._meta.label
        for model, model_admin in admin.site._registry.items()
        if not isinstance(model_admin, AuditedAdmin)
    ]
    assert plain == []


def test_every_action_form_is_the_themes():
    """The theme shows the list's Run button only for its own action form (a plain Django one
    leaves the creators' or users' actions with no button to press)."""
    plain = [
        model._meta.label
        for model, model_admin in admin.site._registry.items()
        if not issubclass(model_admin.action_form, ActionForm)
    ]
    assert plain == []


def test_every_model_is_named_right():
    """Django's default plural adds an "s": "wishlist entrys", "blocked hashs"."""
    wrong = [
        f"{m._meta.label}: {m._meta.verbose_name_plural}"
        for m in apps.get_models()
        if m._meta.app_label in OURS
        and str(m._meta.verbose_name_plural) == f"{m._meta.verbose_name}s"
        and re.search(r"([^aeiou]y|s|x|z|ch|sh)$", str(m._meta.verbose_name))
    ]
    assert wrong == []


def _form_data(response) -> dict[str, Any]:
    """What the change page would post back untouched: the form's and every inline's values."""
    form = response.context["adminform"].form
    data: dict[str, Any] = {}
    for name, field in form.fields.items():
        value = form[name].value()
        if value is None or field.disabled:
            continue
        data[name] = [str(v) for v in value] if isinstance(value, list | tuple) else value
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        prefix = formset.prefix
        data[f"{prefix}-TOTAL_FORMS"] = str(formset.total_form_count())
        data[f"{prefix}-INITIAL_FORMS"] = str(formset.initial_form_count())
        data[f"{prefix}-MIN_NUM_FORMS"] = "0"
        data[f"{prefix}-MAX_NUM_FORMS"] = "1000"
        for f in formset.initial_forms:
            for name in f.fields:
                value = f[name].value()
                if value is not None and not isinstance(value, bool):
                    data[f"{f.prefix}-{name}"] = value
                elif value is True:
                    data[f"{f.prefix}-{name}"] = "on"
    return data


def test_inline_rows_added_changed_and_deleted_are_each_audited(client):
    staff = StaffFactory()
    client.force_login(staff)
    media_file = stored_file(TitleFactory())
    catalog.mirrors_set(
        media_file=media_file,
        mirrors=[
            {"host": "keep", "url": "https://keep.example/a"},
            {"host": "drop", "url": "https://drop.example/b"},
        ],
    )
    keep, drop = DownloadMirror.objects.filter(media_file=media_file).order_by("id")
    url = reverse("admin:catalog_mediafile_change", args=[media_file.pk])
    page = client.get(url)
    data = _form_data(page)
    prefix = next(
        i.formset.prefix
        for i in page.context["inline_admin_formsets"]
        if i.formset.model is DownloadMirror
    )
    rows = {data[f"{prefix}-{n}-id"]: n for n in range(2)}
    data[f"{prefix}-{rows[keep.pk]}-status"] = "dead"
    data[f"{prefix}-{rows[drop.pk]}-DELETE"] = "on"
    data[f"{prefix}-TOTAL_FORMS"] = "3"
    data.update({f"{prefix}-2-host": "new", f"{prefix}-2-url": "https://new.example/c"})
    data[f"{prefix}-2-status"] = "active"
    data[f"{prefix}-2-media_file"] = str(media_file.pk)
    response = client.post(url, data)
    assert response.status_code == 302, response.context and response.context["errors"]

    assert DownloadMirror.objects.get(pk=keep.pk).status == "dead"
    assert not DownloadMirror.objects.filter(pk=drop.pk).exists()
    added = DownloadMirror.objects.get(host="new")
    entries = {
        (e.action, e.target_id): e
        for e in AuditEntry.objects.filter(target_type__model="downloadmirror")
    }
    assert set(entries) == {
        ("admin_change", str(keep.pk)),
        ("admin_delete", str(drop.pk)),
        ("admin_add", str(added.pk)),
    }
    changed = entries[("admin_change", str(keep.pk))]
    assert (changed.actor, changed.before, changed.after) == (
        staff,
        {"status": "active"},
        {"status": "dead"},
    )
    assert changed.reason.startswith("in the admin, on media file")
    assert entries[("admin_add", str(added.pk))].after["url"] == "https://new.example/c"
    assert "drop.example" in entries[("admin_delete", str(drop.pk))].before["object"]
    # Nothing of the file itself changed: no row for it.
    assert not AuditEntry.objects.filter(target_type__model="mediafile").exists()


def test_a_form_edit_a_page_delete_and_the_bulk_delete_are_audited_once(client):
    staff = StaffFactory()
    client.force_login(staff)
    genre = Genre.objects.create(name="Noir", slug="noir")
    url = reverse("admin:catalog_genre_change", args=[genre.pk])
    response = client.post(url, {"name": "Neo-noir", "slug": "neo-noir"})
    assert response.status_code == 302
    edit = AuditEntry.objects.get(action="admin_change")
    assert (edit.actor, edit.target_id, edit.before, edit.after) == (
        staff,
        str(genre.pk),
        {"name": "Noir", "slug": "noir"},
        {"name": "Neo-noir", "slug": "neo-noir"},
    )
    # Saved again unchanged: nothing to record.
    client.post(url, {"name": "Neo-noir", "slug": "neo-noir"})
    assert AuditEntry.objects.filter(action="admin_change").count() == 1

    delete = reverse("admin:catalog_genre_delete", args=[genre.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 302
    gone = AuditEntry.objects.get(action="admin_delete")
    assert (gone.actor, gone.target_id, gone.before) == (
        staff,
        str(genre.pk),
        {"object": "Neo-noir"},
    )

    two = [Genre.objects.create(name=n, slug=n.lower()) for n in ("Western", "Opera")]
    changelist = reverse("admin:catalog_genre_changelist")
    response = client.post(
        changelist,
        {"action": "delete_selected", ACTION_CHECKBOX_NAME: [g.pk for g in two], "post": "yes"},
    )
    assert response.status_code == 302 and not Genre.objects.filter(slug="opera").exists()
    assert sorted(
        AuditEntry.objects.filter(action="admin_delete").values_list("target_id", flat=True)
    ) == sorted([str(genre.pk), *(str(g.pk) for g in two)])


def test_a_change_an_audited_service_recorded_is_not_recorded_twice(client):
    """The title's own form goes through title_edit, which audits: one row, not two."""
    staff = StaffFactory()
    client.force_login(staff)
    title = TitleFactory(title="Old Name")
    url = reverse("admin:catalog_title_change", args=[title.pk])
    data = _form_data(client.get(url))
    data["title"] = "New Name"
    assert client.post(url, data).status_code == 302
    rows = list(AuditEntry.objects.filter(target_id=str(title.pk), target_type__model="title"))
    assert [r.action for r in rows] == ["title_edit"]


def test_secrets_are_recorded_as_changed_without_their_value(client):
    staff = StaffFactory()
    client.force_login(staff)
    user = StaffFactory(username="someone")
    url = reverse("admin:auth_user_password_change", args=[user.pk])
    response = client.post(
        url, {"password1": "a-Long-new-pass-42", "password2": "a-Long-new-pass-42"}
    )
    assert response.status_code == 302
    entry = AuditEntry.objects.get(target_id=str(user.pk), action="admin_change")
    assert set(entry.after.values()) <= {HIDDEN}
    assert "a-Long-new-pass-42" not in str(entry.before) + str(entry.after)


def test_the_file_list_queues_missing_renditions(client):
    """An MKV with AC3 audio needs a browser-playable copy: the action queues its job once."""
    staff = StaffFactory()
    client.force_login(staff)
    media_file = stored_file(TitleFactory())
    MediaFile.objects.filter(pk=media_file.pk).update(
        container="matroska", video_codec="h264", audio_codec="ac3"
    )
    url = reverse("admin:catalog_mediafile_changelist")
    data = {"action": "make_renditions", ACTION_CHECKBOX_NAME: [media_file.pk], "index": "0"}
    for _ in range(2):
        assert client.post(url, data).status_code == 302
    job = Job.objects.get(kind="rendition")
    assert job.payload["media_file_id"] == media_file.pk and job.created_by == staff


def test_an_unfinished_takedown_runs_again_from_its_list(
    client, django_capture_on_commit_callbacks
):
    staff = StaffFactory()
    client.force_login(staff)
    title = TitleFactory()
    media_file = stored_file(title)
    takedown = Takedown.objects.create(
        title=title,
        reason="DMCA",
        file_hashes=[media_file.file_hash],
        purge_results={media_file.file_hash: "error: nginx did not answer"},
        messages_results={media_file.file_hash: "deleted"},
        executed_at=timezone.now(),
    )
    done = Takedown.objects.create(title=TitleFactory(), reason="done", executed_at=timezone.now())
    url = reverse("admin:medic_takedown_changelist")
    data = {"action": "run_again", ACTION_CHECKBOX_NAME: [takedown.pk, done.pk], "index": "0"}
    with django_capture_on_commit_callbacks(execute=True) as sent:
        assert client.post(url, data).status_code == 302
    assert len(sent) == 1  # only the unfinished one is sent again
    takedown.refresh_from_db()
    assert takedown.purge_results == {media_file.file_hash: "disabled"}  # no nginx configured
