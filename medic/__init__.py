"""medic: reports, link health, the repair loop and takedowns (docs/design.md).

Uses only the public functions of ingest, vault and jobs (``medic.integrations``); writes its
audit rows through ``core.audit``.

May import: ``ingest``, ``swarm``, ``vault``, ``jobs``, ``accounts``, ``catalog``, ``core``.
Imported by: bot, web.
"""
