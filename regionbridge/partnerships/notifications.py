"""Who waits for a partnership's paperwork is told: drafts submitted, returned, cleared and
signed, and next steps past their date. The audience is the policy's (`policy.audience`); the
texts are composed here, in the reader's language, from the params kept on each notification."""

from datetime import date
from typing import Any

from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from regionbridge import policy
from regionbridge.outbox.notifications import both, name, notify, register_kind
from regionbridge.partnerships.models import Document, InstrumentKind, Partnership


def _in_both(partnership: Partnership) -> dict[str, str]:
    names = {}
    for language in ("uk", "en"):
        with translation.override(language):
            names[language] = str(partnership)
    return names


def _document_params(document: Document) -> dict[str, Any]:
    return {
        "document": document.pk,
        "instrument": document.kind,
        "title": both(document.title_uk, document.title_en),
        "partnership": _in_both(document.partnership),
        "round": document.review_round,
    }


def document_notify(*, kind: str, document: Document, by: Any) -> int:
    """Tell the policy's audience of `kind` (document.submitted, returned, cleared, signed) about
    the document, all but the person who acted; once per document, event and review round."""
    return notify(
        kind=kind,
        users=policy.audience(kind, document),
        params=_document_params(document),
        url=reverse("partnerships:document", args=[document.pk]),
        key=f"{kind}:{document.pk}:{document.review_round}",
        by=by,
    )


def next_step_overdue_notify(*, partnership: Partnership) -> int:
    """Tell the Ukrainian side that the partnership's next step is past its date: once per
    partnership and due date (a new date is a new step)."""
    due = partnership.next_step_due
    assert due is not None
    return notify(
        kind="next_step.overdue",
        users=policy.audience("next_step.overdue", partnership),
        params={
            "partnership": _in_both(partnership),
            "step": both(partnership.next_step_uk, partnership.next_step_en),
            "due": due.isoformat(),
        },
        url=reverse("partnerships:detail", args=[partnership.pk]),
        key=f"next_step.overdue:{partnership.pk}:{due.isoformat()}",
    )


def _title(params: dict[str, Any]) -> str:
    title = name(params, "title")
    if title:
        return title
    kind = params.get("instrument", "")
    return str(InstrumentKind(kind).label) if kind in InstrumentKind.values else _("A document")


def _submitted(params: dict[str, Any]) -> str:
    text = _(
        "“%(title)s” (%(partnership)s) is submitted for clearance and waits for your decision."
    )
    return text % {"title": _title(params), "partnership": name(params, "partnership")}


def _returned(params: dict[str, Any]) -> str:
    return _("“%(title)s” (%(partnership)s) is returned with comments: revise and resubmit it.") % {
        "title": _title(params),
        "partnership": name(params, "partnership"),
    }


def _cleared(params: dict[str, Any]) -> str:
    return _("“%(title)s” (%(partnership)s) is cleared by the ministries and may be signed.") % {
        "title": _title(params),
        "partnership": name(params, "partnership"),
    }


def _signed(params: dict[str, Any]) -> str:
    return _("“%(title)s” (%(partnership)s) is signed.") % {
        "title": _title(params),
        "partnership": name(params, "partnership"),
    }


def _overdue(params: dict[str, Any]) -> str:
    due = date.fromisoformat(params["due"])
    return _("The next step of %(partnership)s was due on %(due)s: %(step)s") % {
        "partnership": name(params, "partnership"),
        "due": due.isoformat(),
        "step": name(params, "step") or "—",
    }


def register() -> None:
    """Called from PartnershipsConfig.ready."""
    register_kind("document.submitted", _submitted)
    register_kind("document.returned", _returned)
    register_kind("document.cleared", _cleared)
    register_kind("document.signed", _signed)
    register_kind("next_step.overdue", _overdue)
