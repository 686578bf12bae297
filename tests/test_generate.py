"""`regionbridge generate-data`: generated data follows the models' rules, is the same for the
same seed, and is never generated twice into one database by accident."""

import hashlib
from datetime import timedelta
from io import StringIO

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.models import F
from django.test import override_settings

from regionbridge import policy
from regionbridge.accounts.models import ApiToken, Role, RoleAssignment, User
from regionbridge.audit.models import AuditEntry
from regionbridge.demo.generate import (
    EPOCH,
    GENERATED_DOMAIN,
    GENERATED_PASSWORD,
    GenerateRefused,
    Plan,
    generate,
)
from regionbridge.institutions.models import InstitutionLink
from regionbridge.lib.collation import name_sort_keys
from regionbridge.matching.models import Match, Post
from regionbridge.messaging import search
from regionbridge.messaging.models import (
    Attachment,
    Mention,
    Message,
    MessageRevision,
    Participant,
    ReadState,
    Thread,
)
from regionbridge.messaging.text import lemmas, render
from regionbridge.organizations.models import ContactChannel, Organization, Person
from regionbridge.organizations.services import organization_search_text, person_search_text
from regionbridge.outbox.models import Notification, OutboundEmail
from regionbridge.partnerships.lifecycle import replay
from regionbridge.partnerships.models import (
    Activity,
    Document,
    DocumentVersion,
    Partnership,
    PartnershipEvent,
    Review,
    Signatory,
)
from regionbridge.partnerships.services import _step
from tests.conftest import ensure_reference

SCALE = 0.01


@pytest.fixture(scope="class")
def generated(django_db_setup, django_db_blocker, tmp_path_factory):
    """One run at scale 0.01, shared by the tests of a class and rolled back after them (before
    the transactional test, which needs the database to itself)."""
    media = tmp_path_factory.mktemp("media")
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=media), transaction.atomic():
        ensure_reference()
        yield generate(scale=SCALE, seed=3)
        transaction.set_rollback(True)


def _generated_users():
    return User.objects.filter(email__endswith="@" + GENERATED_DOMAIN)


# --- every kind of row ------------------------------------------------------------------------


def test_scale_decides_the_counts():
    assert Plan.for_scale(1).messages == 50_000
    assert Plan.for_scale(10).partnerships == 4_000
    assert (Plan.for_scale(1).needs, Plan.for_scale(1).offers) == (600, 900)
    small = Plan.for_scale(0.01)
    assert (small.institutions, small.accounts, small.messages) == (20, 5, 500)
    with pytest.raises(ValueError):
        Plan.for_scale(0)


class TestGeneratedData:
    """One generated run at scale 0.01, checked against the models' rules."""

    def test_generation_creates_every_kind_of_row(self, generated, db):
        rows = generated.rows
        plan = Plan.for_scale(SCALE)
        assert rows["messaging.Message"] == plan.messages
        assert rows["messaging.Thread"] == plan.threads + plan.meetings  # a meeting has its own
        assert rows["institutions.InstitutionLink"] == plan.links
        assert rows["partnerships.Activity"] == plan.activities
        assert rows["organizations.Organization"] >= plan.institutions  # + offices, when missing
        assert rows["partnerships.Partnership"] == plan.partnerships
        assert rows["matching.Post"] == plan.needs + plan.offers
        for model in (
            User,
            RoleAssignment,
            ApiToken,
            Person,
            ContactChannel,
            Partnership,
            PartnershipEvent,
            Document,
            DocumentVersion,
            Review,
            Signatory,
            Activity,
            InstitutionLink,
            Thread,
            Participant,
            Message,
            MessageRevision,
            Attachment,
            Mention,
            ReadState,
            OutboundEmail,
            Notification,
            AuditEntry,
            Post,
            Match,
        ):
            assert rows[model._meta.label] > 0, model
        users = _generated_users()
        assert set(
            RoleAssignment.objects.filter(user__in=users).values_list("role", flat=True)
        ) == set(Role.values)
        assert Partnership.objects.filter(is_demo=True, confidential=True).exists()
        assert Partnership.objects.filter(is_demo=True, stage__endswith="_signed").exists()
        assert Participant.objects.exclude(guest_email="").exists()
        assert Participant.objects.filter(organization__isnull=False).exists()
        assert OutboundEmail.objects.filter(status="sent", sent_at__isnull=False).exists()

    def test_every_time_lies_in_the_generated_year_not_on_the_wall_clock(self, generated, db):
        end = EPOCH + timedelta(days=366)
        for model, name in (
            (Message, "created_at"),
            (Thread, "created_at"),
            (Partnership, "created_at"),
            (User, "date_joined"),
            (AuditEntry, "at"),
            (Activity, "created_at"),
            (Notification, "created_at"),
            (Post, "created_at"),
            (Post, "updated_at"),
            (Match, "computed_at"),
        ):
            rows = model.objects.all()
            if model is User:
                rows = _generated_users()
            if model is Partnership or model is Activity:
                rows = rows.filter(is_demo=True)
            if model is AuditEntry:
                rows = rows.filter(action__in=["thread.created", "link.created"])
            times = list(rows.values_list(name, flat=True))
            assert times and all(EPOCH <= t < end for t in times), model

    def test_notifications_are_as_the_workflows_write_them(self, generated, db):
        from regionbridge.outbox.notifications import text_of

        kinds = set(Notification.objects.values_list("kind", flat=True))
        assert kinds == {"thread.added", "message.mentioned"}
        assert Notification.objects.filter(read=False).exists()
        assert Notification.objects.filter(read=True).exists()
        for notification in Notification.objects.order_by("?")[:20]:
            assert notification.url.startswith("/messages/")
            assert text_of(notification) != notification.kind  # its text composes
            thread = int(notification.url.split("/")[2])
            assert Participant.objects.filter(thread=thread, user=notification.user).exists() or (
                notification.user.role_assignments.exists()
            )

    # --- the models' rules ----------------------------------------------------------------------

    def test_each_partnership_replays_to_its_stored_stage(self, generated, db):
        partnerships = Partnership.objects.filter(is_demo=True).prefetch_related("events")
        assert partnerships
        for partnership in partnerships:
            events = sorted(partnership.events.all(), key=lambda e: (e.occurred_on, e.pk))
            states = replay(_step(e) for e in events)  # raises when a history breaks a rule
            assert [e.stage_after for e in events] == [s.stage for s in states]
            assert (partnership.stage, partnership.stage_since) == (
                states[-1].stage,
                states[-1].since,
            )
            assert partnership.last_event_on == events[-1].occurred_on

    def test_signed_documents_were_cleared_by_both_ministries(self, generated, db):
        for document in Document.objects.filter(status="signed"):
            decisions = set(document.reviews.values_list("ministry__key", "decision"))
            assert decisions == {("mfa", "no_objection"), ("mindev", "approved")}
            assert document.signatories.count() == 2
            assert document.events.filter(kind="signed", occurred_on=document.signed_on).exists()

    def test_each_submitted_document_has_its_rounds_submissions(self, generated, db):
        from regionbridge.partnerships.models import Submission

        submitted = Document.objects.filter(submitted_at__isnull=False)
        assert submitted.exists()
        kept = set(Submission.objects.values_list("document", "round", "submitted_at"))
        assert kept == set(submitted.values_list("pk", "review_round", "submitted_at"))
        assert not Document.objects.filter(submitted_at__isnull=True, submissions__isnull=False)

    def test_thread_participants_can_see_their_threads_and_guests_stay_off_confidential_ones(
        self, generated, db
    ):
        participants = Participant.objects.select_related("thread__partnership", "user")
        for participant in participants:
            thread = participant.thread
            if participant.user is not None:
                assert policy.can(participant.user, policy.Action.THREAD_VIEW, thread), participant
            elif participant.guest_email:
                assert not (thread.partnership and thread.partnership.confidential)
        # Someone without business in a confidential negotiation does not see its threads.
        secret = Thread.objects.filter(partnership__confidential=True).first()
        outsider = (
            _generated_users()
            .filter(role_assignments__role=Role.INSTITUTION)
            .exclude(pk__in=secret.participants.filter(user__isnull=False).values("user"))
            .first()
        )
        assert outsider is not None
        assert not policy.can(outsider, policy.Action.THREAD_VIEW, secret)

    def test_messages_are_rendered_indexed_and_read_as_posting_would(self, generated, db):
        messages = list(Message.objects.select_related("thread"))
        for message in messages:
            assert message.body_html == render(message.body)
            assert message.search_lemmas == lemmas(message.body)
        word = messages[0].search_lemmas.split()[-1]
        found = search.matching(Message.objects.all(), word)
        assert messages[0] in found
        for thread in Thread.objects.filter(messages__isnull=False).distinct():
            last = thread.messages.order_by("-id").first()
            assert thread.last_message_at == last.created_at
        for state in ReadState.objects.all():
            assert state.thread.messages.filter(pk=state.last_read_id).exists()
        for mention in Mention.objects.select_related("message", "user"):
            assert f"@{mention.user.email}" in mention.message.body

    def test_search_text_comes_from_the_directory_rules(self, generated, db):
        institutions = Organization.objects.filter(key__startswith="gen1-").select_related(
            "region", "country"
        )
        assert institutions
        for institution in institutions:
            assert institution.search_text == organization_search_text(institution)
        for person in Person.objects.filter(is_demo=True).select_related("organization"):
            assert person.search_text == person_search_text(person)

    def test_sort_keys_come_from_the_names(self, generated, db):
        rows = [
            *Organization.objects.filter(key__startswith="gen1-"),
            *Person.objects.filter(is_demo=True),
        ]
        assert rows
        for row in rows:
            assert (row.sort_uk, row.sort_en) == name_sort_keys(row.name_uk, row.name_en)
            assert row.sort_uk and row.sort_en
        assert not _generated_users().filter(full_name_en="").exists()  # both scripts

    def test_accounts_sign_in_with_the_generated_password(self, generated, db):
        assert len({u.password for u in _generated_users()}) == 1  # hashed once, for every account
        user = _generated_users().order_by("pk").first()
        assert user.check_password(GENERATED_PASSWORD)

    # --- refusing, appending, the command -------------------------------------------------------

    def test_second_run_refuses_without_append_and_adds_a_run_with_it(self, generated, db):
        before = Message.objects.count()
        with pytest.raises(GenerateRefused):
            generate(scale=SCALE, seed=3)
        err = StringIO()
        with pytest.raises(CommandError, match="--append"):
            call_command("generate-data", "--scale", "0.01", stdout=StringIO(), stderr=err)
        assert Message.objects.count() == before
        out = StringIO()
        call_command("generate-data", "--scale", "0.01", "--append", stdout=out, stderr=err)
        assert "Generated run 2" in out.getvalue()
        assert "messages" in err.getvalue()  # the progress bar, on stderr
        assert Message.objects.count() == before + Plan.for_scale(SCALE).messages
        assert User.objects.filter(email=f"coordinator-1.r2@{GENERATED_DOMAIN}").exists()


# --- the same seed, the same rows ---------------------------------------------------------------


def _digest() -> dict[str, str]:
    """A digest of every table's rows, in id order (and of the search index on SQLite)."""
    digests = {}
    for model in apps.get_models():
        fields = [f.attname for f in model._meta.concrete_fields]
        digest = hashlib.sha256()
        for row in model._default_manager.order_by("pk").values_list(*fields):
            digest.update(repr(row).encode())
        digests[model._meta.label] = digest.hexdigest()
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT rowid, lemmas FROM {search.FTS_TABLE} ORDER BY rowid")
            digests["fts"] = hashlib.sha256(repr(cursor.fetchall()).encode()).hexdigest()
    return digests


def _restart_sequences() -> None:
    """Every id sequence to just after its table's last row (PostgreSQL: sequences are not rolled
    back with a transaction; SQLite's counters are, and need nothing)."""
    statements = connection.ops.sequence_reset_sql(no_style(), apps.get_models())
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def test_same_seed_on_the_same_starting_database_gives_identical_rows(db, tmp_path, settings):
    """Two runs from the same database (rows and id counters), each rolled back afterwards."""
    settings.MEDIA_ROOT = tmp_path
    runs = []
    for _run in range(2):
        with transaction.atomic():
            _restart_sequences()
            before = _digest()
            generate(scale=SCALE, seed=5)
            runs.append(_digest())
            transaction.set_rollback(True)
    first, second = runs
    for digests in runs:  # the data's versions are random tokens (decision 0013), not data
        digests.pop("core.DataVersion")
    assert first == second
    assert first["messaging.Message"] != before["messaging.Message"]
    assert first["partnerships.Partnership"] != before["partnerships.Partnership"]
    assert first["matching.Post"] != before["matching.Post"]
    assert first["matching.Match"] != before["matching.Match"]


# --- meetings (issue 12) ------------------------------------------------------------------------


class TestGeneratedMeetings:
    """The generated year's meetings follow the meetings' rules: each has its own thread whose
    participants are its people, who may see it; held ones have minutes and decisions."""

    def test_meetings_spread_over_the_year_with_their_records(self, generated, db):
        from regionbridge.meetings.models import (
            ActionItem,
            AgendaItem,
            Decision,
            Meeting,
            MeetingResponse,
        )

        plan = Plan.for_scale(SCALE)
        meetings = list(Meeting.objects.select_related("thread"))
        assert len(meetings) == plan.meetings == generated.rows["meetings.Meeting"]
        for model in (AgendaItem, Decision, MeetingResponse, ActionItem):
            assert generated.rows[model._meta.label] > 0, model
        end = EPOCH + timedelta(days=366)
        assert all(EPOCH <= m.starts_at < m.ends_at < end for m in meetings)
        assert all(m.ends_at - m.starts_at <= timedelta(hours=12) for m in meetings)
        assert {m.status for m in meetings} >= {"held", "planned"}
        for meeting in meetings:
            people = meeting.thread.participants.filter(user__isnull=False).count()
            assert 2 <= people <= 8 or people == meeting.thread.participants.count(), meeting
            assert meeting.thread.subject == meeting.title
            assert meeting.thread.partnership_id == meeting.partnership_id
            if meeting.status == "held":
                assert meeting.minutes and meeting.minutes_html == render(meeting.minutes)
                assert 1 <= meeting.decisions.count() <= 3
            else:
                assert not meeting.minutes and not meeting.decisions.exists()
                assert not meeting.actions.exists()

    def test_each_meeting_has_its_own_thread_and_its_people_may_see_it(self, generated, db):
        from regionbridge.meetings.models import Meeting

        meetings = Meeting.objects.select_related("thread__partnership", "organizer")
        threads = [m.thread_id for m in meetings]
        assert len(threads) == len(set(threads))  # one thread a meeting
        assert not Message.objects.filter(thread__in=threads).exists()
        assert meetings.filter(partnership__confidential=True).exists()
        for meeting in meetings:
            assert meeting.thread.participants.filter(user=meeting.organizer).exists()
            assert policy.can(meeting.organizer, policy.Action.MEETING_EDIT, meeting)
            for participant in meeting.thread.participants.select_related("user"):
                if participant.user is not None:
                    assert policy.can(participant.user, policy.Action.MEETING_VIEW, meeting)
                elif participant.guest_email:
                    assert not (meeting.partnership and meeting.partnership.confidential)

    def test_answers_and_actions_belong_to_the_meetings_people(self, generated, db):
        from regionbridge.meetings.models import ActionItem, MeetingResponse
        from regionbridge.meetings.services import overdue

        for response in MeetingResponse.objects.select_related("meeting__thread"):
            participants = response.meeting.thread.participants
            if response.user_id:
                assert participants.filter(user=response.user_id).exists()
            else:
                assert participants.filter(guest_email=response.guest_email).exists()
        actions = ActionItem.objects.select_related("owner", "meeting", "partnership")
        assert {a.status for a in actions} == {"open", "done", "dropped"}
        for action in actions:
            assert action.meeting.status == "held"
            assert action.partnership_id == action.meeting.partnership_id
            assert (action.closed_at is None) == (action.status == "open")
            assert policy.can(action.owner, policy.Action.ACTION_EDIT, action)
        assert overdue(ActionItem.objects.all(), now=EPOCH + timedelta(days=365)).exists()

    def test_accounts_keep_the_holidays_of_their_place(self, generated, db):
        indiana = _generated_users().filter(
            role_assignments__role=Role.PARTNER, role_assignments__region__code="US-IN"
        )
        for user in indiana:
            assert (user.timezone, user.holiday_calendar) == (
                "America/Indiana/Indianapolis",
                "US-IN",
            )
        regional = _generated_users().filter(role_assignments__role=Role.REGIONAL)
        assert regional and all(u.holiday_calendar == "UA" for u in regional)


# --- needs and offers (issue 14) ----------------------------------------------------------------


class TestGeneratedPosts:
    """The generated needs and offers are what the services would have written, and their
    matches what the worker would have kept."""

    def test_posts_have_the_fields_the_services_derive(self, generated, db):
        from regionbridge.matching import services, taxonomy

        tax = taxonomy.current()
        posts = list(Post.objects.select_related("organization", "region", "sphere", "author"))
        assert {p.kind for p in posts} == {"need", "offer"}
        for post in posts:
            assert post.language == services._language(post.title, post.description)
            assert post.search_text == services.post_search_text(post)
            assert post.revision == (1 if post.status == "open" else 2)  # post_set_status
            assert post.title == services.clean_text(post.title, "title", services.TITLE_MAX)
            assert post.description == services.clean_text(
                post.description, "description", services.DESCRIPTION_MAX, lines=True
            )
            assert set(post.topics) <= set(tax.topics)
            if post.topics:  # the first topic is the one the post was composed from
                topic = tax.topics[post.topics[0]]
                assert post.sphere is None or post.sphere.code in topic.spheres
                assert post.institution_type in ("", *topic.institution_types)
            assert post.region_id == post.organization.region_id
            assert policy.can(post.author, policy.Action.POST_CREATE, post.organization), post
            created = AuditEntry.objects.filter(
                action=f"{post.kind}.created", target_id=str(post.pk)
            )
            assert created.count() == 1

    def test_matches_are_the_workers_above_the_threshold(self, generated, db):
        from regionbridge.matching import engine, selectors, tasks, taxonomy

        matches = list(Match.objects.select_related("need__region", "offer__region"))
        assert matches
        per_need = {}
        for match in matches:
            per_need[match.need_id] = per_need.get(match.need_id, 0) + 1
            assert (match.need.kind, match.offer.kind) == ("need", "offer")
            assert match.need.status == match.offer.status == "open"
            assert engine.THRESHOLD <= match.score <= 1
            assert match.strong == (match.score >= engine.STRONG)
            assert match.notified == match.strong  # told, long ago
            assert match.strong_since == (match.computed_at if match.strong else None)
            assert all(set(r) == {"code", "params"} for r in match.reasons)
            words = selectors.reason_words(match.reasons, taxonomy.current(), "en", {})
            assert len(words) == len(match.reasons)
            if match.offer.audience == "partners":
                assert match.offer.region_id in tasks.near_region_ids(match.need.region_id)
        assert max(per_need.values()) <= tasks.TOP

    def test_the_worker_recomputing_a_need_keeps_the_same_rows(self, generated, db):
        """The worker's own run for each open need writes exactly the rows generated for it,
        and counts nothing as left to do."""
        from regionbridge.matching import tasks

        def rows(need):
            return sorted(
                Match.objects.filter(need=need).values_list(
                    "offer_id", "score", "reasons", "strong", "strong_since", "notified"
                )
            )

        assert not Post.objects.filter(matched_revision__lt=F("revision")).exists()
        for need in Post.objects.filter(kind="need", status="open").order_by("pk"):
            before = rows(need)
            tasks.recompute_matches.call(need.pk, need.revision)
            assert rows(need) == before, need
