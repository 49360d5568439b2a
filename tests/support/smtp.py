"""A real SMTP server on loopback (aiosmtpd) for the tests: Django's SMTP backend sends to it
over TCP, and the test reads what arrived."""

from __future__ import annotations

import email
import re
import time
from email.message import Message

from aiosmtpd.controller import Controller


class Inbox:
    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server, session, envelope) -> str:
        message = email.message_from_bytes(envelope.content)
        message["X-Rcpt-To"] = ", ".join(envelope.rcpt_tos)
        self.messages.append(message)
        return "250 Message accepted for delivery"

    def wait(self, count: int = 1, timeout: float = 10) -> list[Message]:
        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(self.messages) >= count, f"{len(self.messages)} mails arrived, not {count}"
        return self.messages

    def link(self, index: int = -1) -> str:
        body = self.messages[index].get_payload(decode=True).decode()
        found = re.search(r"https?://\S+/", body)
        assert found, body
        return found.group(0)


def smtp_start(port: int) -> tuple[Controller, Inbox]:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    return controller, inbox
