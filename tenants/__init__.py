"""tenants: white-label sites — domains, plans, billing and cached stats (DESIGN §3). Empty until
its issue lands.

May import: ``catalog``, ``accounts``, ``core``.
"""
