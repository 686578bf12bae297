"""Partnerships, their dated events and their documents: the only way these change.

Every rule about which event may follow which lives in `lifecycle.py`; this module applies it
to the stored history, keeps the stage cache in step, and records each change in the audit log.
"""

from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connections, router, transaction
from django.db.models import Max, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from regionbridge.accounts.models import Role, User
from regionbridge.audit.services import audit_record
from regionbridge.lib.files import check_document_upload
from regionbridge.organizations.models import Organization
from regionbridge.outbox.services import queue_templated
from regionbridge.partnerships.lifecycle import (
    EventKind,
    LifecycleError,
    Stage,
    State,
    Step,
    replay,
)
from regionbridge.partnerships.models import (
    INSTRUMENT_STAGE,
    Document,
    DocumentStatus,
    DocumentVersion,
    PartnerKind,
    Partnership,
    PartnershipEvent,
    Review,
    ReviewDecision,
    Signatory,
    Sphere,
)
from regionbridge.regions.models import Region

SPHERES = [
    ("culture", "Culture", "Культура"),
    ("education", "Education", "Освіта"),
    ("healthcare", "Healthcare", "Охорона здоров'я"),
    ("social", "Social protection", "Соціальний захист"),
    ("humanitarian", "Humanitarian aid", "Гуманітарна допомога"),
    ("economy", "Economy and trade", "Економіка і торгівля"),
    ("energy", "Energy", "Енергетика"),
    ("agriculture", "Agriculture", "Сільське господарство"),
    ("digital", "Digital", "Цифровізація"),
    ("defence", "Defence and security", "Оборона і безпека"),
    ("reconstruction", "Reconstruction", "Відбудова"),
    ("sport", "Sport", "Спорт"),
    ("science", "Science", "Наука"),
    ("tourism", "Tourism", "Туризм"),
    ("diaspora", "Diaspora", "Діаспора"),
]


def spheres_load() -> int:
    """Create the standard spheres that are missing; administrators' edits are kept."""
    existing = set(Sphere.objects.values_list("code", flat=True))
    Sphere.objects.bulk_create(
        Sphere(code=code, name_en=en, name_uk=uk, order=index * 10)
        for index, (code, en, uk) in enumerate(SPHERES)
        if code not in existing
    )
    return Sphere.objects.count()


# --- partnerships ---------------------------------------------------------------------------


class PartnershipExists(ValidationError):
    """The tie is already recorded (the API answers 409 Conflict, pages show a form error)."""

    def __init__(self):
        super().__init__(_("This partnership already exists."), code="exists")


def same_partnership(
    *, ukrainian_region: Region, partner_region: Region, partner_kind: str, partner_name: str
) -> QuerySet[Partnership]:
    """What the database's unique constraints count as the same tie: the same partner side's
    name (in any case) between the same regions, or a second tie with the partner region itself."""
    same = Q(partner_name__iexact=partner_name)
    if partner_kind == PartnerKind.REGION:
        same |= Q(partner_kind=PartnerKind.REGION)
    return Partnership.objects.filter(
        same, ukrainian_region=ukrainian_region, partner_region=partner_region
    )


def partnership_exists(**sides: Any) -> bool:
    return same_partnership(**sides).exists()


def _save_unique(partnership: Partnership, **kwargs: Any) -> None:
    """Save; when a concurrent request recorded the same tie first (both passed the check), the
    unique constraint answers, and the loser gets PartnershipExists rather than a 500."""
    try:
        with transaction.atomic():
            partnership.save(**kwargs)
    except IntegrityError:
        if same_partnership(**_sides_of(partnership)).exclude(pk=partnership.pk or None).exists():
            raise PartnershipExists from None
        raise


def _sides_of(partnership: Partnership) -> dict[str, Any]:
    return {
        "ukrainian_region": partnership.ukrainian_region,
        "partner_region": partnership.partner_region,
        "partner_kind": partnership.partner_kind,
        "partner_name": partnership.partner_name,
    }


def _check_sides(ukrainian_region: Region, partner_region: Region) -> None:
    if ukrainian_region.country.code != "UA":
        raise ValidationError(_("The Ukrainian side must be a region of Ukraine."))
    if partner_region.country.code == "UA":
        raise ValidationError(_("The partner side must be a region of another country."))


@transaction.atomic
def partnership_create(
    *,
    by: Any,
    ukrainian_region: Region,
    partner_region: Region,
    ukrainian_side: str = "",
    partner_name: str = "",
    partner_kind: str = PartnerKind.REGION,
    spheres: list[Sphere] = (),
    confidential: bool = False,
    first_event: str = EventKind.FIRST_CONTACT,
    first_event_on: date | None = None,
    source: str = "",
    is_demo: bool = False,
    **fields: Any,
) -> Partnership:
    """Open a partnership with its first dated event, so its history is never empty.
    A tie is recorded once: PartnershipExists when it already is, even under a race."""
    _check_sides(ukrainian_region, partner_region)
    partner_name = partner_name.strip() or partner_region.name_en
    if partnership_exists(
        ukrainian_region=ukrainian_region,
        partner_region=partner_region,
        partner_kind=partner_kind,
        partner_name=partner_name,
    ):
        raise PartnershipExists
    rma = Organization.objects.filter(key=f"rma-{ukrainian_region.code}").first()
    partnership = Partnership(
        ukrainian_region=ukrainian_region,
        partner_region=partner_region,
        ukrainian_side=ukrainian_side.strip() or (rma.name_en if rma else ukrainian_region.name_en),
        ukrainian_organization=rma if not ukrainian_side.strip() else None,
        partner_name=partner_name,
        partner_kind=partner_kind,
        confidential=confidential,
        is_demo=is_demo,
        created_by=by if getattr(by, "is_authenticated", False) else None,
        **fields,
    )
    # Uniqueness was checked above and is held by the constraints when saving.
    partnership.full_clean(exclude=["stage"], validate_constraints=False)
    _save_unique(partnership)
    partnership.spheres.set(spheres)
    audit_record(actor=by, action="partnership.created", target=partnership)
    if first_event:
        partnership_record_event(
            partnership=partnership,
            kind=first_event,
            on=first_event_on or timezone.localdate(),
            by=by,
            source=source,
        )
    return partnership


EDITABLE = (
    "ukrainian_side",
    "partner_name",
    "partner_kind",
    "confidential",
    "ukrainian_lead",
    "partner_lead",
    "next_step",
    "next_step_due",
)


@transaction.atomic
def partnership_update(
    *, partnership: Partnership, by: Any, spheres: list[Sphere] | None = None, **fields: Any
) -> Partnership:
    """Change the editable fields given; a field that cannot be empty refuses None (the database
    would refuse it later, as an error nobody could read)."""
    changes = {}
    for field, value in fields.items():
        if field not in EDITABLE:
            raise ValidationError(_("%(field)s cannot be changed here.") % {"field": field})
        model_field = Partnership._meta.get_field(field)
        if value is None and not model_field.null:
            raise ValidationError({field: model_field.error_messages["null"]}, code="null")
        if getattr(partnership, field) != value:
            setattr(partnership, field, value)
            changes[field] = value
    if spheres is not None and set(spheres) != set(partnership.spheres.all()):
        partnership.spheres.set(spheres)
        changes["spheres"] = ", ".join(s.code for s in spheres)
    if changes:
        partnership.full_clean(exclude=["stage"], validate_constraints=False)
        if {"partner_name", "partner_kind"} & changes.keys() and (
            same_partnership(**_sides_of(partnership)).exclude(pk=partnership.pk).exists()
        ):
            raise PartnershipExists
        # Only the fields edited: the stored stage belongs to partnership_record_event, and this
        # instance may hold a stale copy of it (e.g. the one partnership_create returned).
        edited = [field for field in changes if field != "spheres"]
        if edited:
            _save_unique(partnership, update_fields=edited)
        audit_record(actor=by, action="partnership.updated", target=partnership, changes=changes)
    return partnership


def _step(event: PartnershipEvent) -> Step:
    return Step(
        kind=event.kind,
        on=event.occurred_on,
        signed_stage=event.signed_level,
        order=event.pk or 10**12,
    )


def _apply_history(partnership: Partnership, events: list[PartnershipEvent]) -> State:
    """Replay the history; store each event's state (stage and since) and the partnership's
    current stage, so lists read any date's stage from the last event on or before it."""
    ordered = sorted(events, key=lambda e: (e.occurred_on, e.pk or 10**12))
    states = replay(_step(e) for e in ordered)
    for event, state in zip(ordered, states, strict=True):
        event.stage_after = state.stage
        event.stage_since = state.since
    final = states[-1] if states else State(None, None)
    partnership.stage = final.stage or ""
    partnership.stage_since = final.since
    partnership.last_event_on = ordered[-1].occurred_on if ordered else None
    return final


@transaction.atomic
def partnership_record_event(
    *,
    partnership: Partnership,
    kind: str,
    on: date,
    by: Any,
    source: str = "",
    reason: str = "",
    instrument: str = "",
    signed_stage: str = "",
    date_precision: str = "day",
    signatories: str = "",
    place: str = "",
    online: bool = False,
    confidence: str = "confirmed",
    document: Document | None = None,
) -> PartnershipEvent:
    """Add one dated event; the rules decide whether it may follow the history around it.

    Events may be recorded late (a signing reported a month after): the whole history is replayed
    with the new event in its place, and every later event must still be allowed.
    """
    partnership = Partnership.objects.select_for_update().get(pk=partnership.pk)
    if on > timezone.localdate():
        raise LifecycleError(_("An event cannot be dated in the future."))
    event = PartnershipEvent(
        partnership=partnership,
        kind=kind,
        occurred_on=on,
        date_precision=date_precision,
        instrument=instrument[:255],
        document=document,
        signatories=signatories[:500],
        place=place[:255],
        online=online,
        reason=reason,
        source=source[:500],
        confidence=confidence,
        recorded_by=by if getattr(by, "is_authenticated", False) else None,
    )
    if kind in (EventKind.SIGNED, EventKind.RESOLUTION, EventKind.RENEWED):
        event.signed_level = signed_stage or Stage.MEMORANDUM_SIGNED
    history = list(partnership.events.all())
    _apply_history(partnership, [*history, event])  # raises LifecycleError when not allowed
    event.full_clean(exclude=["partnership", "document"])
    event.save()
    PartnershipEvent.objects.bulk_update(history, ["stage_after", "stage_since"])
    partnership.save(update_fields=["stage", "stage_since", "last_event_on"])
    audit_record(
        actor=by,
        action="partnership.event_recorded",
        target=partnership,
        changes={
            "event": kind,
            "on": on.isoformat(),
            "stage": event.stage_after,
            "reason": reason,
            "source": source,
            "confidence": confidence,
        },
    )
    return event


def partnerships_restage(*, partnership_ids: list[int] | None = None, batch_size: int = 500) -> int:
    """Replay the stored histories (all, or of the partnerships given) and store every event's
    state and each partnership's stage, since and last event: for events written in bulk
    (generated data, data migrations), which bypass `partnership_record_event`.

    Raises LifecycleError, and saves nothing, when a history breaks the rules. Returns the number
    of partnerships restaged."""
    partnerships = Partnership.objects.order_by("pk")
    if partnership_ids is not None:
        partnerships = partnerships.filter(pk__in=partnership_ids)
    ids = list(partnerships.values_list("pk", flat=True))
    with transaction.atomic():
        for start in range(0, len(ids), batch_size):
            chunk = ids[start : start + batch_size]
            histories: dict[int, list[PartnershipEvent]] = {pk: [] for pk in chunk}
            for event in PartnershipEvent.objects.filter(partnership_id__in=chunk).only(
                "pk", "partnership_id", "kind", "occurred_on", "signed_level"
            ):
                histories[event.partnership_id].append(event)
            rows = list(Partnership.objects.filter(pk__in=chunk).only("pk"))
            events = []
            for partnership in rows:
                _apply_history(partnership, histories[partnership.pk])
                events.extend(histories[partnership.pk])
            _write_states(
                PartnershipEvent,
                ["stage_after", "stage_since"],
                [(e.stage_after, e.stage_since, e.pk) for e in events],
            )
            _write_states(
                Partnership,
                ["stage", "stage_since", "last_event_on"],
                [(p.stage, p.stage_since, p.last_event_on, p.pk) for p in rows],
            )
    return len(ids)


def _write_states(model: type, fields: list[str], rows: list[tuple]) -> None:
    """One prepared UPDATE by primary key, executed for every row: `bulk_update`'s CASE
    expressions grow with the batch and took tens of seconds for a few thousand ties."""
    if not rows:
        return
    connection = connections[router.db_for_write(model)]
    quote = connection.ops.quote_name
    columns = ", ".join(f"{quote(model._meta.get_field(f).column)} = %s" for f in fields)
    table, pk = quote(model._meta.db_table), quote(model._meta.pk.column)
    sql = f"UPDATE {table} SET {columns} WHERE {pk} = %s"  # noqa: S608 (names from the model)
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


# --- documents ------------------------------------------------------------------------------


@transaction.atomic
def document_create(
    *, partnership: Partnership, kind: str, by: Any, title_en: str = "", title_uk: str = ""
) -> Document:
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
def document_add_version(*, document: Document, language: str, upload: Any, by: Any):
    """Attach a text (PDF, DOCX, ODT) after checking what the file really is."""
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
    document = Document.objects.select_for_update().get(pk=document.pk)
    if document.status not in (DocumentStatus.DRAFT, DocumentStatus.RETURNED):
        raise ValidationError(_("Only a draft or a returned document can be submitted."))
    if not document.versions.exists():
        raise ValidationError(_("Upload the text before submitting it for review."))
    document.status = DocumentStatus.UNDER_REVIEW
    document.review_round += 1
    document.submitted_at = timezone.now()
    document.save(update_fields=["status", "review_round", "submitted_at"])
    audit_record(
        actor=by,
        action="document.submitted",
        target=document,
        changes={"round": document.review_round},
    )
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


@transaction.atomic
def document_review(
    *,
    document: Document,
    ministry: Organization,
    decision: str,
    by: Any,
    comments: str = "",
    order_number: str = "",
) -> Review:
    """A clearing ministry's decision. The MFA is consulted (no objection, or returned); the
    Ministry for Development approves by order (with its number), or returns. Cleared once both
    have said yes in the same round; any return sends the draft back to the region."""
    document = Document.objects.select_for_update().get(pk=document.pk)
    if ministry.key not in POSITIVE:
        raise PermissionDenied(_("Only the clearing ministries review drafts."))
    if document.status != DocumentStatus.UNDER_REVIEW:
        raise ValidationError(_("This document is not waiting for review."))
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
        order_number=order_number.strip(),
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
            instrument=str(document),
            document=document,
            source=_("Order No. %(number)s of the Ministry for Development")
            % {"number": approval.order_number},
        )
    return review


@transaction.atomic
def document_sign(
    *,
    document: Document,
    by: Any,
    signed_on: date,
    place: str = "",
    online: bool = False,
    valid_until: date | None = None,
    signatories: list[dict[str, str]] = (),
    source: str = "",
) -> Document:
    """Record the signing of a cleared document; the partnership's stage follows."""
    document = Document.objects.select_for_update().get(pk=document.pk)
    if document.status != DocumentStatus.CLEARED:
        raise ValidationError(_("Only a cleared document can be signed."))
    if signed_on < timezone.localtime(document.cleared_at).date():
        raise ValidationError(_("A document cannot be signed before it was cleared."))
    if valid_until and valid_until <= signed_on:
        raise ValidationError(_("The end of validity must come after the signing."))
    document.status = DocumentStatus.SIGNED
    document.signed_on = signed_on
    document.signed_place = place.strip()
    document.signed_online = online
    document.valid_until = valid_until
    document.full_clean()  # the dates' range among the rest
    document.save()
    rows = [Signatory(document=document, **row) for row in signatories if row.get("name")]
    for row in rows:
        row.full_clean(exclude=["document"])
    Signatory.objects.bulk_create(rows)
    partnership_record_event(
        partnership=document.partnership,
        kind=EventKind.SIGNED,
        on=signed_on,
        by=by,
        instrument=str(document),
        signed_stage=INSTRUMENT_STAGE[document.kind],
        document=document,
        signatories="; ".join(f"{r.name} ({r.title})" if r.title else r.name for r in rows),
        place=place,
        online=online,
        source=source,
    )
    audit_record(actor=by, action="document.signed", target=document)
    return document


@transaction.atomic
def document_close(*, document: Document, by: Any, status: str) -> Document:
    """A signed instrument expires or is terminated."""
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
