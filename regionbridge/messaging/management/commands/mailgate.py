import asyncio
import signal
import sys

from django.conf import settings
from django.core.management.base import BaseCommand

from regionbridge.messaging.inbound import receive

EX_NOPERM = 77  # sysexits: tells Postfix/Exim to bounce a refused message


class Handler:
    async def handle_DATA(self, server, session, envelope):
        outcome = await asyncio.to_thread(receive, envelope.original_content or envelope.content)
        if outcome.accepted:
            return "250 Message accepted"
        return f"550 Refused: {outcome.reason}"


class Command(BaseCommand):
    help = (
        "Receive replies by e-mail: an SMTP server (aiosmtpd) on MAILGATE_HOST:MAILGATE_PORT, or "
        "--stdin to read one message from standard input (for a Postfix/Exim pipe)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--stdin", action="store_true", help="read one message from stdin")
        parser.add_argument("--host", default=settings.MAILGATE_HOST)
        parser.add_argument("--port", type=int, default=settings.MAILGATE_PORT)

    def handle(self, *args, stdin, host, port, **options):
        if stdin:
            outcome = receive(sys.stdin.buffer.read())
            self.stdout.write(("accepted: " if outcome.accepted else "refused: ") + outcome.reason)
            if not outcome.accepted:
                sys.exit(EX_NOPERM)
            return
        from aiosmtpd.controller import Controller

        controller = Controller(Handler(), hostname=host, port=port)
        controller.start()
        self.stdout.write(f"mailgate listening on {host}:{port}")
        stop = asyncio.Event()
        loop = asyncio.new_event_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        try:
            loop.run_until_complete(stop.wait())
        finally:
            controller.stop()
