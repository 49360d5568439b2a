from __future__ import annotations

import pytest
from django.urls import reverse

from core.alerts import alert_raise as admin_alert_raise
from ingest.blocked import blocked_hash_add
from ingest.models import BlockedAttempt, BlockedHash
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    client.force_login(StaffFactory())
    return client


@pytest.fixture
def blocked():
    rows = []
    for n in range(4):
        b = blocked_hash_add(sha256=f"{n:064x}", reason=f"takedown {n}")
        for k in range(3):
            BlockedAttempt.objects.create(blocked=b, source=f"/in/{n}-{k}.mkv", size_bytes=k)
        admin_alert_raise(kind="blocked_hash", message=f"blocked {n}", payload={"n": n})
        rows.append(b)
    return rows


@pytest.mark.parametrize(
    "model", ["ingest_blockedhash", "ingest_blockedattempt", "core_adminalert"]
)
def test_changelists_bounded(staff_client, blocked, model, django_assert_max_num_queries):
    # 11: the page, the session, the user, the two-factor device check, the counts and rows.
    with django_assert_max_num_queries(11):
        response = staff_client.get(reverse(f"admin:{model}_changelist"))
    assert response.status_code == 200


def test_blocked_hash_change_form_lists_attempts(
    staff_client, blocked, django_assert_max_num_queries
):
    with django_assert_max_num_queries(15):
        response = staff_client.get(
            reverse("admin:ingest_blockedhash_change", args=[blocked[0].pk])
        )
    assert response.status_code == 200
    assert "/in/0-2.mkv" in response.content.decode()
    changelist = staff_client.get(reverse("admin:ingest_blockedhash_changelist"))
    assert [b.attempt_total for b in changelist.context["cl"].result_list] == [3, 3, 3, 3]


def test_add_blocked_hash_validates_and_uses_the_service(staff_client):
    url = reverse("admin:ingest_blockedhash_add")
    inline = {"attempts-TOTAL_FORMS": 0, "attempts-INITIAL_FORMS": 0}
    bad = staff_client.post(url, {"sha256": "not-a-hash", "reason": "x", **inline})
    assert bad.status_code == 200 and "64 hexadecimal" in bad.content.decode()
    good = staff_client.post(url, {"sha256": " " + "AB" * 32 + " ", "reason": "dmca", **inline})
    assert good.status_code == 302
    assert BlockedHash.objects.get().sha256 == "ab" * 32


def test_alerts_and_attempts_are_read_only(staff_client, blocked):
    assert staff_client.get(reverse("admin:core_adminalert_add")).status_code == 403
    assert staff_client.get(reverse("admin:ingest_blockedattempt_add")).status_code == 403
