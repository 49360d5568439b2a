"""tenants: white-label sites on their own domains (seed 001, "tenants (B2B / Franchise)";
DESIGN §3).

Owns: ``Tenant`` (brand, catalog policy, plan and billing state, add-ons, cached stats),
``TenantDomain`` (normalised domains, one primary), ``Payment``; host → site resolution from an
in-process table reloaded through a version key (``tenants.resolve``), which also admits the
tenants' domains in ``ALLOWED_HOSTS`` (``core.hosts``); ``TenantMiddleware`` (``request.site``,
a suspended tenant's one error); ``GET /api/site/``; suspend and reinstate
(``tenants.services``, audited) and the admin. Not yet: the catalog policy on every endpoint,
billing states, capacity tiers, traffic stats, demo tenants (issue 13).

May import: ``catalog``, ``accounts``, ``core``.
"""
