"""core: the records every app writes and nobody owns alone.

Owns: the moderation audit log (``AuditEntry``, ``core.audit.audit_record``), the admins'
alerts (``AdminAlert``, ``core.alerts.alert_raise`` and the ``core.signals.admin_alert``
signal), and the read-only admin base for system-written records (``core.admin``).

May import: Django and third-party libraries only — nothing of ours. Every other app may import
it.
"""
