"""accounts: users (Telegram and guest), roles, premium, referrals, progress, wishlist, magic
links, devices, the gatekeeper and stream URL signing (docs/design.md). Reads that other apps need
go in ``accounts.selectors``.

May import: ``catalog``, ``core``. Imported by: jobs' consumers, vault, swarm, ingest, medic,
bot.
"""
