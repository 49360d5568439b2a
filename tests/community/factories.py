"""Comments made through the services, as the API makes them."""

from __future__ import annotations

from community import services
from community.models import Comment, ModerationStatus
from tests.factories import TitleFactory, UserFactory


def comment_on(title=None, *, user=None, body: str = "Nice film", **kw) -> Comment:
    title = title or TitleFactory()
    target = services.target_resolve(f"title:{title.short_id}")
    return services.comment_create(user=user or UserFactory(), target=target, body=body, **kw)


def held_comment() -> Comment:
    comment = comment_on()
    Comment.objects.filter(pk=comment.pk).update(
        moderation_status=ModerationStatus.FLAGGED, held_reason="flagged by visitors"
    )
    comment.refresh_from_db()
    return comment
