"""Partnerships, their dated events and their activities: the only way these change.

Every rule about which event may follow which lives in `lifecycle.py`; this module applies it
to the stored history, keeps the stage cache in step, and records each change in the audit log.
Documents and their clearance are in `clearance.py`. Every door (pages, API, CLI) comes here, and
these functions ask the policy themselves; `by` None is the system itself (data loaders, the
demo): there is no person to ask about.
"""

from collections.abc import Sequence
from datetime import date
from typing import Any, cast

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connections, router, transaction
from django.db.models import Field, Model, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from regionbridge import policy
from regionbridge.audit.services import audit_record
from regionbridge.core import results
from regionbridge.institutions.models import InstitutionLink
from regionbridge.organizations.models import Organization, Person
from regionbridge.partnerships.lifecycle import (
    REASON_REQUIRED,
    EventKind,
    LifecycleError,
    Stage,
    State,
    Step,
    replay,
)
from regionbridge.partnerships.models import (
    Activity,
    Document,
    PartnerKind,
    Partnership,
    PartnershipEvent,
    Sphere,
)
from regionbridge.regions.models import Region

Action = policy.Action


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
    *,
    ukrainian_region: Region,
    partner_region: Region,
    partner_kind: str,
    partner_name_uk: str = "",
    partner_name_en: str = "",
) -> QuerySet[Partnership]:
    """What the database's unique constraints count as the same tie: the same partner side's
    name in either language (in any case) between the same regions, or a second tie with the
    partner region itself."""
    same = Q(pk__in=[])
    if partner_name_uk:
        same |= Q(partner_name_uk__iexact=partner_name_uk)
    if partner_name_en:
        same |= Q(partner_name_en__iexact=partner_name_en)
    if partner_kind == PartnerKind.REGION:
        same |= Q(partner_kind=PartnerKind.REGION)
    return Partnership.objects.filter(
        same, ukrainian_region=ukrainian_region, partner_region=partner_region
    )


def partnership_exists(
    *,
    ukrainian_region: Region,
    partner_region: Region,
    partner_kind: str,
    partner_name_uk: str = "",
    partner_name_en: str = "",
) -> bool:
    return same_partnership(
        ukrainian_region=ukrainian_region,
        partner_region=partner_region,
        partner_kind=partner_kind,
        partner_name_uk=partner_name_uk,
        partner_name_en=partner_name_en,
    ).exists()


def _one_language_at_least(partnership: Partnership, *stems: str) -> None:
    """A name kept in both languages may lack one of them, never both."""
    errors = {
        stem: _("Enter it in Ukrainian, in English or in both.")
        for stem in stems
        if not (
            getattr(partnership, f"{stem}_uk").strip() or getattr(partnership, f"{stem}_en").strip()
        )
    }
    if errors:
        raise ValidationError(errors, code="required")


def _save_unique(partnership: Partnership, *, update_fields: list[str] | None = None) -> None:
    """Save; when a concurrent request recorded the same tie first (both passed the check), the
    unique constraint answers, and the loser gets PartnershipExists rather than a 500."""
    try:
        with transaction.atomic():
            partnership.save(update_fields=update_fields)
    except IntegrityError:
        same = same_partnership(**_sides_of(partnership))
        if partnership.pk is not None:
            same = same.exclude(pk=partnership.pk)
        if same.exists():
            raise PartnershipExists from None
        raise


def _sides_of(partnership: Partnership) -> dict[str, Any]:
    return {
        "ukrainian_region": partnership.ukrainian_region,
        "partner_region": partnership.partner_region,
        "partner_kind": partnership.partner_kind,
        "partner_name_uk": partnership.partner_name_uk,
        "partner_name_en": partnership.partner_name_en,
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
    ukrainian_side_uk: str = "",
    ukrainian_side_en: str = "",
    partner_name_uk: str = "",
    partner_name_en: str = "",
    partner_kind: str = PartnerKind.REGION,
    spheres: Sequence[Sphere] = (),
    confidential: bool = False,
    first_event: str = EventKind.FIRST_CONTACT,
    first_event_on: date | None = None,
    source: str = "",
    next_step_uk: str = "",
    next_step_en: str = "",
    next_step_due: date | None = None,
    is_demo: bool = False,
) -> Partnership:
    """Open a partnership with its first dated event, so its history is never empty.
    A tie is recorded once: PartnershipExists when it already is, even under a race. Coordinators
    open ties for any Ukrainian region, regional officers for their own (the policy decides).

    Names come in Ukrainian and English (one may be empty); without a partner side the partner
    region's names are taken, without a Ukrainian side the oblast's military administration's."""
    policy.require(by, Action.PARTNERSHIP_OPEN, ukrainian_region)
    _check_sides(ukrainian_region, partner_region)
    partner_name_uk, partner_name_en = partner_name_uk.strip(), partner_name_en.strip()
    if not (partner_name_uk or partner_name_en):
        partner_name_uk, partner_name_en = partner_region.name_uk, partner_region.name_en
    if partnership_exists(
        ukrainian_region=ukrainian_region,
        partner_region=partner_region,
        partner_kind=partner_kind,
        partner_name_uk=partner_name_uk,
        partner_name_en=partner_name_en,
    ):
        raise PartnershipExists
    side_uk, side_en = ukrainian_side_uk.strip(), ukrainian_side_en.strip()
    rma = None
    if not (side_uk or side_en):
        rma = Organization.objects.filter(key=f"rma-{ukrainian_region.code}").first()
        side_uk, side_en = (rma or ukrainian_region).name_uk, (rma or ukrainian_region).name_en
    partnership = Partnership(
        ukrainian_region=ukrainian_region,
        partner_region=partner_region,
        ukrainian_side_uk=side_uk,
        ukrainian_side_en=side_en,
        ukrainian_organization=rma,
        partner_name_uk=partner_name_uk,
        partner_name_en=partner_name_en,
        partner_kind=partner_kind,
        confidential=confidential,
        next_step_uk=next_step_uk,
        next_step_en=next_step_en,
        next_step_due=next_step_due,
        is_demo=is_demo,
        created_by=by if getattr(by, "is_authenticated", False) else None,
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
            following="partnership.created",
        )
    return partnership


class _Unset:
    """A field not given to `partnership_update` (None may be a value: it clears a date)."""

    def __repr__(self) -> str:
        return "UNSET"


UNSET: Any = _Unset()


@transaction.atomic
def partnership_update(
    *,
    partnership: Partnership,
    by: Any,
    ukrainian_side_uk: str = UNSET,
    ukrainian_side_en: str = UNSET,
    partner_name_uk: str = UNSET,
    partner_name_en: str = UNSET,
    partner_kind: str = UNSET,
    confidential: bool = UNSET,
    ukrainian_lead: Person | None = UNSET,
    partner_lead: Person | None = UNSET,
    next_step_uk: str = UNSET,
    next_step_en: str = UNSET,
    next_step_due: date | None = UNSET,
    spheres: list[Sphere] | None = None,
) -> Partnership:
    """Change the fields given (the others are left as they are); a field that cannot be empty
    refuses None (the database would refuse it later, as an error nobody could read). The sides'
    names may lose one language, never both."""
    policy.require(by, Action.PARTNERSHIP_EDIT, partnership)
    given = {
        "ukrainian_side_uk": ukrainian_side_uk,
        "ukrainian_side_en": ukrainian_side_en,
        "partner_name_uk": partner_name_uk,
        "partner_name_en": partner_name_en,
        "partner_kind": partner_kind,
        "confidential": confidential,
        "ukrainian_lead": ukrainian_lead,
        "partner_lead": partner_lead,
        "next_step_uk": next_step_uk,
        "next_step_en": next_step_en,
        "next_step_due": next_step_due,
    }
    changes = {}
    for field, value in given.items():
        if value is UNSET:
            continue
        model_field = cast(Field, Partnership._meta.get_field(field))
        if value is None and not model_field.null:
            raise ValidationError({field: model_field.error_messages["null"]}, code="null")
        if getattr(partnership, field) != value:
            setattr(partnership, field, value)
            changes[field] = value
    if spheres is not None and set(spheres) != set(partnership.spheres.all()):
        partnership.spheres.set(spheres)
        changes["spheres"] = ", ".join(s.code for s in spheres)
    if changes:
        _one_language_at_least(partnership, "ukrainian_side", "partner_name")
        partnership.full_clean(exclude=["stage"], validate_constraints=False)
        if {"partner_name_uk", "partner_name_en", "partner_kind"} & changes.keys() and (
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
        event.stage_after = state.stage or ""  # every event leads to a stage
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
    instrument_uk: str = "",
    instrument_en: str = "",
    signed_stage: str = "",
    date_precision: str = "day",
    signatories_uk: str = "",
    signatories_en: str = "",
    place_uk: str = "",
    place_en: str = "",
    online: bool = False,
    confidence: str = "confirmed",
    document: Document | None = None,
    order_number: str = "",
    following: str = "",
) -> PartnershipEvent:
    """Add one dated event; the rules decide whether it may follow the history around it.

    Events may be recorded late (a signing reported a month after): the whole history is replayed
    with the new event in its place, and every later event must still be allowed. A reason is
    optional, except for a tie going dormant or ending: then it says why.

    Who records events is the policy's (EVENT_RECORD), except for an event that follows from a
    change another service allowed (`following` names it: a tie opened, a draft cleared, a
    document signed), which is recorded without asking again.

    The instrument, signatories and place come in Ukrainian and English (either may be empty).
    Nothing composed in one language is stored: an approval keeps its `order_number`, and pages
    say "Order No. …" in the reader's language.
    """
    if not following:
        policy.require(by, Action.EVENT_RECORD, partnership)
    partnership = Partnership.objects.select_for_update().get(pk=partnership.pk)
    if on > timezone.localdate():
        raise LifecycleError(_("An event cannot be dated in the future."))
    event = PartnershipEvent(
        partnership=partnership,
        kind=kind,
        occurred_on=on,
        date_precision=date_precision,
        instrument_uk=instrument_uk[:255],
        instrument_en=instrument_en[:255],
        document=document,
        signatories_uk=signatories_uk[:500],
        signatories_en=signatories_en[:500],
        place_uk=place_uk[:255],
        place_en=place_en[:255],
        online=online,
        reason=reason,
        source=source[:500],
        order_number=order_number[:100],
        confidence=confidence,
        recorded_by=by if getattr(by, "is_authenticated", False) else None,
    )
    if kind in (EventKind.SIGNED, EventKind.RESOLUTION, EventKind.RENEWED):
        event.signed_level = signed_stage or Stage.MEMORANDUM_SIGNED
    history = list(partnership.events.all())
    _apply_history(partnership, [*history, event])  # raises LifecycleError when not allowed
    if kind in REASON_REQUIRED and not reason.strip():
        raise ValidationError(
            {"reason": _("Say why: a reason is required when a partnership goes dormant or ends.")},
            code="required",
        )
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
        results.changed("partnerships")  # written past the models' signals
    return len(ids)


def _write_states(model: type[Model], fields: list[str], rows: list[tuple]) -> None:
    """One prepared UPDATE by primary key, executed for every row: `bulk_update`'s CASE
    expressions grow with the batch and took tens of seconds for a few thousand ties."""
    if not rows:
        return
    connection = connections[router.db_for_write(model)]
    quote = connection.ops.quote_name
    named = [cast(Field, model._meta.get_field(f)) for f in fields]
    columns = ", ".join(f"{quote(str(field.column))} = %s" for field in named)
    table, pk = quote(model._meta.db_table), quote(str(model._meta.pk.column))
    sql = f"UPDATE {table} SET {columns} WHERE {pk} = %s"  # noqa: S608 (names from the model)
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


# --- activities ----------------------------------------------------------------------------


@transaction.atomic
def activity_create(
    *,
    by: Any,
    target: Partnership | InstitutionLink,
    kind: str,
    starts_on: date,
    title_en: str = "",
    title_uk: str = "",
    description: str = "",
    ends_on: date | None = None,
    sphere: Sphere | None = None,
    outcome: str = "",
    is_public: bool = False,
    institutions: Sequence[Organization] = (),
    is_demo: bool = False,
) -> Activity:
    """Record a visit, exchange, aid delivery, training or joint event, under a partnership (by
    those who manage it) or an institution link (by the two institutions' people)."""
    policy.require(by, Action.ACTIVITY_CREATE, target)
    activity = Activity(
        partnership=target if isinstance(target, Partnership) else None,
        link=target if isinstance(target, InstitutionLink) else None,
        kind=kind,
        title_en=title_en,
        title_uk=title_uk,
        description=description,
        starts_on=starts_on,
        ends_on=ends_on,
        sphere=sphere,
        outcome=outcome,
        is_public=is_public,
        is_demo=is_demo,
        created_by=by if getattr(by, "is_authenticated", False) else None,
    )
    if not (activity.title_en.strip() or activity.title_uk.strip()):
        raise ValidationError(_("Give the activity a title."))
    if activity.ends_on and activity.ends_on < activity.starts_on:
        raise ValidationError(_("An activity cannot end before it starts."))
    activity.full_clean()
    activity.save()
    activity.institutions.set(institutions)
    audit_record(actor=by, action="activity.created", target=activity)
    return activity
