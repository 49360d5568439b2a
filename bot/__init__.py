"""bot: the Manager bot, the chat-side console for admins and users (docs/design.md).

A kurigram ``pyrogram.Client`` logged in with ``TELEGRAM_BOT_TOKEN`` — separate from the worker
accounts — started by ``python manage.py run_bot``. Handlers only adapt Telegram input, call a
service of the app that owns the work, and reply.

May import: any app's services and selectors. Nothing imports bot.
"""
