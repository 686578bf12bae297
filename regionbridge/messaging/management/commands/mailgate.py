import asyncio
import logging
import signal
import sys

from django.conf import settings
from django.core.management.base import BaseCommand

from regionbridge.messaging.inbound import ADDRESS, SECURITY, is_transient, receive

EX_TEMPFAIL = 75  # sysexits: tells Postfix/Exim to try again later
EX_NOPERM = 77  # sysexits: tells Postfix/Exim to bounce a refused message
# Refusals about who sent the mail (5.7.x) or the reply address it was sent to (5.1.x): from a
# pipe, dropped rather than bounced, for the envelope sender is then often forged.
DEFERRED = "451 4.3.0 Temporary failure, try again later"
UNREADABLE = "550 5.6.0 Refused: message cannot be read"
TOO_BIG = "552 5.3.4 Refused: message too big"
logger = logging.getLogger(__name__)


def _answer(raw: bytes, sender: str, recipients: list[str]) -> tuple[bool | None, str]:
    """(accepted, SMTP reply); accepted is None when the sender should try again later.

    Never an e-mail back: over SMTP a refusal is only this answer, which the sender's own server
    turns into a bounce for its user (and which a forger, who sent from elsewhere, never sees).
    From a pipe, see `_dropped_in_a_pipe`."""
    if len(raw) > settings.MAILGATE_MAX_BYTES:
        return False, TOO_BIG
    try:
        outcome = receive(raw, envelope_sender=sender, envelope_recipients=recipients)
    except Exception as exc:
        if is_transient(exc):  # a busy database must not lose the reply: let the sender retry
            logger.warning("mailgate deferred a message: %r", exc)
            return None, DEFERRED
        logger.exception("mailgate could not process a message")  # receive() failed to refuse
        return False, UNREADABLE
    return outcome.accepted, outcome.smtp_reply


def _dropped_in_a_pipe(reply: str) -> bool:
    """Whether `--stdin` drops this refusal (exit 0) rather than have the MTA bounce it (77).

    A pipe runs after the MTA accepted the mail, so a refusal there becomes a bounce to the
    envelope sender: for a forged sender or a made-up reply address (5.7.1, 5.1.1) that bounce
    goes to an innocent third party (backscatter). Those refusals are logged and audited (and an
    account holder's reply is held) as over SMTP, and the mail is dropped. An expired address
    from a sender who is who they say (5.1.6), and a content refusal (5.6.0, 5.3.4) of mail that
    got that far, still bounce: the sender must learn that their reply did not arrive."""
    code, _, rest = reply.partition(" ")
    return code.startswith("5") and rest.partition(" ")[0] in (SECURITY, ADDRESS)


class Handler:
    async def handle_DATA(self, server, session, envelope):
        _accepted, reply = await asyncio.to_thread(
            _answer,
            envelope.original_content or envelope.content,
            envelope.mail_from or "",
            list(envelope.rcpt_tos),
        )
        return reply


class Command(BaseCommand):
    help = (
        "Receive replies by e-mail: an SMTP server (aiosmtpd) on MAILGATE_HOST:MAILGATE_PORT, or "
        "--stdin to read one message from standard input (for a Postfix/Exim pipe, with the "
        "envelope in --sender and --recipient). With --stdin, exit 0 is delivered or dropped "
        "(a refused sender or reply address: no bounce), 75 try later, 77 bounce."
    )

    def add_arguments(self, parser):
        parser.add_argument("--stdin", action="store_true", help="read one message from stdin")
        parser.add_argument(
            "--sender", default="", help="with --stdin: the envelope sender (Postfix ${sender})"
        )
        parser.add_argument(
            "--recipient",
            action="append",
            default=[],
            help="with --stdin: an envelope recipient (Postfix ${original_recipient}); repeatable",
        )
        parser.add_argument("--host", default=settings.MAILGATE_HOST)
        parser.add_argument("--port", type=int, default=settings.MAILGATE_PORT)

    def handle(self, *args, stdin, sender, recipient, host, port, **options):
        if stdin:
            raw = sys.stdin.buffer.read(settings.MAILGATE_MAX_BYTES + 1)
            accepted, reply = _answer(raw, sender, recipient)
            if accepted is None:
                self.stderr.write(reply)
                sys.exit(EX_TEMPFAIL)
            if not accepted and _dropped_in_a_pipe(reply):
                # Exit 0: the MTA delivers nothing and bounces nothing (no backscatter).
                self.stderr.write(f"dropped, not bounced: {reply}")
                return
            # Postfix shows what a pipe command prints in the bounce it sends to the sender.
            self.stdout.write(reply)
            if not accepted:
                sys.exit(EX_NOPERM)
            return
        from aiosmtpd.controller import Controller

        controller = Controller(
            Handler(), hostname=host, port=port, data_size_limit=settings.MAILGATE_MAX_BYTES
        )
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
