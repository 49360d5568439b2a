"""``python manage.py swarm_login``: log a Telegram account in (phone, code, 2FA password)
and store its session string encrypted on a Worker. The session is never printed."""

from __future__ import annotations

import asyncio
import getpass

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from swarm.models import Worker, WorkerRole
from swarm.telegram.gateway import PasswordNeeded, TelegramError, get_gateway_class
from swarm.workers import worker_set_session


class Command(BaseCommand):
    help = "Create or refresh a worker account's session interactively."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--name", help="Worker name (asked if missing)")
        parser.add_argument("--phone", help="Phone number in international form")
        parser.add_argument("--role", choices=WorkerRole.values, default=WorkerRole.INGEST)
        parser.add_argument("--api-id", type=int, default=None)
        parser.add_argument("--api-hash", default=None)
        parser.add_argument("--proxy", default="", help="socks5://user:pass@host:port")

    def _ask(self, prompt: str, *, secret: bool = False) -> str:
        value = getpass.getpass(prompt) if secret else input(prompt)
        return value.strip()

    def handle(self, *args, **opts) -> None:
        name = opts["name"] or self._ask("Worker name: ")
        phone = opts["phone"] or self._ask("Phone (+123…): ")
        api_id = opts["api_id"] or settings.TELEGRAM_API_ID
        api_hash = opts["api_hash"] or settings.TELEGRAM_API_HASH
        if not name or not phone:
            raise CommandError("a name and a phone number are needed")
        if settings.TELEGRAM_GATEWAY == "pyrogram" and not (api_id and api_hash):
            raise CommandError("set TELEGRAM_API_ID and TELEGRAM_API_HASH (my.telegram.org)")
        gateway = get_gateway_class(settings.TELEGRAM_GATEWAY)()
        loop = asyncio.new_event_loop()
        try:
            state = loop.run_until_complete(
                gateway.login_send_code(
                    phone=phone, api_id=api_id, api_hash=api_hash, proxy=opts["proxy"]
                )
            )
            code = self._ask("Code Telegram sent: ")
            try:
                session = loop.run_until_complete(gateway.login_code(state, code))
            except PasswordNeeded:
                password = self._ask("Two-step verification password: ", secret=True)
                session = loop.run_until_complete(gateway.login_password(state, password))
        except TelegramError as exc:
            raise CommandError(f"login failed: {exc}") from exc
        finally:
            loop.close()
        worker, created = Worker.objects.get_or_create(
            name=name, defaults={"phone": phone, "role": opts["role"], "api_id": api_id or None}
        )
        if not created:
            Worker.objects.filter(pk=worker.pk).update(phone=phone, role=opts["role"])
        worker_set_session(worker=worker, session_string=session, proxy=opts["proxy"] or None)
        verb = "created" if created else "updated"
        self.stdout.write(self.style.SUCCESS(f"worker {name} {verb}; session stored encrypted"))
