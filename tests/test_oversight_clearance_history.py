"""Clearance on a past day is read from the history of submissions (`Submission`), not from the
document's latest round: a draft returned and resubmitted waited on the ministries, then on its
region, then on the ministries again, each for as long as it did then.

The drafts go through the real services (`document_submit`, `document_review`); the times they
stamp are then moved into the past, as if each step had happened on its day.
"""

import importlib

import pytest
from django.apps import apps

from regionbridge.audit.models import AuditEntry
from regionbridge.oversight import selectors
from regionbridge.partnerships import clearance
from regionbridge.partnerships.lifecycle import EventKind
from regionbridge.partnerships.models import Document, Review, Submission
from tests.conftest import org
from tests.test_api_grid import pdf
from tests.test_oversight_dashboard import at, days_ago, opened, record, today

pytestmark = pytest.mark.django_db


@pytest.fixture
def tie(reference, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    tie = opened("UA-18", "US-IN", 90)
    record(tie, EventKind.NEGOTIATIONS_REPORTED, 60)
    return tie


def draft(tie) -> Document:
    document = clearance.document_create(
        partnership=tie, kind="memorandum", by=None, title_en="Memorandum"
    )
    clearance.document_add_version(document=document, language="en", upload=pdf(), by=None)
    return document


def submit(document: Document, n_days_ago: int) -> Document:
    document = clearance.document_submit(document=document, by=None)
    when = at(days_ago(n_days_ago))
    Submission.objects.filter(document=document, round=document.review_round).update(
        submitted_at=when
    )
    Document.objects.filter(pk=document.pk).update(submitted_at=when)
    return document


def review(document: Document, key: str, decision: str, n_days_ago: int, **kw) -> None:
    review = clearance.document_review(
        document=document, ministry=org(key), decision=decision, by=None, **kw
    )
    Review.objects.filter(pk=review.pk).update(decided_at=at(days_ago(n_days_ago)))


def waiting(user, n_days_ago: int) -> dict[str, list[tuple[int, int]]]:
    """Per ministry, (document, days waited); and the returned ones under "region"."""
    waits = selectors.clearance_waits(user, as_of=days_ago(n_days_ago))
    seen = {w.ministry.key: [(d.pk, d.waited) for d in w.drafts] for w in waits.ministries}
    seen["region"] = [(d.pk, d.waited) for d in waits.returned]
    return seen


@pytest.fixture
def resubmitted(tie) -> Document:
    """Submitted 30 days ago, returned by the MFA 20 days ago, submitted again 10 days ago."""
    document = submit(draft(tie), 30)
    review(document, "mfa", "returned", 20, comments="Align the text with the model")
    return submit(document, 10)


def test_a_resubmitted_draft_waits_on_whom_it_waited_on_each_day(resubmitted, coordinator):
    pk = resubmitted.pk
    assert list(resubmitted.submissions.values_list("round", flat=True)) == [1, 2]
    # Round 1, before the return: on both ministries, for 5 days.
    assert waiting(coordinator, 25) == {"mfa": [(pk, 5)], "mindev": [(pk, 5)], "region": []}
    # Returned 20 days ago, not yet sent back: on the region, 5 days since the return.
    assert waiting(coordinator, 15) == {"mfa": [], "mindev": [], "region": [(pk, 5)]}
    # Round 2: on both ministries again, since the new submission.
    assert waiting(coordinator, 5) == {"mfa": [(pk, 5)], "mindev": [(pk, 5)], "region": []}
    assert waiting(coordinator, 0) == {"mfa": [(pk, 10)], "mindev": [(pk, 10)], "region": []}
    # Before the first submission: nowhere.
    assert waiting(coordinator, 31) == {"mfa": [], "mindev": [], "region": []}


def test_a_cleared_draft_waits_until_the_day_it_is_cleared(tie, coordinator):
    document = submit(draft(tie), 8)
    review(document, "mfa", "no_objection", 6)
    review(document, "mindev", "approved", 3, order_number="12")
    Document.objects.filter(pk=document.pk).update(cleared_at=at(days_ago(3)))
    assert waiting(coordinator, 7) == {
        "mfa": [(document.pk, 1)],
        "mindev": [(document.pk, 1)],
        "region": [],
    }
    assert waiting(coordinator, 5) == {"mfa": [], "mindev": [(document.pk, 3)], "region": []}
    for n in (3, 2, 0):
        assert waiting(coordinator, n) == {"mfa": [], "mindev": [], "region": []}


def test_the_past_day_costs_no_more_queries_than_today(
    resubmitted, coordinator, django_assert_num_queries
):
    selectors.clearance_waits(coordinator, as_of=today())  # the viewer's scope, read once
    # The ministries, one list per ministry, the returned: the history is read in subqueries.
    for n in (0, 15, 25):
        with django_assert_num_queries(4):
            selectors.clearance_waits(coordinator, as_of=days_ago(n))


def test_the_migration_fills_earlier_rounds_from_the_audit_log(resubmitted):
    """Documents submitted before the history was kept: the latest round from the document's own
    fields, earlier ones from the log's "document.submitted" entries (each names its round)."""
    migration = importlib.import_module(
        "regionbridge.partnerships.migrations.0010_submission_history"
    )
    logged = AuditEntry.objects.filter(
        action="document.submitted", target_id=str(resubmitted.pk)
    ).order_by("at")
    assert [e.changes["round"] for e in logged] == [1, 2]
    Submission.objects.all().delete()
    migration.backfill(apps, None)
    assert list(resubmitted.submissions.values_list("round", "submitted_at")) == [
        (1, logged[0].at),
        (2, at(days_ago(10))),
    ]
