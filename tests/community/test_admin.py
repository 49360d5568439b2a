"""The moderators' queue in the admin: held comments first, bounded queries, and a Moderator
can open it and act (the actions' audit is covered by tests/core/test_audit_coverage.py)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from community.models import Comment
from tests.community.factories import comment_on, held_comment
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_the_queue_lists_held_comments_first_in_few_queries(client, django_assert_max_num_queries):
    moderator = UserFactory(is_staff=True)
    moderator.groups.add(Group.objects.get(name="Moderators"))
    client.force_login(moderator)
    for _ in range(5):
        comment_on()
    held = held_comment()
    for _ in range(5):
        comment_on()
    url = reverse("admin:community_comment_changelist")
    with django_assert_max_num_queries(12):
        response = client.get(url)
    assert response.status_code == 200
    listed = list(response.context["cl"].result_list)
    assert listed[0].pk == held.pk and len(listed) == Comment.objects.count()
    detail = client.get(reverse("admin:community_comment_change", args=[held.pk]))
    assert detail.status_code == 200 and b"flagged by visitors" in detail.content


def test_plain_staff_cannot_see_the_queue(client):
    client.force_login(UserFactory(is_staff=True))
    assert client.get(reverse("admin:community_comment_changelist")).status_code == 403
