"""tenants: white-label sites on their own domains (seed 001, "tenants (B2B / Franchise)";
DESIGN §3).

Owns: ``Tenant`` (brand, catalog policy, plan and billing state, add-ons, cached stats),
``TenantDomain`` (normalised domains, one primary), ``Payment``; host → site resolution from an
in-process table reloaded through a version key (``tenants.resolve``); suspend and reinstate
(``tenants.services``, audited) and the admin. Not yet: the request middleware, ``/api/site/``,
policy on every endpoint, billing states, capacity tiers, stats (issue 13).

May import: ``catalog``, ``accounts``, ``core``.
"""
