"""Invitations by e-mail, each with its calendar file (`calendar`), sent by the worker.

TODO(H2): being written in this session.
"""

from django.db import transaction

from regionbridge.meetings.models import Meeting


def send_on_commit(meeting: Meeting, *, only: set | None = None, cancel: bool = False) -> None:
    """After commit, queue the invitation (or, with `cancel`, the cancellation) of `meeting`
    for every invitee, or for `only` ({("u", user_id), ("g", guest_email)})."""
    transaction.on_commit(lambda: None)
