"""``/api/studio/``: the studio's REST API. Views adapt HTTP to ``studio.services`` and read
through ``studio.policy``; a row the user may not read is a 404."""
