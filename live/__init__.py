"""live: creators going live from OBS over RTMP, viewers watching HLS (seed 004; issue 16).

Owns: ``Creator`` (a user's channel: name, images, links, cached stats, the hashed stream key,
soft delete and admin block), ``Category``, ``Stream`` (LIVE / OFFLINE / SCHEDULED, the seed's
performance cache), ``Follow`` and ``StreamLike`` (unique pairs), the services in
``live.services`` and nginx-rtmp's callbacks (``/api/live/rtmp/…``, loopback only).

May import: ``ingest`` (recordings become titles), ``jobs``, ``vault``, ``accounts``,
``catalog``, ``core``.
"""
