"""swarm: the Telegram accounts that move files (docs/design.md).

Owns: ``Worker`` (an account, its encrypted session, role, status, flood waits) and ``Channel``
(the chats it writes to); the gateways (kurigram, and the in-Redis fake that only tests and
``scripts/dev.sh`` choose); the per-process runtime holding the accounts' clients; least-busy
rotation with leases; the ``telegram`` vault backend (``swarm.storage.vault_entry``, registered in
``VAULT_BACKENDS``); channel posts and the admin-alert forwarder.

May import: ``vault``, ``jobs``, ``accounts``, ``catalog``, ``core``. Imported by: ingest,
medic, bot.
"""
