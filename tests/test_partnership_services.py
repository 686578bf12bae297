"""Partnerships, their dated events, and the clearance and signing of their documents."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation

from regionbridge.audit.models import AuditEntry
from regionbridge.partnerships import clearance, selectors, services
from regionbridge.partnerships.lifecycle import LifecycleError, Stage
from regionbridge.partnerships.models import (
    Document,
    DocumentStatus,
    Partnership,
    PartnershipEvent,
    Review,
    Signatory,
)
from tests.conftest import make_member, org, region

PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


def text(error) -> str:
    return " ".join(error.messages)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def mindev(reference):
    return make_member("ministry", org_key="mindev", email="mindev@example.org")


@pytest.fixture
def tie(coordinator):
    """Zhytomyr – Indiana, negotiating since June 2024."""
    return services.partnership_create(
        by=coordinator,
        ukrainian_region=region("UA-18"),
        partner_region=region("US-IN"),
        partner_name_en="State of Indiana",
        first_event="reported_negotiating",
        first_event_on=date(2024, 6, 1),
        source="test",
    )


def events_of(partnership) -> list[tuple[str, date, str]]:
    return list(
        PartnershipEvent.objects.filter(partnership=partnership)
        .order_by("occurred_on", "id")
        .values_list("kind", "occurred_on", "stage_after")
    )


def fresh(partnership) -> Partnership:
    return Partnership.objects.get(pk=partnership.pk)


# --- partnerships -----------------------------------------------------------------------------


def test_partnership_create_records_its_first_event(coordinator):
    partnership = services.partnership_create(
        by=coordinator,
        ukrainian_region=region("UA-18"),
        partner_region=region("US-IN"),
        source="a phone call",
    )
    today = timezone.localdate()
    assert events_of(partnership) == [("first_contact", today, Stage.EXPLORING)]
    partnership = fresh(partnership)
    assert partnership.stage == Stage.EXPLORING
    assert partnership.stage_since == today
    assert partnership.last_event_on == today
    assert partnership.created_by == coordinator
    # The oblast's military administration is the Ukrainian side unless another is named.
    assert partnership.ukrainian_organization == org("rma-UA-18")
    rma, indiana = org("rma-UA-18"), region("US-IN")
    assert (partnership.ukrainian_side_uk, partnership.ukrainian_side_en) == (
        rma.name_uk,
        rma.name_en,
    )
    assert (partnership.partner_name_uk, partnership.partner_name_en) == (
        indiana.name_uk,
        indiana.name_en,
    )
    event = partnership.events.get()
    assert event.source == "a phone call"
    assert event.recorded_by == coordinator
    actions = set(
        AuditEntry.objects.filter(target_id=str(partnership.pk)).values_list("action", flat=True)
    )
    assert {"partnership.created", "partnership.event_recorded"} <= actions


def test_partnership_create_with_a_past_signing(coordinator):
    partnership = services.partnership_create(
        by=coordinator,
        ukrainian_region=region("UA-71"),
        partner_region=region("US-IA"),
        ukrainian_side_en="Cherkasy Oblast Council",
        first_event="signed",
        first_event_on=date(1996, 5, 15),
    )
    partnership = fresh(partnership)
    assert partnership.stage == Stage.MEMORANDUM_SIGNED
    assert partnership.stage_since == date(1996, 5, 15)
    assert partnership.ukrainian_side_en == "Cherkasy Oblast Council"
    assert partnership.ukrainian_organization is None


def test_partnership_create_refuses_a_ukrainian_side_outside_ukraine(coordinator):
    with pytest.raises(ValidationError) as caught, translation.override("en"):
        services.partnership_create(
            by=coordinator, ukrainian_region=region("US-IN"), partner_region=region("US-OH")
        )
    assert text(caught.value) == "The Ukrainian side must be a region of Ukraine."
    assert not Partnership.objects.filter(ukrainian_region__code="US-IN").exists()


def test_partnership_create_refuses_a_ukrainian_partner_region(coordinator):
    with pytest.raises(ValidationError) as caught, translation.override("en"):
        services.partnership_create(
            by=coordinator, ukrainian_region=region("UA-18"), partner_region=region("UA-74")
        )
    assert text(caught.value) == "The partner side must be a region of another country."
    assert not Partnership.objects.filter(partner_region__code="UA-74").exists()


def test_partnership_create_refuses_a_duplicate(tie, coordinator):
    before = PartnershipEvent.objects.count()
    with pytest.raises(ValidationError) as caught, translation.override("en"):
        services.partnership_create(
            by=coordinator,
            ukrainian_region=region("UA-18"),
            partner_region=region("US-IN"),
            partner_name_en="  State of Indiana ",
        )
    assert text(caught.value) == "This partnership already exists."
    assert Partnership.objects.filter(ukrainian_region__code="UA-18").count() == 1
    assert PartnershipEvent.objects.count() == before


@pytest.mark.parametrize(
    ("name", "kind"),
    [("state of indiana", "region"), ("Indiana", "region"), ("STATE OF INDIANA", "county")],
)
def test_the_same_tie_under_another_spelling_is_a_duplicate(tie, coordinator, name, kind):
    with pytest.raises(services.PartnershipExists):
        services.partnership_create(
            by=coordinator,
            ukrainian_region=region("UA-18"),
            partner_region=region("US-IN"),
            partner_name_en=name,
            partner_kind=kind,
        )
    assert Partnership.objects.filter(ukrainian_region__code="UA-18").count() == 1


def test_a_duplicate_past_the_check_meets_the_constraint(tie, coordinator, monkeypatch):
    """The race: another request recorded the tie after this one checked."""
    monkeypatch.setattr(services, "partnership_exists", lambda **_: False)
    audit = AuditEntry.objects.count()
    for name in ("State of Indiana", "Indiana"):
        with pytest.raises(services.PartnershipExists):
            services.partnership_create(
                by=coordinator,
                ukrainian_region=region("UA-18"),
                partner_region=region("US-IN"),
                partner_name_en=name,
            )
    assert Partnership.objects.filter(ukrainian_region__code="UA-18").count() == 1
    assert AuditEntry.objects.count() == audit


def test_the_database_itself_refuses_a_second_regional_tie(tie):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Partnership.objects.create(
            ukrainian_region=tie.ukrainian_region,
            partner_region=tie.partner_region,
            partner_name_en="Hoosier State",
            ukrainian_side_en="x",
        )


def test_partnership_update_refuses_to_become_a_recorded_tie(tie, coordinator):
    county = services.partnership_create(
        by=coordinator,
        ukrainian_region=region("UA-18"),
        partner_region=region("US-IN"),
        partner_name_en="Marion County, Indiana",
        partner_kind="county",
    )
    with pytest.raises(services.PartnershipExists):
        services.partnership_update(partnership=county, by=coordinator, partner_kind="region")
    county.refresh_from_db()
    assert county.partner_kind == "county"


def test_partnership_create_with_a_refused_first_event_saves_nothing(coordinator):
    audit_before = AuditEntry.objects.count()
    with pytest.raises(LifecycleError):
        services.partnership_create(
            by=coordinator,
            ukrainian_region=region("UA-18"),
            partner_region=region("US-IN"),
            first_event_on=timezone.localdate() + timedelta(days=1),
        )
    with pytest.raises(LifecycleError):
        services.partnership_create(
            by=coordinator,
            ukrainian_region=region("UA-18"),
            partner_region=region("US-IN"),
            first_event="went_dormant",
        )
    assert not Partnership.objects.filter(ukrainian_region__code="UA-18").exists()
    assert AuditEntry.objects.count() == audit_before


def test_a_county_of_the_same_state_is_another_partnership(tie, coordinator):
    county = services.partnership_create(
        by=coordinator,
        ukrainian_region=region("UA-18"),
        partner_region=region("US-IN"),
        partner_name_en="Marion County, Indiana",
        partner_kind="county",
    )
    assert county.pk != tie.pk
    assert county.partner_display == "Marion County, Indiana"


# --- events -----------------------------------------------------------------------------------


def test_record_event_refuses_a_future_date(tie, coordinator):
    before = events_of(tie)
    with pytest.raises(LifecycleError) as caught, translation.override("en"):
        services.partnership_record_event(
            partnership=tie,
            kind="signed",
            on=timezone.localdate() + timedelta(days=1),
            by=coordinator,
        )
    assert text(caught.value) == "An event cannot be dated in the future."
    assert events_of(tie) == before
    assert fresh(tie).stage == Stage.NEGOTIATING


def test_record_event_today_is_allowed(tie, coordinator):
    today = timezone.localdate()
    services.partnership_record_event(partnership=tie, kind="signed", on=today, by=coordinator)
    assert fresh(tie).stage == Stage.MEMORANDUM_SIGNED
    assert fresh(tie).stage_since == today


def test_record_event_refuses_what_the_history_does_not_allow(tie, coordinator):
    services.partnership_record_event(
        partnership=tie, kind="signed", on=date(2024, 9, 5), by=coordinator
    )
    events_before = events_of(tie)
    audit_before = AuditEntry.objects.count()
    with pytest.raises(LifecycleError) as caught, translation.override("en"):
        services.partnership_record_event(
            partnership=tie, kind="revived", on=date(2024, 10, 1), by=coordinator, reason="?"
        )
    assert text(caught.value) == "“revived” cannot follow the stage “memorandum signed”."
    assert events_of(tie) == events_before
    assert AuditEntry.objects.count() == audit_before
    tie = fresh(tie)
    assert (tie.stage, tie.stage_since, tie.last_event_on) == (
        Stage.MEMORANDUM_SIGNED,
        date(2024, 9, 5),
        date(2024, 9, 5),
    )


def test_a_late_event_that_would_break_later_history_is_refused(tie, coordinator):
    services.partnership_record_event(
        partnership=tie, kind="signed", on=date(2024, 9, 5), by=coordinator
    )
    before = events_of(tie)
    # Ended in August: the September signing could no longer follow.
    with pytest.raises(LifecycleError):
        services.partnership_record_event(
            partnership=tie, kind="ended", on=date(2024, 8, 1), by=coordinator
        )
    assert events_of(tie) == before
    assert fresh(tie).stage == Stage.MEMORANDUM_SIGNED


def test_a_late_recorded_past_event_recomputes_later_stages(coordinator):
    partnership = services.partnership_create(
        by=coordinator,
        ukrainian_region=region("UA-63"),
        partner_region=region("US-OH"),
        first_event="signed",
        first_event_on=date(2002, 1, 1),
    )
    for kind, on in [("went_dormant", date(2015, 1, 1)), ("revived", date(2024, 11, 7))]:
        services.partnership_record_event(
            partnership=partnership, kind=kind, on=on, by=coordinator, reason=f"why {kind}"
        )
    assert events_of(partnership)[-1] == ("revived", date(2024, 11, 7), Stage.MEMORANDUM_SIGNED)

    # Reported late: a cooperation agreement was signed in 2010, before the pause.
    services.partnership_record_event(
        partnership=partnership,
        kind="signed",
        on=date(2010, 6, 1),
        by=coordinator,
        signed_stage=Stage.AGREEMENT_SIGNED,
        reason="found in the council's archive",
    )
    assert events_of(partnership) == [
        ("signed", date(2002, 1, 1), Stage.MEMORANDUM_SIGNED),
        ("signed", date(2010, 6, 1), Stage.AGREEMENT_SIGNED),
        ("went_dormant", date(2015, 1, 1), Stage.DORMANT),
        ("revived", date(2024, 11, 7), Stage.AGREEMENT_SIGNED),
    ]
    partnership = fresh(partnership)
    assert partnership.stage == Stage.AGREEMENT_SIGNED
    assert partnership.stage_since == date(2024, 11, 7)
    assert partnership.last_event_on == date(2024, 11, 7)
    # The stage on a past date follows from the new history.
    detail = selectors.partnership_detail(coordinator, partnership.pk)
    assert selectors.stage_on(detail, date(2012, 1, 1)).stage == Stage.AGREEMENT_SIGNED
    assert selectors.stage_on(detail, date(2009, 1, 1)).stage == Stage.MEMORANDUM_SIGNED


def test_a_late_event_before_everything_moves_stage_since(tie, coordinator):
    services.partnership_record_event(
        partnership=tie, kind="first_contact", on=date(2024, 2, 1), by=coordinator
    )
    assert events_of(tie) == [
        ("first_contact", date(2024, 2, 1), Stage.EXPLORING),
        ("reported_negotiating", date(2024, 6, 1), Stage.NEGOTIATING),
    ]
    tie = fresh(tie)
    assert (tie.stage, tie.stage_since, tie.last_event_on) == (
        Stage.NEGOTIATING,
        date(2024, 6, 1),
        date(2024, 6, 1),
    )


def test_a_late_event_gives_the_same_stages_as_recording_in_date_order(coordinator):
    """The stage follows from the dated history, not from the order it was typed in."""
    history = [
        ("signed", date(2020, 1, 1), Stage.AGREEMENT_SIGNED),
        ("went_dormant", date(2022, 1, 1), ""),
        ("signed", date(2023, 1, 1), Stage.MEMORANDUM_SIGNED),
    ]

    def record(partner_code, order):
        partnership = services.partnership_create(
            by=coordinator,
            ukrainian_region=region("UA-18"),
            partner_region=region(partner_code),
            first_event="",
        )
        for kind, on, level in order:
            services.partnership_record_event(
                partnership=partnership,
                kind=kind,
                on=on,
                by=coordinator,
                signed_stage=level,
                reason=f"why {kind}",
            )
        return fresh(partnership)

    in_order = record("US-OH", history)
    late = record("US-IA", [history[0], history[2], history[1]])
    assert in_order.stage == Stage.MEMORANDUM_SIGNED  # dormant, then a memorandum
    assert [e[2] for e in events_of(late)] == [e[2] for e in events_of(in_order)]
    assert late.stage == in_order.stage


def test_recorded_events_land_in_the_audit_log_with_the_reason(tie, coordinator):
    services.partnership_record_event(
        partnership=tie,
        kind="signed",
        on=date(2024, 9, 5),
        by=coordinator,
        reason="signed in Kyiv",
        source="wishtv.com",
    )
    entry = AuditEntry.objects.filter(
        action="partnership.event_recorded", target_id=str(tie.pk)
    ).first()
    assert entry.actor == coordinator
    assert entry.target_type == "partnerships.partnership"
    assert entry.changes["event"] == "signed"
    assert entry.changes["on"] == "2024-09-05"
    assert entry.changes["stage"] == Stage.MEMORANDUM_SIGNED
    assert entry.changes["reason"] == "signed in Kyiv"
    assert tie.events.get(kind="signed").source == "wishtv.com"


def test_recorded_events_land_in_the_audit_log_with_the_source(tie, coordinator):
    services.partnership_record_event(
        partnership=tie,
        kind="signed",
        on=date(2024, 9, 5),
        by=coordinator,
        reason="signed in Kyiv",
        source="wishtv.com",
    )
    entry = AuditEntry.objects.filter(
        action="partnership.event_recorded", target_id=str(tie.pk)
    ).first()
    assert entry.changes.get("source") == "wishtv.com"


def test_every_recorded_event_has_its_own_audit_entry(tie, coordinator):
    for kind, on in [("signed", date(2024, 9, 5)), ("went_dormant", date(2025, 1, 1))]:
        services.partnership_record_event(
            partnership=tie, kind=kind, on=on, by=coordinator, reason=f"why {kind}"
        )
    entries = AuditEntry.objects.filter(
        action="partnership.event_recorded", target_id=str(tie.pk)
    ).order_by("id")
    assert [(e.changes["event"], e.changes["reason"]) for e in entries] == [
        ("reported_negotiating", ""),
        ("signed", "why signed"),
        ("went_dormant", "why went_dormant"),
    ]


def test_an_event_recorded_by_the_system_is_audited_as_the_system(tie):
    services.partnership_record_event(partnership=tie, kind="signed", on=date(2024, 9, 5), by=None)
    entry = AuditEntry.objects.filter(action="partnership.event_recorded").first()
    assert entry.actor is None
    assert entry.actor_label == "system"
    assert tie.events.get(kind="signed").recorded_by is None


# --- clearance --------------------------------------------------------------------------------


def pdf(name: str = "memorandum.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


@pytest.fixture
def draft(tie, zhytomyr):
    document = clearance.document_create(
        partnership=tie,
        kind="memorandum",
        by=zhytomyr,
        title_en=" Memorandum of Understanding ",
        title_uk="Меморандум про взаєморозуміння",
    )
    clearance.document_add_version(document=document, language="uk", upload=pdf(), by=zhytomyr)
    return document


def submitted(document, by) -> Document:
    clearance.document_submit(document=document, by=by)
    return Document.objects.get(pk=document.pk)


def review(document, key, decision, by, **kw):
    return clearance.document_review(
        document=document, ministry=org(key), decision=decision, by=by, **kw
    )


def reload(document) -> Document:
    return Document.objects.get(pk=document.pk)


def test_document_create(draft, zhytomyr):
    assert draft.status == DocumentStatus.DRAFT
    assert draft.review_round == 0
    assert draft.title_en == "Memorandum of Understanding"
    assert draft.created_by == zhytomyr
    assert AuditEntry.objects.filter(action="document.created", target_id=str(draft.pk)).exists()


def test_document_create_refuses_an_unknown_instrument(tie, zhytomyr):
    with pytest.raises(ValidationError):
        clearance.document_create(partnership=tie, kind="treaty", by=zhytomyr)


def test_a_draft_without_a_text_cannot_be_submitted(tie, zhytomyr):
    document = clearance.document_create(partnership=tie, kind="memorandum", by=zhytomyr)
    with pytest.raises(ValidationError) as caught, translation.override("en"):
        clearance.document_submit(document=document, by=zhytomyr)
    assert text(caught.value) == "Upload the text before submitting it for review."
    assert reload(document).status == DocumentStatus.DRAFT


def test_clearance_mfa_no_objection_and_mindev_approval_clear_the_draft(
    draft, zhytomyr, ministry, mindev, tie
):
    document = submitted(draft, zhytomyr)
    assert (document.status, document.review_round) == (DocumentStatus.UNDER_REVIEW, 1)
    assert document.submitted_at is not None

    review(document, "mfa", "no_objection", ministry)
    assert reload(document).status == DocumentStatus.UNDER_REVIEW  # the MFA alone is not enough
    assert not tie.events.filter(kind="draft_approved_by_ministry").exists()

    approval = review(document, "mindev", "approved", mindev, order_number=" 245 ")
    assert approval.order_number == "245"
    assert approval.round == 1
    document = reload(document)
    assert document.status == DocumentStatus.CLEARED
    assert document.cleared_at is not None

    event = tie.events.get(kind="draft_approved_by_ministry")
    assert event.occurred_on == timezone.localdate()
    assert event.document == document
    # The order's number is kept; its words are composed in the reader's language when shown.
    assert (event.order_number, event.source) == ("245", "")
    with translation.override("uk"):
        assert event.order_label == "Наказ Мінрозвитку № 245"
    with translation.override("en"):
        assert event.order_label == "Order No. 245 of the Ministry for Development"
    assert event.stage_after == Stage.NEGOTIATING
    assert fresh(tie).stage == Stage.NEGOTIATING
    decisions = set(
        AuditEntry.objects.filter(action="document.reviewed", target_id=str(document.pk))
        .values_list("changes__ministry", "changes__decision")
        .distinct()
    )
    assert decisions == {("mfa", "no_objection"), ("mindev", "approved")}


def test_clearance_in_either_order(draft, zhytomyr, ministry, mindev):
    document = submitted(draft, zhytomyr)
    review(document, "mindev", "approved", mindev, order_number="17")
    assert reload(document).status == DocumentStatus.UNDER_REVIEW
    review(document, "mfa", "no_objection", ministry)
    assert reload(document).status == DocumentStatus.CLEARED


def test_clearance_of_an_exploring_tie_moves_it_to_negotiating(coordinator, ministry, mindev):
    partnership = services.partnership_create(
        by=coordinator,
        ukrainian_region=region("UA-74"),
        partner_region=region("US-MN"),
        first_event_on=date(2024, 1, 15),
    )
    document = clearance.document_create(
        partnership=partnership, kind="letter_of_intent", by=coordinator
    )
    clearance.document_add_version(document=document, language="en", upload=pdf(), by=coordinator)
    document = submitted(document, coordinator)
    review(document, "mfa", "no_objection", ministry)
    review(document, "mindev", "approved", mindev, order_number="9")
    partnership = fresh(partnership)
    assert partnership.stage == Stage.NEGOTIATING
    assert partnership.stage_since == timezone.localdate()


def test_a_return_needs_comments_and_keeps_them(draft, zhytomyr, ministry):
    document = submitted(draft, zhytomyr)
    with pytest.raises(ValidationError) as caught, translation.override("en"):
        review(document, "mfa", "returned", ministry, comments="   ")
    assert "comments are required" in text(caught.value)
    assert not Review.objects.filter(document=document).exists()
    assert reload(document).status == DocumentStatus.UNDER_REVIEW

    review(document, "mfa", "returned", ministry, comments="Article 4: name the spheres.\n")
    document = reload(document)
    assert document.status == DocumentStatus.RETURNED
    kept = document.reviews.get()
    assert (kept.decision, kept.comments, kept.round) == (
        "returned",
        "Article 4: name the spheres.",
        1,
    )
    assert kept.reviewer == ministry


def test_a_returned_document_cannot_be_decided_on_until_resubmitted(draft, zhytomyr, ministry):
    document = submitted(draft, zhytomyr)
    review(document, "mfa", "returned", ministry, comments="Fix the title.")
    with pytest.raises(ValidationError) as caught, translation.override("en"):
        review(document, "mfa", "no_objection", ministry)
    assert text(caught.value) == "This document is not waiting for review."


def test_resubmission_starts_round_two_and_needs_both_decisions_again(
    draft, zhytomyr, ministry, mindev, tie
):
    document = submitted(draft, zhytomyr)
    review(document, "mfa", "no_objection", ministry)
    review(document, "mindev", "returned", mindev, comments="Add the order's annex.")
    assert reload(document).status == DocumentStatus.RETURNED

    # A returned document takes a revised text, then goes back to the ministries.
    document = reload(document)
    clearance.document_add_version(document=document, language="uk", upload=pdf(), by=zhytomyr)
    document = submitted(document, zhytomyr)
    assert (document.status, document.review_round) == (DocumentStatus.UNDER_REVIEW, 2)

    # The MFA's "no objection" of round 1 does not count in round 2.
    review(document, "mindev", "approved", mindev, order_number="301")
    assert reload(document).status == DocumentStatus.UNDER_REVIEW
    assert not tie.events.filter(kind="draft_approved_by_ministry").exists()
    review(document, "mfa", "no_objection", ministry)
    assert reload(document).status == DocumentStatus.CLEARED
    assert list(document.reviews.order_by("round", "id").values_list("round", "decision")) == [
        (1, "no_objection"),
        (1, "returned"),
        (2, "approved"),
        (2, "no_objection"),
    ]
    assert tie.events.get(kind="draft_approved_by_ministry").order_number == "301"


def test_a_ministry_cannot_decide_twice_in_a_round(draft, zhytomyr, ministry):
    document = submitted(draft, zhytomyr)
    review(document, "mfa", "no_objection", ministry)
    with pytest.raises(ValidationError) as caught, translation.override("en"):
        review(document, "mfa", "no_objection", ministry)
    assert text(caught.value) == "Your ministry has already decided in this round."
    assert document.reviews.count() == 1


def test_the_mfa_cannot_approve(draft, zhytomyr, ministry):
    document = submitted(draft, zhytomyr)
    with pytest.raises(ValidationError) as caught, translation.override("en"):
        review(document, "mfa", "approved", ministry, order_number="1")
    assert "cannot decide" in text(caught.value)
    assert not document.reviews.exists()


def test_the_ministry_for_development_approves_rather_than_not_objecting(draft, zhytomyr, mindev):
    document = submitted(draft, zhytomyr)
    with pytest.raises(ValidationError):
        review(document, "mindev", "no_objection", mindev)
    assert not document.reviews.exists()


def test_an_approval_needs_an_order_number(draft, zhytomyr, mindev):
    document = submitted(draft, zhytomyr)
    with pytest.raises(ValidationError) as caught, translation.override("en"):
        review(document, "mindev", "approved", mindev, order_number="  ")
    assert text(caught.value) == "An approval needs the number of the ministry's order."
    assert not document.reviews.exists()


def test_only_the_clearing_ministries_review(draft, zhytomyr, coordinator):
    document = submitted(draft, zhytomyr)
    with pytest.raises(PermissionDenied):
        review(document, "rma-UA-18", "no_objection", coordinator)
    assert not document.reviews.exists()


def test_an_unknown_decision_is_refused(draft, zhytomyr, ministry):
    document = submitted(draft, zhytomyr)
    with pytest.raises(ValidationError):
        review(document, "mfa", "maybe", ministry)


def test_a_document_under_review_cannot_be_submitted_again(draft, zhytomyr):
    document = submitted(draft, zhytomyr)
    with pytest.raises(ValidationError):
        clearance.document_submit(document=document, by=zhytomyr)
    assert reload(document).review_round == 1


# --- signing ----------------------------------------------------------------------------------


@pytest.fixture
def clear(zhytomyr, ministry, mindev):
    def clear(document):
        document = submitted(document, zhytomyr)
        review(document, "mfa", "no_objection", ministry)
        review(document, "mindev", "approved", mindev, order_number="77")
        return reload(document)

    return clear


@pytest.mark.parametrize("status", ["draft", "under_review", "returned"])
def test_only_a_cleared_document_can_be_signed(draft, zhytomyr, ministry, status, tie):
    document = draft
    if status != "draft":
        document = submitted(document, zhytomyr)
    if status == "returned":
        review(document, "mfa", "returned", ministry, comments="No.")
        document = reload(document)
    with pytest.raises(ValidationError) as caught, translation.override("en"):
        clearance.document_sign(document=document, by=zhytomyr, signed_on=timezone.localdate())
    assert text(caught.value) == "Only a cleared document can be signed."
    assert reload(document).status == status
    assert not tie.events.filter(kind="signed").exists()


def test_signing_a_memorandum(draft, clear, zhytomyr, tie):
    document = clear(draft)
    today = timezone.localdate()
    clearance.document_sign(
        document=document,
        by=zhytomyr,
        signed_on=today,
        place_en="Kyiv",
        place_uk="Київ",
        valid_until=today + timedelta(days=5 * 365),
        signatories=[
            {
                "name_en": "Vitalii Bunechko",
                "name_uk": "Віталій Бунечко",
                "title_en": "Head of the Zhytomyr Oblast Military Administration",
                "signs_for": "ukrainian",
            },
            {"name_en": "Eric Holcomb", "title_en": "Governor of Indiana", "signs_for": "partner"},
            {"name_en": "", "name_uk": " ", "signs_for": "partner"},  # empty rows are skipped
        ],
        source="wishtv.com",
    )
    document = reload(document)
    assert document.status == DocumentStatus.SIGNED
    assert (
        document.signed_on,
        document.signed_place_uk,
        document.signed_place_en,
        document.signed_online,
    ) == (today, "Київ", "Kyiv", False)
    event = tie.events.get(kind="signed")
    assert event.stage_after == Stage.MEMORANDUM_SIGNED
    assert event.document == document
    assert (event.place_uk, event.place_en) == ("Київ", "Kyiv")
    assert event.source == "wishtv.com"
    assert "Vitalii Bunechko (Head of the Zhytomyr Oblast Military Administration)" in (
        event.signatories_en
    )
    assert "Eric Holcomb (Governor of Indiana)" in event.signatories_en
    # In Ukrainian: the Ukrainian name where there is one, the English one for the rest.
    assert "Віталій Бунечко (Head of the Zhytomyr Oblast Military Administration)" in (
        event.signatories_uk
    )
    assert fresh(tie).stage == Stage.MEMORANDUM_SIGNED
    assert list(document.signatories.values_list("name_en", "signs_for")) == [
        ("Eric Holcomb", "partner"),
        ("Vitalii Bunechko", "ukrainian"),
    ]
    assert AuditEntry.objects.filter(action="document.signed", target_id=str(document.pk)).exists()


def test_signing_a_cooperation_agreement_online_with_the_ambassador(
    tie, zhytomyr, clear, coordinator
):
    document = clearance.document_create(
        partnership=tie, kind="cooperation_agreement", by=zhytomyr, title_en="Cooperation"
    )
    clearance.document_add_version(document=document, language="en", upload=pdf(), by=zhytomyr)
    document = clear(document)
    clearance.document_sign(
        document=document,
        by=coordinator,
        signed_on=timezone.localdate(),
        online=True,
        signatories=[
            {
                "name_en": "Oksana Markarova",
                "title_en": "Ambassador of Ukraine to the United States",
                "signs_for": "ukrainian",
                "on_behalf_of_en": "Zhytomyr Oblast Military Administration",
            },
            {"name_en": "Eric Holcomb", "title_en": "Governor", "signs_for": "partner"},
        ],
    )
    ambassador = Signatory.objects.get(document=document, name_en="Oksana Markarova")
    assert ambassador.on_behalf_of_en == "Zhytomyr Oblast Military Administration"
    assert ambassador.signs_for == "ukrainian"
    assert reload(document).signed_online is True
    event = tie.events.get(kind="signed")
    assert event.online is True
    assert event.stage_after == Stage.AGREEMENT_SIGNED
    tie = fresh(tie)
    assert tie.stage == Stage.AGREEMENT_SIGNED
    assert tie.stage_since == timezone.localdate()


def test_a_memorandum_signed_after_an_agreement_keeps_the_agreement(tie, zhytomyr, clear):
    services.partnership_record_event(
        partnership=tie,
        kind="signed",
        on=date(2024, 9, 22),
        by=zhytomyr,
        signed_stage=Stage.AGREEMENT_SIGNED,
    )
    document = clearance.document_create(partnership=tie, kind="action_plan", by=zhytomyr)
    clearance.document_add_version(document=document, language="uk", upload=pdf(), by=zhytomyr)
    clearance.document_sign(document=clear(document), by=zhytomyr, signed_on=timezone.localdate())
    assert tie.events.get(document=document, kind="signed").stage_after == Stage.AGREEMENT_SIGNED
    tie = fresh(tie)
    assert (tie.stage, tie.stage_since) == (Stage.AGREEMENT_SIGNED, date(2024, 9, 22))


def test_a_signing_in_the_future_is_refused_and_nothing_is_saved(draft, clear, zhytomyr, tie):
    document = clear(draft)
    with pytest.raises(LifecycleError):
        clearance.document_sign(
            document=document,
            by=zhytomyr,
            signed_on=timezone.localdate() + timedelta(days=3),
            signatories=[{"name_en": "Someone", "signs_for": "ukrainian"}],
        )
    stored = reload(document)
    assert stored.status == DocumentStatus.CLEARED
    assert stored.signed_on is None
    assert not Signatory.objects.filter(document=document).exists()
    assert not tie.events.filter(kind="signed").exists()


def test_validity_must_end_after_the_signing(draft, clear, zhytomyr):
    document = clear(draft)
    today = timezone.localdate()
    with pytest.raises(ValidationError):
        clearance.document_sign(document=document, by=zhytomyr, signed_on=today, valid_until=today)
    assert reload(document).status == DocumentStatus.CLEARED


def test_a_signatory_must_sign_for_one_side(draft, clear, zhytomyr, tie):
    document = clear(draft)
    with pytest.raises(ValidationError):
        clearance.document_sign(
            document=document,
            by=zhytomyr,
            signed_on=timezone.localdate(),
            signatories=[{"name_en": "Somebody", "signs_for": "nobody"}],
        )
    assert reload(document).status == DocumentStatus.CLEARED
    assert not tie.events.filter(kind="signed").exists()


@pytest.mark.parametrize("status", ["expired", "terminated"])
def test_document_close(draft, clear, zhytomyr, status):
    document = clear(draft)
    with pytest.raises(ValidationError) as caught, translation.override("en"):
        clearance.document_close(document=document, by=zhytomyr, status=status)
    assert text(caught.value) == "Only a signed document can expire or be terminated."
    clearance.document_sign(document=document, by=zhytomyr, signed_on=timezone.localdate())
    document = reload(document)
    clearance.document_close(document=document, by=zhytomyr, status=status)
    assert reload(document).status == status
    assert AuditEntry.objects.filter(
        action=f"document.{status}", target_id=str(document.pk)
    ).exists()
    with pytest.raises(ValidationError):
        clearance.document_close(document=reload(document), by=zhytomyr, status=status)


def test_document_close_refuses_an_unknown_status(draft, clear, zhytomyr):
    document = clear(draft)
    clearance.document_sign(document=document, by=zhytomyr, signed_on=timezone.localdate())
    with pytest.raises(ValidationError):
        clearance.document_close(document=reload(document), by=zhytomyr, status="draft")
    assert reload(document).status == DocumentStatus.SIGNED


# --- the review queue -------------------------------------------------------------------------


def queue(user) -> list[int]:
    return list(selectors.review_queue(user).values_list("pk", flat=True))


def test_the_review_queue_shows_a_draft_to_the_mfa_until_the_mfa_decides(
    draft, zhytomyr, ministry, mindev, coordinator
):
    assert queue(ministry) == []  # a draft not yet submitted waits for nobody
    document = submitted(draft, zhytomyr)
    assert queue(ministry) == [document.pk]
    assert queue(mindev) == [document.pk]
    assert queue(coordinator) == [document.pk]

    review(document, "mfa", "no_objection", ministry)
    assert queue(ministry) == []
    assert queue(mindev) == [document.pk]  # still waiting for the other ministry
    assert queue(coordinator) == [document.pk]

    review(document, "mindev", "returned", mindev, comments="Add an annex.")
    assert queue(mindev) == []
    assert queue(coordinator) == []

    document = submitted(reload(document), zhytomyr)  # round 2: both decide again
    assert queue(ministry) == [document.pk]
    assert queue(mindev) == [document.pk]


def test_the_review_queue_is_not_for_regions_or_outsiders(draft, zhytomyr, outsider):
    submitted(draft, zhytomyr)
    assert queue(outsider) == []


def test_the_review_queue_is_oldest_first(tie, zhytomyr, ministry):
    documents = []
    for kind in ["memorandum", "action_plan"]:
        document = clearance.document_create(partnership=tie, kind=kind, by=zhytomyr)
        clearance.document_add_version(document=document, language="uk", upload=pdf(), by=zhytomyr)
        documents.append(submitted(document, zhytomyr).pk)
    assert queue(ministry) == documents


@pytest.mark.parametrize(
    "field",
    ["ukrainian_side_uk", "partner_name_en", "partner_kind", "confidential", "next_step_en"],
)
def test_partnership_update_refuses_none_where_the_column_cannot_be_empty(tie, coordinator, field):
    before = getattr(tie, field)
    with pytest.raises(ValidationError) as caught:
        services.partnership_update(partnership=tie, by=coordinator, **{field: None})
    assert field in caught.value.message_dict
    tie.refresh_from_db()
    assert getattr(tie, field) == before


def test_partnership_update_clears_what_may_be_empty(tie, coordinator):
    services.partnership_update(partnership=tie, by=coordinator, next_step_due=date(2030, 1, 1))
    services.partnership_update(
        partnership=tie, by=coordinator, next_step_due=None, next_step_uk="", next_step_en=""
    )
    tie.refresh_from_db()
    assert tie.next_step_due is None and tie.next_step == ""


# --- the dates the registry takes --------------------------------------------------------------


@pytest.mark.parametrize("day", [date(1949, 12, 31), date(1, 1, 1)])
def test_an_event_before_the_registry_dates_is_refused(tie, coordinator, day):
    before = events_of(tie)
    with pytest.raises(ValidationError):
        services.partnership_record_event(
            partnership=tie, kind="reported_negotiating", on=day, by=coordinator
        )
    assert events_of(tie) == before


def test_an_event_on_the_earliest_registry_date_is_taken(coordinator):
    tie = services.partnership_create(
        by=coordinator,
        ukrainian_region=region("UA-18"),
        partner_region=region("US-OH"),
        first_event_on=date(1950, 1, 1),
    )
    assert tie.events.get().occurred_on == date(1950, 1, 1)


@pytest.mark.parametrize("day", [date(2101, 1, 1), date(9999, 12, 31)])
def test_a_next_step_after_the_registry_dates_is_refused(tie, coordinator, day):
    with pytest.raises(ValidationError) as caught:
        services.partnership_update(partnership=tie, by=coordinator, next_step_due=day)
    assert "next_step_due" in caught.value.message_dict
    tie.refresh_from_db()
    assert tie.next_step_due is None
    services.partnership_update(partnership=tie, by=coordinator, next_step_due=date(2100, 12, 31))


def test_a_validity_after_the_registry_dates_is_refused(draft, clear, zhytomyr, tie):
    document = clear(draft)
    with pytest.raises(ValidationError):
        clearance.document_sign(
            document=document,
            by=zhytomyr,
            signed_on=timezone.localdate(),
            valid_until=date(9999, 1, 1),
        )
    document.refresh_from_db()
    assert document.status == DocumentStatus.CLEARED and document.valid_until is None
