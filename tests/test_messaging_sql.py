"""Messaging at scale (issue 9): posting costs the same whoever listens, the outbox is drained by
one job, the inbox is paged with its unread counts in SQL, and search keeps its hits in SQL.

Query counts are pinned; bytes and time are the benchmark's business (`make bench`).
"""

from datetime import timedelta

import pytest
from django.core.mail.backends.base import BaseEmailBackend
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from regionbridge import policy
from regionbridge.accounts.models import NotificationMode, Role, RoleAssignment, User
from regionbridge.accounts.services import token_issue
from regionbridge.messaging import search, selectors, services
from regionbridge.messaging.models import (
    Message,
    Participant,
    Thread,
)
from regionbridge.organizations.models import Organization
from regionbridge.outbox.models import OutboundEmail, OutboxStatus
from regionbridge.outbox.tasks import deliver_due, deliver_outbox
from regionbridge.partnerships import services as partnerships
from regionbridge.partnerships.models import Partnership
from tests.conftest import org, region
from tests.factories import OrganizationFactory, PersonFactory, UserFactory

pytestmark = pytest.mark.django_db

Action = policy.Action


def start(by, subject: str = "Test thread", **kwargs) -> Thread:
    return services.thread_create(by=by, subject=subject, **kwargs)


def post(thread: Thread, author, body: str = "Hello", **kwargs) -> Message:
    return services.message_post(thread=thread, author=author, body=body, **kwargs)


def tie(ukrainian: str, partner: str, *, confidential: bool = False) -> Partnership:
    return partnerships.partnership_create(
        by=None,
        ukrainian_region=region(ukrainian),
        partner_region=region(partner),
        confidential=confidential,
    )


def people(n: int, prefix: str, **fields) -> list[User]:
    """`n` accounts written in one go (the factories would take minutes for hundreds)."""
    User.objects.bulk_create(
        User(email=f"{prefix}{i}@example.org", full_name=f"{prefix} {i}", **fields)
        for i in range(n)
    )
    return list(User.objects.filter(email__startswith=prefix).order_by("pk"))


def office(n: int, key: str) -> Organization:
    """An office whose `n` staff all hold a role bound to it."""
    organization = OrganizationFactory(key=key, name_en=key.title())
    staff = people(n, key)
    RoleAssignment.objects.bulk_create(
        RoleAssignment(user=user, role=Role.PARTNER, organization=organization) for user in staff
    )
    return organization


def outbox_to(message: Message) -> list[str]:
    return sorted(
        OutboundEmail.objects.filter(message=message).values_list("to", flat=True).distinct()
    )


# --- who reads a thread: one queryset, the same answer as `can` ------------------------------


def test_the_readers_of_a_thread_are_exactly_those_who_may_see_it(
    coordinator, ministry, embassy, zhytomyr, chernihiv, indiana, institution_user, outsider
):
    """The recipients' queryset is the thread rule read the other way round: for every account
    and every kind of thread (direct, an open tie, a confidential negotiation with participants
    added before it became confidential, an office), it agrees with `policy.can`."""
    hospital = RoleAssignment.objects.get(user=institution_user).organization
    listed = UserFactory(email="listed@example.org")  # in the MFA's directory, no role
    PersonFactory(organization=org("mfa"), user=listed)
    gone = UserFactory(email="gone@example.org", is_active=False)
    root = UserFactory(email="root@example.org", is_superuser=True)
    everyone = [coordinator, ministry, embassy, zhytomyr, chernihiv, indiana]
    everyone += [institution_user, outsider, listed, gone, root]
    negotiation = tie("UA-74", "US-MN", confidential=True)
    open_tie = tie("UA-18", "US-IN")
    threads = [
        start(zhytomyr, users=[indiana, outsider, gone]),
        start(zhytomyr, users=[indiana], organizations=[org("mfa")], partnership=open_tie),
        start(chernihiv, partnership=negotiation),
        start(coordinator, organizations=[hospital, org("embassy-us")]),
    ]
    for user in (zhytomyr, indiana, outsider, root):  # added before the rule
        Participant.objects.create(thread=threads[2], user=user)
    Participant.objects.create(thread=threads[2], organization=hospital)
    Participant.objects.create(thread=threads[2], organization=org("mfa"))
    for partnership in (negotiation, open_tie):
        expected = {
            u.email for u in everyone if policy.can(u, Action.PARTNERSHIP_VIEW, partnership)
        }
        viewers = policy.partnership_viewers(partnership).filter(pk__in=[u.pk for u in everyone])
        assert {u.email for u in viewers} == expected
    for thread in threads:
        thread = Thread.objects.get(pk=thread.pk)
        expected = {u.email for u in everyone if policy.can(u, Action.THREAD_VIEW, thread)}
        assert {u.email for u in policy.thread_readers(thread)} == expected, thread.subject
        assert expected, thread.subject  # each grid row has somebody in it


def test_no_email_reaches_anyone_the_negotiation_is_hidden_from(chernihiv, zhytomyr, embassy):
    thread = start(chernihiv, partnership=tie("UA-74", "US-MN", confidential=True))
    Participant.objects.create(thread=thread, user=zhytomyr)  # before it became confidential
    Participant.objects.create(thread=thread, guest_email="guest@partner.example")
    Participant.objects.create(thread=thread, organization=org("embassy-us"))
    message = post(thread, chernihiv, "Terms @zhytomyr@example.org @embassy@example.org")
    assert outbox_to(message) == ["embassy@example.org"]
    assert list(message.mentions.values_list("user", flat=True)) == [embassy.pk]


# --- posting: the same queries for 2 and for 200 participants ---------------------------------


def post_queries(thread: Thread, author: User, body: str = "Hello") -> tuple[int, Message]:
    author = User.objects.get(pk=author.pk)  # as a request has it: nothing cached
    with CaptureQueriesContext(connection) as queries:
        message = post(thread, author, body)
    return len(queries), message


def test_posting_costs_the_same_with_200_participants_as_with_2(zhytomyr, indiana):
    small = start(zhytomyr, users=[indiana])
    large = start(zhytomyr, subject="Everyone", users=[indiana])
    crowd = people(198, "crowd")
    Participant.objects.bulk_create(Participant(thread=large, user=user) for user in crowd)
    few, _message = post_queries(small, zhytomyr)
    many, message = post_queries(large, zhytomyr)
    assert many == few
    assert few <= 13  # with the data version replaced (decision 0013)
    assert OutboundEmail.objects.filter(message=message).count() == 199
    assert not OutboundEmail.objects.filter(message=message).exclude(text="").exists()


def test_posting_to_a_whole_office_on_a_partnership_costs_no_query_per_member(zhytomyr, indiana):
    partnership = tie("UA-18", "US-IN")
    small = start(zhytomyr, users=[indiana], partnership=partnership)
    large = start(
        zhytomyr, subject="Office", organizations=[office(30, "office")], partnership=partnership
    )
    few, _message = post_queries(small, zhytomyr, "Hello @indiana@example.org")
    many, message = post_queries(large, zhytomyr, "Hello @office3@example.org")
    assert many == few
    assert len(outbox_to(message)) == 30
    assert list(message.mentions.values_list("user__email", flat=True)) == ["office3@example.org"]


def test_adding_a_whole_office_costs_the_same_queries_as_a_small_one(zhytomyr):
    partnership = tie("UA-18", "US-IN")

    def add(organization: Organization) -> int:
        thread = start(zhytomyr, subject=organization.key, partnership=partnership)
        by = User.objects.get(pk=zhytomyr.pk)
        with CaptureQueriesContext(connection) as queries:
            services.thread_add_participant(thread=thread, by=by, organization=organization)
        return len(queries)

    assert add(office(30, "large")) == add(office(3, "small"))


def test_digest_readers_are_mailed_only_when_mentioned_and_no_one_who_chose_none(zhytomyr):
    digest, off, every = people(3, "mode")
    User.objects.filter(pk=digest.pk).update(notification_mode=NotificationMode.DIGEST)
    User.objects.filter(pk=off.pk).update(notification_mode=NotificationMode.OFF)
    thread = start(zhytomyr, users=[digest, off, every])
    assert outbox_to(post(thread, zhytomyr, "News")) == [every.email]
    assert outbox_to(post(thread, zhytomyr, f"@{digest.email} see this")) == sorted(
        [digest.email, every.email]
    )


def test_the_worker_renders_each_notification_in_its_readers_language(zhytomyr, indiana):
    User.objects.filter(pk=zhytomyr.pk).update(language="uk")
    User.objects.filter(pk=indiana.pk).update(language="en")
    thread = start(zhytomyr, users=[indiana], guests=[("guest@partner.example", "")])
    post(thread, indiana, "Hello from Indiana")
    assert deliver_due() == (2, 0)
    to_zhytomyr = OutboundEmail.objects.get(to="zhytomyr@example.org")
    to_guest = OutboundEmail.objects.get(to="guest@partner.example")
    assert "Відповідайте" in to_zhytomyr.text or "відповід" in to_zhytomyr.text.lower()
    assert "Hello from Indiana" in to_zhytomyr.text
    assert to_guest.reply_to and to_zhytomyr.reply_to != to_guest.reply_to
    assert {row.status for row in OutboundEmail.objects.all()} == {OutboxStatus.SENT}


def test_posting_through_the_api_costs_the_same_with_200_participants(client, zhytomyr, indiana):
    token = token_issue(user=zhytomyr, name="test")[1]
    headers = {"Authorization": f"Bearer {token}"}
    small = start(zhytomyr, users=[indiana])
    large = start(zhytomyr, subject="Everyone", users=[indiana])
    Participant.objects.bulk_create(
        Participant(thread=large, user=user) for user in people(198, "crowd")
    )

    def api_post(thread: Thread) -> int:
        url = f"/api/v1/threads/{thread.pk}/messages"
        with CaptureQueriesContext(connection) as queries:
            response = client.post(
                url, {"body": "Hi"}, content_type="application/json", headers=headers
            )
        assert response.status_code == 201, response.content
        return len(queries)

    api_post(small)  # the token's first use is written once a minute, and
    api_post(large)  # one's first message in a thread starts one's read state there
    few, many = api_post(small), api_post(large)
    assert many == few, (few, many)


def test_marking_read_costs_three_queries_at_most_and_never_goes_back(zhytomyr, indiana):
    thread = start(zhytomyr, users=[indiana])
    first, second = post(thread, zhytomyr, "1"), post(thread, zhytomyr, "2")
    assert selectors.unread_badge(indiana) == 2
    with CaptureQueriesContext(connection) as queries:
        services.thread_mark_read(thread=thread, user=indiana, upto=second.pk)
    assert len(queries) <= 3  # the mark moved (or made), and the unread badge dropped
    assert selectors.unread_badge(indiana) == 0
    services.thread_mark_read(thread=thread, user=indiana, upto=first.pk)
    assert thread.read_states.get(user=indiana).last_read_id == second.pk


# --- the outbox: one drain, however many messages wait ----------------------------------------


class ServerDown(BaseEmailBackend):
    def send_messages(self, email_messages):
        raise ConnectionRefusedError("the mail server is down")


def waiting_drains() -> list[DBTaskResult]:
    return list(
        DBTaskResult.objects.filter(
            status=TaskResultStatus.READY, task_path=deliver_outbox.module_path
        )
    )


def test_messages_posted_during_an_outage_share_one_drain_of_the_outbox(
    settings, zhytomyr, indiana, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = f"{__name__}.ServerDown"
    thread = start(zhytomyr, users=[indiana])
    for i in range(5):
        with django_capture_on_commit_callbacks(execute=True):
            post(thread, zhytomyr, f"Message {i}")
    assert len(waiting_drains()) == 1

    # The drain runs, the server is down: one drain comes back, not one per message.
    DBTaskResult.objects.all().delete()
    deliver_outbox.call()
    assert len(waiting_drains()) == DBTaskResult.objects.count() == 1

    # Nothing due for a while: the one drain waits until then...
    later = timezone.now() + timedelta(minutes=10)
    OutboundEmail.objects.update(next_attempt_at=later)
    DBTaskResult.objects.all().delete()
    deliver_outbox.call()
    (drain,) = waiting_drains()
    assert drain.run_after == later
    # ...and new messages bring it forward rather than start chains of their own.
    for i in range(5):
        with django_capture_on_commit_callbacks(execute=True):
            post(thread, zhytomyr, f"Meanwhile {i}")
    (drain,) = waiting_drains()
    assert drain.run_after <= timezone.now()
    assert DBTaskResult.objects.count() == 1


# --- the inbox: paged by last message, unread counted per page --------------------------------


def inbox(client, page: int = 1):
    response = client.get(reverse("messaging:inbox"), {"page": page})
    assert response.status_code == 200
    return response


def test_the_inbox_is_paged_by_last_message(client, zhytomyr, indiana):
    threads = [start(zhytomyr, subject=f"T{i:02}", users=[indiana], body="Hi") for i in range(35)]
    client.force_login(indiana)
    first = inbox(client).context["threads"]
    assert len(first) == selectors.INBOX_PAGE_SIZE
    assert [t.subject for t in first[:2]] == ["T34", "T33"]
    assert [t.subject for t in inbox(client, 2).context["threads"]] == [
        f"T{i:02}" for i in range(4, -1, -1)
    ]
    post(threads[0], zhytomyr, "Back to the top")
    assert inbox(client).context["threads"][0].subject == "T00"
    assert all(t.unread == 1 for t in inbox(client, 2).context["threads"])


def test_the_inbox_costs_the_same_queries_with_3_threads_as_with_60(client, zhytomyr, indiana):
    client.force_login(indiana)
    for i in range(3):
        start(zhytomyr, subject=f"A{i}", users=[indiana], body="Hi")
    inbox(client)
    with CaptureQueriesContext(connection) as few:
        inbox(client)
    for i in range(57):
        post(start(zhytomyr, subject=f"B{i}", users=[indiana], body="Hi"), zhytomyr, "Again")
    inbox(client)  # the first page after news counts the badge again; the next ones read it
    with CaptureQueriesContext(connection) as many:
        assert inbox(client).context["unread_messages"] == 3 + 57 * 2
    assert len(many) == len(few)


def thread_page(client, thread: Thread, **params):
    response = client.get(reverse("messaging:thread", args=[thread.pk]), params)
    assert response.status_code == 200
    return response


def test_a_long_thread_shows_its_latest_messages_and_links_to_earlier_ones(
    client, zhytomyr, indiana
):
    size = selectors.THREAD_PAGE_SIZE
    thread = start(zhytomyr, users=[indiana], body="Message 0")
    for n in range(1, size + 5):
        post(thread, zhytomyr if n % 2 else indiana, f"Message {n}")
    ordered = list(thread.messages.order_by("id").values_list("pk", flat=True))
    client.force_login(indiana)

    latest = thread_page(client, thread)
    shown = [m.pk for m in latest.context["thread_messages"]]
    assert shown == ordered[-size:]  # oldest first, the newest at the bottom
    html = latest.content.decode()
    assert f'href="?before={shown[0]}"' in html
    assert "data-stream=" in html and f'data-last-id="{ordered[-1]}"' in html
    assert selectors.unread_counts(selectors.threads_for(indiana)[:1], indiana) == {}

    earlier = thread_page(client, thread, before=shown[0])
    assert [m.pk for m in earlier.context["thread_messages"]] == ordered[:-size]
    html = earlier.content.decode()
    assert 'rel="prev"' not in html  # nothing earlier still
    assert "data-stream=" not in html  # a page of history is not live, and has no form
    assert 'name="body"' not in html
    assert reverse("messaging:thread", args=[thread.pk]) in html  # back to the latest


def test_a_thread_page_costs_the_same_queries_with_5_messages_as_with_200(
    client, zhytomyr, indiana
):
    thread = start(zhytomyr, users=[indiana], body="First")
    for n in range(4):
        post(thread, zhytomyr, f"Early {n}")
    client.force_login(indiana)
    thread_page(client, thread)
    post(thread, zhytomyr, "Unread")  # each time, something to mark read
    with CaptureQueriesContext(connection) as few:
        thread_page(client, thread)
    Message.objects.bulk_create(
        Message(thread=thread, author=zhytomyr, body=f"Later {n}", body_html=f"<p>Later {n}</p>")
        for n in range(195)
    )
    with CaptureQueriesContext(connection) as many:
        response = thread_page(client, thread)
    assert len(response.context["thread_messages"]) == selectors.THREAD_PAGE_SIZE
    assert len(many) == len(few)


def test_a_thread_page_read_again_writes_nothing(client, zhytomyr, indiana):
    thread = start(zhytomyr, users=[indiana], body="Hi")
    client.force_login(indiana)
    thread_page(client, thread)  # marks it read
    with CaptureQueriesContext(connection) as again:
        thread_page(client, thread)
    writes = [q["sql"] for q in again if q["sql"].lstrip().upper().startswith(("UPDATE", "INSERT"))]
    assert [w for w in writes if "readstate" in w.lower()] == []
    post(thread, zhytomyr, "New")
    thread_page(client, thread)
    assert selectors.unread_total(indiana) == 0


@pytest.mark.parametrize("raw", ["abc", "-1", "0", "", "9" * 40, "1e9", "\u0661"])
def test_an_unreadable_or_hostile_before_is_answered_not_crashed(client, zhytomyr, indiana, raw):
    thread = start(zhytomyr, users=[indiana], body="Hi")
    client.force_login(indiana)
    response = thread_page(client, thread, before=raw)
    shown = [m.pk for m in response.context["thread_messages"]]
    assert shown in ([], list(thread.messages.values_list("pk", flat=True)))


def test_the_api_thread_list_keeps_page_and_page_size(client, zhytomyr, indiana):
    token = token_issue(user=indiana, name="test")[1]
    headers = {"Authorization": f"Bearer {token}"}
    for i in range(7):
        start(zhytomyr, subject=f"T{i}", users=[indiana], body="Hi")
    response = client.get("/api/v1/threads", {"page": 2, "page_size": 3}, headers=headers)
    data = response.json()
    assert data["count"] == 7
    assert [item["subject"] for item in data["items"]] == ["T3", "T2", "T1"]
    assert [item["unread"] for item in data["items"]] == [1, 1, 1]


def unread(user: User, thread: Thread) -> int:
    return selectors.threads_for(user).get(pk=thread.pk).unread


def test_unread_counts_follow_reading_posting_and_editing(zhytomyr, indiana, ministry):
    thread = start(zhytomyr, users=[indiana], organizations=[org("mfa")])
    first = post(thread, zhytomyr, "One")
    post(thread, zhytomyr, "Two")
    assert (unread(indiana, thread), unread(zhytomyr, thread)) == (2, 0)
    services.thread_mark_read(thread=thread, user=indiana, upto=first.pk)
    assert unread(indiana, thread) == 1
    reply = post(thread, indiana, "Got it")  # posting reads up to one's own message
    assert (unread(indiana, thread), unread(zhytomyr, thread)) == (0, 1)
    services.message_edit(message=reply, by=indiana, body="Got it, thanks")
    assert (unread(indiana, thread), unread(zhytomyr, thread)) == (0, 1)  # an edit is not news
    assert unread(ministry, thread) == 3
    assert selectors.unread_total(ministry) == 3
    other = start(indiana, subject="Other", users=[zhytomyr], body="Elsewhere")
    assert selectors.unread_total(zhytomyr) == 2
    services.thread_mark_read(thread=other, user=zhytomyr, upto=other.messages.last().pk)
    assert selectors.unread_total(zhytomyr) == 1


def test_the_unread_badge_adds_up_every_page_in_one_query(zhytomyr, indiana):
    for i in range(selectors.INBOX_PAGE_SIZE + 5):
        thread = start(zhytomyr, subject=f"T{i}", users=[indiana], body="Hi")
        if i % 3 == 0:
            post(thread, zhytomyr, "More")
    every_page = sum(t.unread for t in selectors.threads_for(indiana))
    user = User.objects.get(pk=indiana.pk)
    policy.scope_of(user)  # once per request, shared with the rest of the page
    with CaptureQueriesContext(connection) as queries:
        assert selectors.unread_total(user) == every_page == 35 + 12
    assert len(queries) == 1


def test_the_badge_is_one_query_until_news_and_follows_posting_and_reading(
    zhytomyr, indiana, ministry
):
    threads = [start(zhytomyr, subject=f"T{i}", users=[indiana], body="Hi") for i in range(3)]
    user = User.objects.get(pk=indiana.pk)
    policy.scope_of(user)
    assert selectors.unread_badge(user) == 3  # counted, and kept
    with CaptureQueriesContext(connection) as queries:
        assert selectors.unread_badge(user) == 3
    assert len(queries) == 1
    post(threads[0], zhytomyr, "News")  # any message anywhere: counted again
    assert selectors.unread_badge(user) == 4
    post(threads[1], indiana, "My own reply marks that thread read")
    assert selectors.unread_badge(user) == 3
    services.thread_mark_read(thread=threads[0], user=indiana, upto=threads[0].messages.last().pk)
    assert selectors.unread_badge(user) == 1
    assert selectors.unread_badge(ministry) == selectors.unread_total(ministry)  # each their own


def test_the_badge_is_kept_also_on_a_site_without_messages(ministry):
    assert Message.objects.count() == 0
    assert selectors.unread_badge(ministry) == 0
    with CaptureQueriesContext(connection) as queries:
        assert selectors.unread_badge(ministry) == 0
    assert len(queries) == 1


def test_the_badge_on_every_page_costs_one_query_until_news(client, zhytomyr, indiana):
    start(zhytomyr, users=[indiana], body="Hi")
    client.force_login(indiana)
    # Not the desk at "/": it lists conversations with their unread counts (read marks) itself.
    client.get("/partnerships/")
    with CaptureQueriesContext(connection) as kept:
        assert client.get("/partnerships/").context["unread_messages"] == 1
    badge = [q for q in kept if "unreadbadge" in q["sql"].lower()]
    assert len(badge) == 1 and not any("readstate" in q["sql"].lower() for q in kept)


def test_the_unread_count_uses_the_thread_and_id_index(zhytomyr, indiana):
    start(zhytomyr, users=[indiana], body="Hi")
    page = list(selectors.threads_for(indiana))
    with CaptureQueriesContext(connection) as queries:
        selectors.unread_counts(page, indiana)
    (query,) = queries
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("EXPLAIN QUERY PLAN " + query["sql"])
            plan = " ".join(str(row) for row in cursor.fetchall())
        else:
            cursor.execute("SET enable_seqscan = off")
            cursor.execute("EXPLAIN " + query["sql"])
            plan = " ".join(row[0] for row in cursor.fetchall())
    assert "message_thread_id" in plan or "messaging_message_thread_id" in plan, plan


# --- search: the hits stay in SQL -------------------------------------------------------------

COMMON = 33_000  # past SQLite's 32,766 variables, had the hits come back as a list of ids


def many_messages(thread: Thread, author: User, n: int) -> None:
    now = timezone.now()
    Message.objects.bulk_create(
        (
            Message(
                thread=thread,
                author=author,
                body=f"Договір {i}",
                body_html=f"<p>Договір {i}</p>",
                search_lemmas=f"договір {i}",
                created_at=now,
            )
            for i in range(n)
        ),
        batch_size=500,
    )
    if connection.vendor == "sqlite":
        rows = thread.messages.values_list("pk", "search_lemmas")
        with connection.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO {search.FTS_TABLE} (rowid, lemmas) VALUES (%s, %s)",
                list(rows),
            )


def test_a_common_word_is_found_over_more_hits_than_sqlite_has_variables(
    client, zhytomyr, indiana, chernihiv
):
    thread = start(zhytomyr, users=[indiana])
    many_messages(thread, zhytomyr, COMMON)
    hidden = start(chernihiv, subject="Not yours")
    post(hidden, chernihiv, "Договір, не ваш")
    found = search.matching(policy.visible(indiana, Message), "договору")
    with CaptureQueriesContext(connection) as queries:
        assert found.count() == COMMON
    assert all(len(query["sql"]) < 2000 for query in queries)  # no list of ids inside
    client.force_login(indiana)
    response = client.get(reverse("messaging:search"), {"q": "договір"})
    assert response.status_code == 200
    assert len(response.context["results"]) == 50
    token = token_issue(user=indiana, name="test")[1]
    response = client.get(
        "/api/v1/search/messages",
        {"q": "договір", "page_size": 5},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200
    assert response.json()["count"] == COMMON


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's full-text index")
def test_postgresql_search_uses_the_full_text_index(zhytomyr, indiana):
    thread = start(zhytomyr, users=[indiana])
    post(thread, zhytomyr, "Договір про співпрацю")
    assert search.matching(policy.visible(indiana, Message), "договору").count() == 1
    # The query's expression is the index's: with the whole table to search, the planner can
    # use it (a scoped search may start from the reader's threads instead, which is fine).
    # A GIN index is read by a bitmap scan: plain index scans (the primary key read in order,
    # on a table this small) are set aside like sequential ones.
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        cursor.execute("SET enable_indexscan = off")
    plan = search.matching(Message.objects.order_by(), "договору").explain()
    assert "messaging_message_lemmas_gin" in plan, plan


def test_a_search_for_nothing_searchable_finds_nothing(zhytomyr):
    thread = start(zhytomyr)
    post(thread, zhytomyr, "Договір")
    assert not search.matching(policy.visible(zhytomyr, Message), "?!").exists()
    assert list(search.matching(policy.visible(zhytomyr, Message), '"договір"')) == [
        thread.messages.get()
    ]


def test_a_message_older_than_its_reader_is_still_unread(zhytomyr, indiana):
    """Ids, not times, decide what is unread: a message written before one joined is news."""
    thread = start(zhytomyr, body="Before you came")
    Participant.objects.create(thread=thread, user=indiana, added_at=timezone.now())
    Thread.objects.filter(pk=thread.pk).update(last_message_at=timezone.now() - timedelta(days=9))
    assert unread(indiana, thread) == 1
