"""Reminders, each sent once by the worker: 24 hours and 1 hour before a meeting; before an
action's due date and when it is overdue.

TODO(H2): being written in this session.
"""

from django.db import transaction

from regionbridge.meetings.models import ActionItem, Meeting


def schedule_on_commit(meeting: Meeting) -> None:
    transaction.on_commit(lambda: None)


def schedule_action_on_commit(action: ActionItem) -> None:
    transaction.on_commit(lambda: None)
