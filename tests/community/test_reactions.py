"""Likes (exact under concurrency, merged on login), flags and the moderators' decisions,
comment bans and the posting rate limits."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from rest_framework.test import APIClient

from accounts import services as accounts
from community import services
from community.models import Comment, CommentLike
from core.models import AuditEntry
from tests.community.conftest import target
from tests.community.factories import comment_on
from tests.factories import StaffFactory, TitleFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_likes_are_once_per_user_and_exact(api, member):
    comment = comment_on()
    url = f"/api/comments/{comment.pk}/like/"
    assert api.put(url).status_code == 204 and api.put(url).status_code == 204
    assert Comment.objects.get(pk=comment.pk).likes == 1
    assert api.delete(url).status_code == 204 and api.delete(url).status_code == 204
    assert Comment.objects.get(pk=comment.pk).likes == 0
    services.comment_delete(user=comment.user, comment=comment)
    assert api.put(url).status_code == 404  # a deleted comment takes no likes


@pytest.mark.django_db(transaction=True)
def test_eight_threads_liking_at_once_give_the_exact_count():
    comment = comment_on()
    users = [UserFactory() for _ in range(8)]
    barrier = threading.Barrier(8)

    def like(user) -> None:
        try:
            barrier.wait()
            for _ in range(3):  # each also retries: still one like per user
                services.like_add(user=user, comment=comment)
        finally:
            connection.close()

    threads = [threading.Thread(target=like, args=(u,)) for u in users]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert Comment.objects.get(pk=comment.pk).likes == 8
    assert CommentLike.objects.filter(comment=comment).count() == 8


def test_a_guests_likes_and_comments_follow_them_into_their_account(movie):
    guest = accounts.guest_create()
    user = UserFactory(kind="telegram")
    both = comment_on(movie)
    only_guest = comment_on(movie)
    services.like_add(user=guest, comment=both)
    services.like_add(user=user, comment=both)
    services.like_add(user=guest, comment=only_guest)
    own = comment_on(movie, user=guest, body="mine")
    accounts.guest_merge(guest=guest, into=user)
    assert Comment.objects.get(pk=own.pk).user == user
    assert Comment.objects.get(pk=both.pk).likes == 1  # never doubled
    assert Comment.objects.get(pk=only_guest.pk).likes == 1
    assert CommentLike.objects.filter(user=user).count() == 2


def test_flags_hold_a_comment_and_the_author_cannot_flag(api, member, settings):
    settings.COMMENT_FLAGS_TO_HIDE = 2
    comment = comment_on()
    url = f"/api/comments/{comment.pk}/flag/"
    assert api.post(url, {"reason": "spam"}, format="json").status_code == 204
    assert api.post(url, {"reason": "spam"}, format="json").status_code == 204  # once
    assert Comment.objects.get(pk=comment.pk).moderation_status == "active"
    other = APIClient()
    other.force_login(UserFactory())
    assert other.post(url, {"reason": "rude"}, format="json").status_code == 204
    assert Comment.objects.get(pk=comment.pk).moderation_status == "flagged"
    author = APIClient()
    author.force_login(comment.user)
    response = author.post(url, {"reason": "me"}, format="json")
    assert response.status_code == 403 and response.json()["error"]["code"] == "own_comment"
    assert api.post(url, {"reason": ""}, format="json").status_code == 400


def test_moderators_approve_remove_and_ban_with_an_audit_row(api, member):
    moderator = StaffFactory()
    comment = comment_on(body="rude words")
    services.flag_add(user=member, comment=comment, reason="rude")
    Comment.objects.filter(pk=comment.pk).update(moderation_status="flagged")
    assert services.comment_approve(comment=comment, actor=moderator) is True
    assert services.comment_approve(comment=comment, actor=moderator) is False  # idempotent
    assert services.comment_remove(comment=comment, actor=moderator, reason="rude") is True
    assert services.comment_remove(comment=comment, actor=moderator) is False
    removal = AuditEntry.objects.get(action="comment_remove")
    assert removal.before["body"] == "rude words" and removal.actor == moderator
    services.member_ban(user=member, days=7, actor=moderator, reason="rude")
    movie = TitleFactory()
    refused = api.post("/api/comments/", {"target": target(movie), "body": "hi"}, format="json")
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "comment_banned"
    liked = api.put(f"/api/comments/{comment_on().pk}/like/")
    assert liked.status_code == 403
    services.member_ban(user=member, days=0, actor=moderator)
    ok = api.post("/api/comments/", {"target": target(movie), "body": "hi"}, format="json")
    assert ok.status_code == 201
    assert AuditEntry.objects.filter(action__in=["comment_ban", "comment_unban"]).count() == 2


def test_posting_is_rate_limited_per_user_and_per_address(settings, movie):
    settings.COMMENT_RATE, settings.COMMENT_IP_RATE = "3/min", "5/min"
    body = {"target": target(movie), "body": "hi"}
    one = APIClient()
    one.force_login(UserFactory())
    responses = [one.post("/api/comments/", body, format="json") for _ in range(4)]
    assert [r.status_code for r in responses] == [201, 201, 201, 429]
    assert "Retry-After" in responses[-1]
    assert responses[-1].json()["error"]["code"] == "throttled"
    two = APIClient()
    two.force_login(UserFactory())  # a second account from the same address
    codes = [two.post("/api/comments/", body, format="json").status_code for _ in range(2)]
    assert codes == [201, 429]  # the address had 5 attempts, refused ones included
