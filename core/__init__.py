"""core: the records every app writes and nobody owns alone.

Owns: the moderation audit log (``AuditEntry``, ``core.audit.audit_record``), the admins'
alerts (``AdminAlert``, ``core.alerts.alert_raise`` and the ``core.signals.admin_alert``
signal), the base of every admin page, which audits every change made through it
(``core.admin_audit``), and the read-only admin base for system-written records
(``core.admin``); and the small shared pieces of the API and the infrastructure: the one
error shape (``errors``), pagination, bounded parsing (``parsing``), strict request fields
(``fields``) and the cross-field rules the schema states (``schema``), the Redis client and
breaker (``redis``, ``cache``), task sending on commit (``queue``) and tagged refs (``refs``).

May import: Django and third-party libraries only — nothing of ours. Every other app may import
it.
"""
