import asyncio
import logging
import signal
import sys

from django.conf import settings
from django.core.management.base import BaseCommand

from regionbridge.messaging.inbound import receive

EX_TEMPFAIL = 75  # sysexits: tells Postfix/Exim to try again later
EX_NOPERM = 77  # sysexits: tells Postfix/Exim to bounce a refused message
logger = logging.getLogger(__name__)


class Handler:
    async def handle_DATA(self, server, session, envelope):
        try:
            outcome = await asyncio.to_thread(
                receive, envelope.original_content or envelope.content
            )
        except Exception:  # a busy database must not lose the reply: let the sender retry
            logger.exception("mailgate could not process a message")
            return "451 Temporary failure, try again later"
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
            try:
                outcome = receive(sys.stdin.buffer.read())
            except Exception:
                logger.exception("mailgate could not process a message")
                sys.exit(EX_TEMPFAIL)
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
