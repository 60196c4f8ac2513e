"""A real SMTP server on loopback (aiosmtpd) that keeps what it receives, for the
tests that send mail: the password reset and the email reminders.

The ports it tries are ``TEST_SMTP_PORTS`` (``first-last``), so that several test
runs on one machine each keep to their own range."""

import email
import os
import socket

from aiosmtpd.controller import Controller


def smtp_ports():
    first, _dash, last = os.environ.get("TEST_SMTP_PORTS", "18425-18449").partition("-")
    return range(int(first), int(last or first) + 1)


class Inbox:
    """The messages received, parsed (``email.message.Message``); addresses in
    ``refuse`` are refused at RCPT, as a real server refuses an unknown mailbox."""

    def __init__(self):
        self.messages = []
        self.refuse = set()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802 (aiosmtpd's hook name)
        if address in self.refuse:
            return "550 5.1.1 Mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 OK"


def free_port():
    for port in smtp_ports():
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) != 0:
                return port
    raise RuntimeError("no free port for the SMTP server")


def start(settings):
    """Start a server and point the app's mail settings at it; returns ``(inbox, controller)``."""
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.PASSWORD_RESET_ENABLED = True
    settings.PUBLIC_BASE_URL = "https://netralitas.example.go.id"
    return inbox, controller
