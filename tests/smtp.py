"""A real SMTP server on 127.0.0.1 (aiosmtpd), on a free port, that keeps what it receives."""

from __future__ import annotations

import email
import email.policy
import socket
import threading
import time

from aiosmtpd.controller import Controller


class _Handler:
    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        message["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
        with self.lock:
            self.messages.append(message)
        return "250 OK"


def _free_port(host: str) -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


class SMTPServer:
    def __init__(self, host: str = "127.0.0.1"):
        self.host = host
        self.port = _free_port(host)
        self.handler = _Handler()
        self.controller = Controller(self.handler, hostname=host, port=self.port)

    def start(self) -> None:
        self.controller.start()

    def stop(self) -> None:
        self.controller.stop()

    def clear(self) -> None:
        with self.handler.lock:
            self.handler.messages.clear()

    def messages(self, to: str | None = None) -> list:
        with self.handler.lock:
            found = list(self.handler.messages)
        if to is not None:
            found = [m for m in found if to.lower() in m["X-Envelope-To"].lower()]
        return found

    def wait_for(self, to: str, count: int = 1, timeout: float = 5.0) -> list:
        """Messages for ``to``, once at least ``count`` arrived (delivery is synchronous
        at commit, so this rarely waits)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.messages(to)
            if len(found) >= count:
                return found
            time.sleep(0.02)
        return self.messages(to)
