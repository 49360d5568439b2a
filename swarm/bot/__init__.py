"""The Manager bot: the chat-side console for admins (DESIGN §7). A kurigram ``pyrogram.Client``
logged in with ``TELEGRAM_BOT_TOKEN`` — separate from the worker accounts — started by
``python manage.py run_bot``. Handlers (``handlers.py``) only adapt Telegram input and call the
services (``services.py``)."""
