"""web: the site people use — server-rendered pages (home, search, title, player, series,
reader, account, live, and the production studio under /studio/) with small JavaScript
modules (no build step) over the public API. Pages read
through the apps' selectors; everything a visitor does goes through the API and its services.
On a tenant domain the pages wear the tenant's brand and catalog policy. Top layer: nothing
imports it.

May import: every app below it (selectors, services, policy).
"""
