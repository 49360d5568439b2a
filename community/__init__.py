"""community: comments on titles, episodes and manga chapters — spoilers, timeline comments
tied to a video second, one level of replies, likes, flags and the moderators'
queue (docs/design.md).

Owns: ``Comment``, ``CommentLike``, ``CommentFlag``, ``CommunityMember`` (a user's reply
notifications and comment ban), the services in ``community.services``, ``/api/comments/``
and the moderation admin. Comments never touch the title document (they are frequent user
writes): counts are cached per target and invalidated on write.

May import: ``jobs`` (the reply DM is a NOTIFY_USER job), ``accounts``, ``catalog``, ``core``.
"""
