"""Django signals of the swarm."""

from __future__ import annotations

from django.dispatch import Signal

# Sent after commit with ``alert=<AdminAlert>`` whenever an admin alert is raised
# (``swarm.media.ingest.admin_alert_raise``). The swarm's receiver (``swarm.handlers``) queues
# the post to the admin_alerts channel.
admin_alert = Signal()
