"""ingest: how files enter the catalog (docs/design.md).

Owns: the pipeline (``ingest.pipeline``: one resumable Job of idempotent steps, each step a
module in ``ingest/steps/``) and its sources (a URL leech, a forwarded Telegram message, an
approved submission, a file on this machine); re-leech and re-copy repairs
(``ingest.repair``); TMDB matching; mirror uploads; blocked hashes (``ingest.blocked``);
crowdsourced submissions; season and chapter packs; manga chapters; the release broadcast and
wishlist notifications that follow a publish. Models: ``BlockedHash``, ``BlockedAttempt``,
``Submission``, ``Broadcast``.

May import: ``swarm`` (Telegram calls), ``vault``, ``jobs``, ``accounts``, ``catalog``, ``core``,
``media``. Imported by: medic, bot, web.
"""
