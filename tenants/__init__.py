"""tenants: white-label sites on their own domains (docs/design.md).

Owns: ``Tenant`` (brand, catalog policy, plan and billing state, add-ons, cached stats),
``TenantDomain`` (normalised domains, one primary), ``Payment``, ``TenantDailyStats``,
``LogCursor``; host → site resolution from an in-process table reloaded through a version key
(``tenants.resolve``), which also admits the tenants' domains in ``ALLOWED_HOSTS``
(``core.hosts``); ``TenantMiddleware`` (``request.site``, the site's ``catalog_policy`` and
``site_limits`` for the doors below, a suspended tenant's one error, visitors counted);
traffic meters (``tenants.traffic``: visitors, bytes, ad clicks in Redis; ``tenants.nginxlog``:
bytes nginx sent itself); the roll-up into daily rows and month figures (``tenants.stats``);
the billing clock, payments, suspend and reinstate (``tenants.services``, audited); periodic
tasks (``tenants.tasks``); ``GET /api/site/``; the admin with its dashboard; the lean door for
the title document in the web process (``tenants.door``, the middleware's checks without the
rest of the stack). docs/tenants.md.

May import: ``catalog``, ``accounts``, ``core``.
"""
