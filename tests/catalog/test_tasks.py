from __future__ import annotations

import pytest
from django.contrib.admin.sites import site
from django.test import RequestFactory

from catalog import admin as catalog_admin
from catalog.models import Title
from catalog.tasks import documents_rebuild
from tests.factories import StaffFactory, TitleFactory


@pytest.mark.django_db(transaction=True)
def test_documents_rebuild_on_a_real_worker(celery_worker):
    titles = [TitleFactory() for _ in range(3)]
    Title.objects.update(document={}, card={})
    result = documents_rebuild.delay([t.id for t in titles] + [999_999])  # a gone id is skipped
    assert result.get(timeout=60) == 3
    for t in Title.objects.all():
        assert t.document["short_id"] == t.short_id and t.card["short_id"] == t.short_id


@pytest.mark.django_db(transaction=True)
def test_admin_bulk_rebuild_enqueues_on_commit(celery_worker, monkeypatch):
    monkeypatch.setattr(catalog_admin, "REBUILD_INLINE_MAX", 1)
    titles = [TitleFactory() for _ in range(3)]
    Title.objects.update(document={}, card={})
    request = RequestFactory().post("/")
    request.user = StaffFactory()
    request._messages = type("M", (), {"add": lambda *a, **k: None})()
    model_admin = site._registry[Title]
    model_admin.rebuild_documents(request, Title.objects.filter(id__in=[t.id for t in titles]))
    import time

    deadline = time.monotonic() + 60
    while Title.objects.filter(document={}).exists():
        assert time.monotonic() < deadline, "worker did not rebuild the documents"
        time.sleep(0.2)
