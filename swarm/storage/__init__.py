"""Files stored as messages in Telegram storage channels: the swarm's vault backend.

Which module is which:

- ``vault_entry`` — ``TelegramStorage``, the ``telegram`` entry of ``VAULT_BACKENDS``: what
  ``vault.get_backend("telegram")`` returns in a process that holds no account. It hands puts to
  the ingest accounts (here or through the ``telegram`` queue), reads through the queue or the
  stream accounts, and queues deletes.
- ``accounts_here`` — ``RuntimeTelegramBackend``: the accounts this process holds (the
  ``telegram`` worker's ingest accounts, the ``stream`` process's stream accounts), one
  ``TelegramBackend`` each, taken in turn and skipped while flood-waited.
- ``account`` — ``TelegramBackend``: one account's reads (``upload.GetFile`` at byte offsets,
  file references refreshed) and uploads.
- ``queued`` — ``QueuedTelegram``: reading through the ``telegram`` queue (a Celery worker never
  starts accounts of its own).
- ``delete`` — deleting a storage message with a leased ingest account (a takedown's last step).
"""
