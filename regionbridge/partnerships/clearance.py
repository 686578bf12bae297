"""Clearance: a partnership's documents from draft to signature, and renewal reminders.

A region drafts a memorandum or agreement, uploads its texts and submits it; the two clearing
ministries (the MFA and the Ministry for Development) decide on each round; a cleared document is
signed, and the partnership's history records the signing; a signed one expires or is terminated.
Every door (pages, API, CLI, e-mail) comes here; these functions ask the policy themselves. `by`
None is the system itself (data loaders, the demo, the reminders' timer): there is no person to ask
about.
"""

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from regionbridge import policy
from regionbridge.accounts.models import Role, User
from regionbridge.audit.services import audit_record
from regionbridge.lib.files import check_document_upload
from regionbridge.lib.i18n import pick
from regionbridge.organizations.models import Organization
from regionbridge.outbox.services import queue_templated
from regionbridge.partnerships.lifecycle import EventKind, Stage
from regionbridge.partnerships.models import (
    INSTRUMENT_STAGE,
    Document,
    DocumentStatus,
    DocumentVersion,
    Partnership,
    Review,
    ReviewDecision,
    Signatory,
    Submission,
    order_number_bare,
)
from regionbridge.partnerships.notifications import document_notify, next_step_overdue_notify
from regionbridge.partnerships.services import partnership_record_event

Action = policy.Action


# --- documents ------------------------------------------------------------------------------


@transaction.atomic
def document_create(
    *, partnership: Partnership, kind: str, by: Any, title_en: str = "", title_uk: str = ""
) -> Document:
    """Start a draft instrument under a partnership (those who manage the partnership)."""
    policy.require(by, Action.DOCUMENT_ADD, partnership)
    document = Document(
        partnership=partnership,
        kind=kind,
        title_en=title_en.strip(),
        title_uk=title_uk.strip(),
        created_by=by,
    )
    document.full_clean()
    document.save()
    audit_record(actor=by, action="document.created", target=document)
    return document


@transaction.atomic
def document_add_version(
    *, document: Document, language: str, upload: Any, by: Any
) -> DocumentVersion:
    """Attach a text (PDF, DOCX, ODT) after checking what the file really is."""
    policy.require(by, Action.DOCUMENT_MANAGE, document)
    document = Document.objects.select_for_update().get(pk=document.pk)
    if document.status in (
        DocumentStatus.UNDER_REVIEW,
        DocumentStatus.EXPIRED,
        DocumentStatus.TERMINATED,
    ):
        raise ValidationError(
            _("A new text cannot be added while the document is %(status)s.")
            % {"status": document.get_status_display()}
        )
    if language not in ("uk", "en"):
        raise ValidationError(_("The text must be in Ukrainian or English."))
    checked = check_document_upload(upload)
    number = (document.versions.filter(language=language).aggregate(n=Max("number"))["n"] or 0) + 1
    version = DocumentVersion(
        document=document,
        language=language,
        number=number,
        original_name=checked.name,
        content_type=checked.content_type,
        size=checked.size,
        sha256=checked.sha256,
        uploaded_by=by,
    )
    version.file.save(f"{checked.sha256[:16]}{checked.name[checked.name.rfind('.') :]}", upload)
    audit_record(
        actor=by,
        action="document.version_added",
        target=document,
        changes={"language": language, "version": number, "file": checked.name},
    )
    return version


@transaction.atomic
def document_submit(*, document: Document, by: Any) -> Document:
    """Send a draft (or a returned one, revised) to the clearing ministries."""
    policy.require(by, Action.DOCUMENT_MANAGE, document)
    document = Document.objects.select_for_update().get(pk=document.pk)
    if document.status not in (DocumentStatus.DRAFT, DocumentStatus.RETURNED):
        raise ValidationError(_("Only a draft or a returned document can be submitted."))
    if not document.versions.exists():
        raise ValidationError(_("Upload the text before submitting it for review."))
    document.status = DocumentStatus.UNDER_REVIEW
    document.review_round += 1
    document.submitted_at = timezone.now()
    document.save(update_fields=["status", "review_round", "submitted_at"])
    # The document keeps the latest round only; its history is what a past day is read from.
    Submission.objects.create(
        document=document,
        round=document.review_round,
        submitted_at=document.submitted_at,
        submitted_by=by if getattr(by, "is_authenticated", False) else None,
    )
    audit_record(
        actor=by,
        action="document.submitted",
        target=document,
        changes={"round": document.review_round},
    )
    document_notify(kind="document.submitted", document=document, by=by)
    return document


POSITIVE = {"mfa": ReviewDecision.NO_OBJECTION, "mindev": ReviewDecision.APPROVED}


def ministries_yet_to_decide(
    document: Document, ministries: list[Organization]
) -> list[Organization]:
    """Of the given clearing ministries, those still to decide on the document's current round."""
    if document.status != DocumentStatus.UNDER_REVIEW:
        return []
    decided = set(
        document.reviews.filter(round=document.review_round).values_list("ministry_id", flat=True)
    )
    return [m for m in ministries if m.pk not in decided]


def reviewing_ministry(*, document: Document, by: Any, key: str = "") -> Organization:
    """The ministry a review by `by` counts for: one of their clearing ministries that has not
    yet decided on the document's current round; `key` (mfa, mindev) names it when two are."""
    mine = policy.clearing_ministries(by)
    if not mine:
        raise PermissionDenied(_("Only the clearing ministries review drafts."))
    pending = ministries_yet_to_decide(document, mine)
    chosen = [m for m in pending if m.key == key] if key else pending
    if len(chosen) == 1:
        return chosen[0]
    if not pending or any(m.key == key for m in mine):
        raise ValidationError(_("Your ministry has already decided in this round."))
    raise ValidationError(_("Say which ministry you review for: mfa or mindev."))


@transaction.atomic
def document_review(
    *,
    document: Document,
    decision: str,
    by: Any,
    ministry: Organization | str = "",
    comments: str = "",
    order_number: str = "",
) -> Review:
    """A clearing ministry's decision. The MFA is consulted (no objection, or returned); the
    Ministry for Development approves by order (with its number), or returns. Cleared once both
    have said yes in the same round; any return sends the draft back to the region.

    A person reviews for their own clearing ministries that have not yet decided on this round
    (`ministry`, a ministry or its key, says which when they review for both); the system (`by`
    None) names the ministry."""
    policy.require(by, Action.DOCUMENT_REVIEW, document)
    document = Document.objects.select_for_update().get(pk=document.pk)
    if document.status != DocumentStatus.UNDER_REVIEW:
        raise ValidationError(_("This document is not waiting for review."))
    if by is not None:
        key = ministry.key if isinstance(ministry, Organization) else ministry
        ministry = reviewing_ministry(document=document, by=by, key=key or "")
    elif not isinstance(ministry, Organization):
        raise ValidationError(_("Say which ministry the review is for."))
    if ministry.key not in POSITIVE:
        raise PermissionDenied(_("Only the clearing ministries review drafts."))
    if decision not in (POSITIVE[ministry.key], ReviewDecision.RETURNED):
        raise ValidationError(
            _("%(ministry)s cannot decide “%(decision)s”.")
            % {
                "ministry": ministry.short_name,
                "decision": ReviewDecision(decision).label
                if decision in ReviewDecision.values
                else decision,
            }
        )
    if decision == ReviewDecision.RETURNED and not comments.strip():
        raise ValidationError(_("Say what must change: comments are required to return a draft."))
    if decision == ReviewDecision.APPROVED and not order_number.strip():
        raise ValidationError(_("An approval needs the number of the ministry's order."))
    if document.reviews.filter(ministry=ministry, round=document.review_round).exists():
        raise ValidationError(_("Your ministry has already decided in this round."))
    review = Review.objects.create(
        document=document,
        ministry=ministry,
        round=document.review_round,
        decision=decision,
        comments=comments.strip(),
        # The number alone: pages say "Order No." / "Наказ №" in the reader's language.
        order_number=order_number_bare(order_number),
        reviewer=by,
    )
    audit_record(
        actor=by,
        action="document.reviewed",
        target=document,
        changes={"ministry": ministry.key, "decision": decision, "round": review.round},
    )
    if decision == ReviewDecision.RETURNED:
        document.status = DocumentStatus.RETURNED
        document.save(update_fields=["status"])
        document_notify(kind="document.returned", document=document, by=by)
        return review
    decided = dict(
        document.reviews.filter(round=document.review_round).values_list(
            "ministry__key", "decision"
        )
    )
    if all(decided.get(key) == positive for key, positive in POSITIVE.items()):
        document.status = DocumentStatus.CLEARED
        document.cleared_at = timezone.now()
        document.save(update_fields=["status", "cleared_at"])
        approval = document.reviews.get(round=document.review_round, ministry__key="mindev")
        partnership_record_event(
            partnership=document.partnership,
            kind=EventKind.DRAFT_APPROVED,
            on=timezone.localdate(),
            by=by,
            instrument_uk=document.title_uk,
            instrument_en=document.title_en,
            document=document,
            order_number=approval.order_number,
            following="document.cleared",
        )
        document_notify(kind="document.cleared", document=document, by=by)
    return review


@transaction.atomic
def document_sign(
    *,
    document: Document,
    by: Any,
    signed_on: date,
    place_uk: str = "",
    place_en: str = "",
    online: bool = False,
    valid_until: date | None = None,
    signatories: Sequence[dict[str, str]] = (),
    source: str = "",
) -> Document:
    """Record the signing of a cleared document; the partnership's stage follows.

    The place and each signatory's name, title and body come in Ukrainian and English (one may
    be empty); a signatory without a name in either language is left out."""
    policy.require(by, Action.DOCUMENT_MANAGE, document)
    document = Document.objects.select_for_update().get(pk=document.pk)
    if document.status != DocumentStatus.CLEARED:
        raise ValidationError(_("Only a cleared document can be signed."))
    if signed_on < timezone.localtime(document.cleared_at).date():
        raise ValidationError(_("A document cannot be signed before it was cleared."))
    if valid_until and valid_until <= signed_on:
        raise ValidationError(_("The end of validity must come after the signing."))
    document.status = DocumentStatus.SIGNED
    document.signed_on = signed_on
    document.signed_place_uk = place_uk.strip()
    document.signed_place_en = place_en.strip()
    document.signed_online = online
    document.valid_until = valid_until
    document.full_clean()  # the dates' range among the rest
    document.save()
    rows = [
        Signatory(
            document=document,
            **{
                key: value.strip() if isinstance(value, str) else value
                for key, value in row.items()
            },
        )
        for row in signatories
        if (row.get("name_uk") or "").strip() or (row.get("name_en") or "").strip()
    ]
    for row in rows:
        row.full_clean(exclude=["document"])
    Signatory.objects.bulk_create(rows)
    partnership_record_event(
        partnership=document.partnership,
        kind=EventKind.SIGNED,
        on=signed_on,
        by=by,
        instrument_uk=document.title_uk,
        instrument_en=document.title_en,
        signed_stage=INSTRUMENT_STAGE[document.kind],
        document=document,
        signatories_uk=_signatories_in("uk", rows),
        signatories_en=_signatories_in("en", rows),
        place_uk=place_uk,
        place_en=place_en,
        online=online,
        source=source,
        following="document.signed",
    )
    audit_record(actor=by, action="document.signed", target=document)
    document_notify(kind="document.signed", document=document, by=by)
    return document


def _signatories_in(language: str, rows: Sequence[Signatory]) -> str:
    """ "Name (title); Name (title)" in one language, each falling back to the other."""
    parts = []
    for row in rows:
        name = pick(row.name_uk, row.name_en, language)
        title = pick(row.title_uk, row.title_en, language)
        parts.append(f"{name} ({title})" if title else name)
    return "; ".join(parts)


@transaction.atomic
def document_close(*, document: Document, by: Any, status: str) -> Document:
    """A signed instrument expires or is terminated."""
    policy.require(by, Action.DOCUMENT_MANAGE, document)
    document = Document.objects.select_for_update().get(pk=document.pk)
    if status not in (DocumentStatus.EXPIRED, DocumentStatus.TERMINATED):
        raise ValidationError(_("Unknown status."))
    if document.status != DocumentStatus.SIGNED:
        raise ValidationError(_("Only a signed document can expire or be terminated."))
    document.status = status
    document.save(update_fields=["status"])
    audit_record(actor=by, action=f"document.{status}", target=document)
    return document


def renewal_reminders_send(*, today: date | None = None) -> int:
    """Remind, once, the coordinators and the oblast's officers of an instrument running out
    within RENEWAL_REMINDER_DAYS. Returns how many documents were reminded of."""
    today = today or timezone.localdate()
    due = Document.objects.select_related(
        "partnership__ukrainian_region", "partnership__partner_region"
    ).filter(
        status=DocumentStatus.SIGNED,
        valid_until__gte=today,
        valid_until__lte=today + timedelta(days=settings.RENEWAL_REMINDER_DAYS),
        renewal_reminder_sent_on__isnull=True,
    )
    count = 0
    for document in due:
        partnership = document.partnership
        recipients = (
            User.objects.filter(is_active=True)
            .filter(
                Q(role_assignments__role=Role.COORDINATOR)
                | Q(
                    role_assignments__role=Role.REGIONAL,
                    role_assignments__region=partnership.ukrainian_region_id,
                )
            )
            .distinct()
        )
        with transaction.atomic():
            # Marked in the same transaction as the outbox rows: queued once, sent by the worker.
            updated = Document.objects.filter(
                pk=document.pk, renewal_reminder_sent_on__isnull=True
            ).update(renewal_reminder_sent_on=today)
            if not updated:
                continue
            for user in recipients:
                queue_templated(
                    user=user,
                    template="partnerships/email/renewal",
                    context={"document": document, "partnership": partnership},
                    key=f"renewal:{document.pk}:{document.valid_until}:{user.pk}",
                )
        count += 1
    return count


def next_steps_overdue_notify(*, today: date | None = None) -> int:
    """Tell the Ukrainian side of each live partnership whose next step is past its date, once per
    partnership and due date (run daily by `send-reminders`). Returns how many people were told."""
    today = today or timezone.localdate()
    overdue = (
        Partnership.objects.filter(next_step_due__lt=today)
        .exclude(stage=Stage.ENDED)
        .select_related("ukrainian_region", "partner_region")
        .order_by("pk")
    )
    return sum(next_step_overdue_notify(partnership=partnership) for partnership in overdue)
