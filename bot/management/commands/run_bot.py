"""``python manage.py run_bot``: run the Manager bot (long-running; stop with Ctrl-C/SIGTERM)."""

from __future__ import annotations

import asyncio

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from bot import fake, handlers
from bot.client import BotNotConfigured, bot_client


class Command(BaseCommand):
    help = "Run the Telegram Manager bot (docs/bot.md): user and admin commands, channel buttons."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--poll", type=float, default=5.0, help="Seconds between looks at a followed job"
        )
        parser.add_argument(
            "--follow-timeout",
            type=float,
            default=2 * 3600.0,
            help="Stop following a job after this many seconds",
        )

    def handle(self, *args, poll: float, follow_timeout: float, **opts) -> None:

        handlers.FOLLOW.update(poll_seconds=poll, timeout_seconds=follow_timeout)
        if settings.TELEGRAM_GATEWAY == "fake":
            if not settings.REDIS_URL:
                raise CommandError(
                    "The fake gateway's bot reads its updates from Redis (REDIS_URL)."
                )
            self.stdout.write("Manager bot running on the fake gateway (bot:fake:inbox)")
            asyncio.run(fake.run())
            return
        try:
            client = bot_client()
        except BotNotConfigured as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write("Manager bot running (Ctrl-C to stop)")
        client.run()
