"""live: creators going live from OBS over RTMP, viewers watching HLS, chatting, following and
liking; every broadcast becomes a catalog title (docs/live.md).

Owns: ``Creator`` (a user's channel: name, pictures, links, cached stats, the hashed stream
key, soft delete and admin block), ``Category``, ``Stream`` (LIVE / OFFLINE / SCHEDULED,
the performance cache), ``Follow`` and ``StreamLike`` (unique pairs), ``ChatMessage`` and
``ChatBan``, ``StreamAnalytics``, ``StreamShare``, ``StreamReport`` (viewers' reports),
``PageSettings`` (privacy, terms); the services
(``services``, ``studio``, ``chat``, ``viewers``, ``images``, ``thumbnails``, ``reports``,
``approval``, ``mature``, ``cleanup``), nginx-rtmp's
callbacks (``/api/live/rtmp/…``), the HLS playlist door (``/live/hls/``), the API
(``/api/live/``), the chat's WebSocket consumer (``consumers``, mounted by
``streamvault.asgi``) and its beat tasks.

May import: ``ingest`` (recordings become titles; pictures into the vault), ``jobs``,
``vault``, ``accounts``, ``catalog``, ``core``, ``media`` (a thumbnail's frame).
"""
