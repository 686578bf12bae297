"""What the people of a need and an offer read when the worker finds them a strong match.

The audience is the policy's (`policy.audience("match.found", match)`: the people of both posts
who may see both); the text is composed when shown, in the reader's language.
"""

from typing import Any

from django.utils.translation import gettext as _

from regionbridge.outbox.notifications import register_kind


def _found(params: dict[str, Any]) -> str:
    return _("A possible partner: the need “%(need)s” and the offer “%(offer)s” match well.") % {
        "need": params["need_title"],
        "offer": params["offer_title"],
    }


def register() -> None:
    """Called from MatchingConfig.ready."""
    register_kind("match.found", _found)
