"""Notifications that move the work (issue 11, point 2): every workflow step tells the people the
policy names (`policy.audience`, whose table is tests/test_policy_audience.py), never the person
who acted, once per key; texts in the reader's language; e-mail for those who want every one,
rendered in the worker."""

from datetime import date, timedelta

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from django_tasks_db.models import DBTaskResult

from regionbridge import policy
from regionbridge.accounts.models import NotificationMode, User
from regionbridge.accounts.services import token_issue
from regionbridge.messaging import services as messaging
from regionbridge.organizations.models import Organization
from regionbridge.outbox import notifications
from regionbridge.outbox.models import Notification, OutboundEmail
from regionbridge.outbox.tasks import deliver_due
from regionbridge.partnerships import clearance
from regionbridge.partnerships.models import Document, Partnership
from regionbridge.partnerships.notifications import document_notify
from tests.factories import UserFactory
from tests.test_api import bearer
from tests.test_policy import chernihiv_minnesota, thread_with, zhytomyr_indiana

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PERSONAS = (
    "coordinator",
    "ministry",
    "embassy",
    "zhytomyr",
    "chernihiv",
    "indiana",
    "institution_user",
    "outsider",
)


@pytest.fixture
def people(request) -> dict:
    return {name: request.getfixturevalue(name) for name in PERSONAS}


def told(kind: str) -> set[str]:
    """The personas holding a notification of `kind`."""
    emails = set(Notification.objects.filter(kind=kind).values_list("user__email", flat=True))
    return {
        email.split("@")[0]
        .replace("mfa", "ministry")
        .replace("coord", "coordinator")
        .replace("hospital", "institution_user")
        for email in emails
    }


def draft(partnership: Partnership) -> Document:
    document = clearance.document_create(
        partnership=partnership,
        kind="memorandum",
        by=None,
        title_en="Draft memorandum",
        title_uk="Проєкт меморандуму",
    )
    upload = SimpleUploadedFile("draft.pdf", PDF, content_type="application/pdf")
    clearance.document_add_version(document=document, language="en", upload=upload, by=None)
    return document


def clear(document: Document) -> None:
    for key, decision, order in (("mfa", "no_objection", ""), ("mindev", "approved", "7")):
        clearance.document_review(
            document=document,
            decision=decision,
            by=None,
            ministry=Organization.objects.get(key=key),
            order_number=order,
        )


# --- each workflow event tells the policy's audience, not the actor ---------------------------


def test_a_submitted_draft_tells_the_clearing_ministries(people):
    document = draft(zhytomyr_indiana())
    clearance.document_submit(document=document, by=people["zhytomyr"])
    assert told("document.submitted") == {"ministry"}
    expected = set(policy.audience("document.submitted", document)) - {people["zhytomyr"]}
    rows = Notification.objects.filter(kind="document.submitted")
    assert {row.user for row in rows} == expected
    assert {row.url for row in rows} == {f"/partnerships/documents/{document.pk}/"}


def test_a_returned_draft_tells_the_region_and_coordinators_not_the_ministry(people):
    document = draft(zhytomyr_indiana())
    clearance.document_submit(document=document, by=people["zhytomyr"])
    clearance.document_review(
        document=document, decision="returned", by=people["ministry"], comments="Fix article 3."
    )
    assert told("document.returned") == {"zhytomyr", "coordinator"}


def test_a_cleared_confidential_draft_tells_only_its_own_region_and_coordinators(people):
    document = draft(chernihiv_minnesota())
    clearance.document_submit(document=document, by=people["chernihiv"])
    clear(document)
    assert told("document.cleared") == {"chernihiv", "coordinator"}


def test_a_signed_memorandum_tells_both_sides_and_the_embassy_not_the_signer(people):
    document = draft(zhytomyr_indiana())
    clearance.document_submit(document=document, by=people["zhytomyr"])
    clear(document)
    clearance.document_sign(document=document, by=people["zhytomyr"], signed_on=date.today())
    assert told("document.signed") == {"indiana", "embassy"}


def test_a_step_retried_tells_nobody_twice_and_a_new_round_tells_again(people):
    document = clearance.document_submit(document=draft(zhytomyr_indiana()), by=people["zhytomyr"])

    assert document_notify(kind="document.submitted", document=document, by=None) == 0
    clearance.document_review(
        document=document, decision="returned", by=people["ministry"], comments="Fix it."
    )
    clearance.document_submit(document=document, by=people["zhytomyr"])  # round 2
    assert Notification.objects.filter(kind="document.submitted").count() == 2
    assert Notification.objects.filter(user=people["ministry"]).count() == 2


def test_an_overdue_next_step_tells_the_ukrainian_side_once_per_due_date(people):
    partnership = zhytomyr_indiana()
    due = date.today() - timedelta(days=3)
    Partnership.objects.filter(pk=partnership.pk).update(
        next_step_en="Send the draft", next_step_due=due
    )
    assert clearance.next_steps_overdue_notify() == 1
    assert clearance.next_steps_overdue_notify() == 0  # the next day: already told
    assert told("next_step.overdue") == {"zhytomyr"}
    Partnership.objects.filter(pk=partnership.pk).update(next_step_due=due + timedelta(days=1))
    assert clearance.next_steps_overdue_notify() == 1  # a new date is a new step
    Partnership.objects.filter(pk=partnership.pk).update(next_step_due=date.today())
    assert clearance.next_steps_overdue_notify() == 0  # due today is not overdue


def test_a_person_added_to_a_thread_is_told_not_the_one_who_added(people):
    thread = thread_with(users=(people["zhytomyr"],), partnership=zhytomyr_indiana())
    messaging.thread_add_participant(thread=thread, by=people["zhytomyr"], user=people["indiana"])
    messaging.thread_add_participant(thread=thread, by=people["zhytomyr"], user=people["indiana"])
    assert told("thread.added") == {"indiana"}
    assert Notification.objects.get(kind="thread.added").url == f"/messages/{thread.pk}/"


def test_a_mention_tells_the_person_mentioned_and_not_the_author(people):
    thread = thread_with(users=(people["zhytomyr"], people["indiana"]))
    messaging.message_post(
        thread=thread,
        author=people["zhytomyr"],
        body="@indiana@example.org @zhytomyr@example.org @outsider@example.org please look",
    )
    assert told("message.mentioned") == {"indiana"}  # the outsider does not read the thread


# --- texts in the reader's language ------------------------------------------------------------


def test_texts_are_composed_in_the_readers_language(people):
    document = draft(zhytomyr_indiana())
    clearance.document_submit(document=document, by=people["zhytomyr"])
    row = Notification.objects.get(kind="document.submitted")
    with translation.override("uk"):
        uk = notifications.text_of(row)
    with translation.override("en"):
        en = notifications.text_of(row)
    assert "Проєкт меморандуму" in uk and "Житомирська" in uk
    assert "Draft memorandum" in en and "Zhytomyr" in en and "Indiana" in en
    assert "Житомир" not in en


def test_a_kind_nobody_registered_shows_its_code(people):
    row = Notification.objects.create(
        user=people["zhytomyr"], kind="unknown.kind", params={}, url="/", key="x"
    )
    assert notifications.text_of(row) == "unknown.kind"


def test_notify_refuses_a_kind_without_a_text(people):
    with pytest.raises(LookupError):
        notifications.notify(
            kind="nobody.knows",
            users=policy.audience("next_step.overdue", zhytomyr_indiana()),
            params={},
            url="/",
            key="k",
        )


def test_many_people_are_told_in_the_same_few_queries(people, django_assert_max_num_queries):
    for n in range(30):
        UserFactory(email=f"p{n}@example.org")
    with django_assert_max_num_queries(5):
        told_now = notifications.notify(
            kind="thread.added",
            users=User.objects.all(),
            params={"thread": 1, "subject": "S", "by": ""},
            url="/messages/1/",
            key="bulk",
        )
    assert told_now == User.objects.count()


# --- unread, marking read ------------------------------------------------------------------------


def test_unread_count_and_mark_read_touch_only_ones_own(people):
    mine = [
        notifications.notify(
            kind="thread.added",
            users=type(people["zhytomyr"]).objects.filter(
                pk__in=[people["zhytomyr"].pk, people["indiana"].pk]
            ),
            params={"thread": n, "subject": f"S{n}", "by": ""},
            url=f"/messages/{n}/",
            key=f"t{n}",
        )
        for n in range(3)
    ]
    assert mine == [2, 2, 2]
    assert notifications.unread_count(people["zhytomyr"]) == 3
    ids = list(notifications.notifications_for(people["zhytomyr"]).values_list("pk", flat=True))
    assert ids == sorted(ids, reverse=True)
    assert notifications.mark_read(user=people["zhytomyr"], upto=ids[1]) == 2
    assert notifications.unread_count(people["zhytomyr"]) == 1
    assert notifications.unread_count(people["indiana"]) == 3
    newest = Notification.objects.order_by("-pk").first()
    assert notifications.mark_read(user=people["zhytomyr"], upto=newest.pk) == 1
    assert notifications.unread_count(people["indiana"]) == 3


# --- e-mail: for those who want each one, rendered in the worker --------------------------------


def test_email_goes_to_those_who_want_every_notification_rendered_in_the_worker(
    people, django_capture_on_commit_callbacks
):
    ministry, coordinator = people["ministry"], people["coordinator"]
    ministry.language = "en"
    ministry.save()
    people["zhytomyr"].language = "uk"
    people["zhytomyr"].save()
    coordinator.notification_mode = NotificationMode.DIGEST
    coordinator.save()
    document = draft(zhytomyr_indiana())
    with django_capture_on_commit_callbacks(execute=True):
        clearance.document_submit(document=document, by=people["zhytomyr"])
        clearance.document_review(
            document=document, decision="returned", by=ministry, comments="Fix it."
        )
    # Only the job is queued in the request; nothing is rendered there.
    assert not OutboundEmail.objects.filter(key__startswith="notification:").exists()
    jobs = DBTaskResult.objects.filter(task_path__endswith="notifications_email")
    assert jobs.count() == 2
    for key in (f"document.submitted:{document.pk}:1", f"document.returned:{document.pk}:1"):
        notifications.notifications_email.call(key)
        notifications.notifications_email.call(key)  # a rerun sends nothing twice
    rows = OutboundEmail.objects.filter(key__startswith="notification:")
    assert sorted(rows.values_list("to", flat=True)) == ["mfa@example.org", "zhytomyr@example.org"]
    to_ministry = rows.get(to="mfa@example.org")
    assert "Draft memorandum" in to_ministry.subject and "Zhytomyr" in to_ministry.text
    assert f"/partnerships/documents/{document.pk}/" in to_ministry.text
    to_region = rows.get(to="zhytomyr@example.org")
    assert "Проєкт меморандуму" in to_region.text
    deliver_due()
    assert sorted(m.to[0] for m in mail.outbox) == ["mfa@example.org", "zhytomyr@example.org"]


def test_mentions_are_not_emailed_twice(people, django_capture_on_commit_callbacks):
    thread = thread_with(users=(people["zhytomyr"], people["indiana"]))
    with django_capture_on_commit_callbacks(execute=True):
        messaging.message_post(
            thread=thread, author=people["zhytomyr"], body="@indiana@example.org look"
        )
    assert Notification.objects.filter(kind="message.mentioned").count() == 1
    # The message's own e-mail tells of the mention; the notification queues no job.
    assert not DBTaskResult.objects.filter(task_path__endswith="notifications_email").exists()


# --- the API: GET /api/v1/notifications, POST /api/v1/notifications/read -------------------------

API = "/api/v1/notifications"


def tell(users, n: int, *, start: int = 0) -> None:
    for i in range(start, start + n):
        notifications.notify(
            kind="thread.added",
            users=users,
            params={"thread": i, "subject": f"Тема {i}", "by": "Олена"},
            url=f"/messages/{i}/",
            key=f"api{i}",
        )


def only(user):
    return type(user).objects.filter(pk=user.pk)


def test_api_lists_mine_newest_first_in_my_language(client, people):
    zhytomyr = people["zhytomyr"]
    zhytomyr.language = "en"
    zhytomyr.save()
    tell(only(zhytomyr), 3)
    tell(only(people["indiana"]), 2, start=10)  # never listed to Zhytomyr
    response = client.get(API, headers=bearer(zhytomyr))
    assert response.status_code == 200
    data = response.json()
    assert data["count"] == 3
    assert [item["url"] for item in data["items"]] == [
        "/messages/2/",
        "/messages/1/",
        "/messages/0/",
    ]
    item = data["items"][0]
    assert set(item) == {"id", "kind", "text", "url", "created_at", "read"}
    assert item["kind"] == "thread.added" and item["read"] is False
    assert item["text"] == "Олена added you to the thread “Тема 2”."


def test_api_signed_in_person_without_a_role_reads_their_own(client, people):
    tell(only(people["outsider"]), 1)
    data = client.get(API, headers=bearer(people["outsider"])).json()
    assert data["count"] == 1
    assert client.get(API).status_code == 401


@pytest.mark.parametrize("count", [3, 30])
def test_api_list_costs_the_same_however_many(client, people, count, django_assert_max_num_queries):
    headers = bearer(people["zhytomyr"])
    tell(only(people["zhytomyr"]), count)
    client.get(API, headers=headers)  # the token's first use is written once a minute
    with django_assert_max_num_queries(6):
        assert client.get(API, headers=headers).status_code == 200


def test_api_marks_mine_read_up_to_an_id_inclusive_and_nobody_elses(client, people):
    zhytomyr, indiana = people["zhytomyr"], people["indiana"]
    tell(only(zhytomyr) | only(indiana), 3)
    mine = list(notifications.notifications_for(zhytomyr).values_list("pk", flat=True))
    response = client.post(
        f"{API}/read", {"upto": mine[1]}, content_type="application/json", headers=bearer(zhytomyr)
    )
    assert response.status_code == 204
    assert list(notifications.notifications_for(zhytomyr).values_list("read", flat=True)) == [
        False,
        True,
        True,
    ]
    assert notifications.unread_count(indiana) == 3
    # Indiana's ids, however high, mark nothing of Zhytomyr's but what is Zhytomyr's own.
    newest = Notification.objects.order_by("-pk").first().pk
    client.post(
        f"{API}/read", {"upto": newest}, content_type="application/json", headers=bearer(indiana)
    )
    assert notifications.unread_count(zhytomyr) == 1
    assert notifications.unread_count(indiana) == 0


@pytest.mark.parametrize(
    "payload",
    [
        {"upto": -1},
        {"upto": 0},
        {"upto": 2**63},
        {"upto": 10**30},
        {"upto": "all"},
        {"upto": None},
        {"upto": [1]},
        {},
        [],
        "upto",
    ],
    ids=repr,
)
def test_api_hostile_upto_is_refused_and_changes_nothing(client, people, payload):
    tell(only(people["zhytomyr"]), 2)
    response = client.post(
        f"{API}/read", payload, content_type="application/json", headers=bearer(people["zhytomyr"])
    )
    assert response.status_code in (400, 422), response.content
    assert "message" in response.json() or "detail" in response.json()
    assert notifications.unread_count(people["zhytomyr"]) == 2


def test_api_read_only_token_may_list_but_not_mark(client, people):
    tell(only(people["zhytomyr"]), 1)
    _, plain = token_issue(user=people["zhytomyr"], name="ro", read_only=True)
    headers = {"Authorization": f"Bearer {plain}"}
    assert client.get(API, headers=headers).status_code == 200
    response = client.post(
        f"{API}/read", {"upto": 10**6}, content_type="application/json", headers=headers
    )
    assert response.status_code == 403
    assert notifications.unread_count(people["zhytomyr"]) == 1


# --- the page and the bell ------------------------------------------------------------------------


def test_the_page_lists_mine_with_texts_links_and_unread_marked(client, people):
    zhytomyr = people["zhytomyr"]
    tell(only(zhytomyr), 2)
    tell(only(people["indiana"]), 1, start=10)
    notifications.mark_read(
        user=zhytomyr, upto=Notification.objects.filter(user=zhytomyr).earliest("pk").pk
    )
    client.force_login(zhytomyr)
    with translation.override("uk"):
        page = client.get("/notifications/")
    html = page.content.decode()
    assert page.status_code == 200
    assert html.count('class="card is-unread"') == 1
    assert 'href="/messages/1/"' in html and 'href="/messages/0/"' in html
    assert "/messages/10/" not in html  # Indiana's
    assert "Тема 1" in html
    assert 'action="/notifications/read/"' in html and "csrfmiddlewaretoken" in html
    assert '<svg aria-hidden="true"' in html  # the bell, an inline SVG


def test_mark_all_as_read_marks_up_to_what_the_page_showed(client, people):
    zhytomyr = people["zhytomyr"]
    tell(only(zhytomyr), 2)
    shown = Notification.objects.filter(user=zhytomyr).latest("pk").pk
    tell(only(zhytomyr), 1, start=5)  # came after the page was shown
    client.force_login(zhytomyr)
    response = client.post("/notifications/read/", {"upto": shown})
    assert response.status_code == 302 and response["Location"] == "/notifications/"
    assert notifications.unread_count(zhytomyr) == 1


@pytest.mark.parametrize("upto", ["-1", "0", str(2**63), "all", ""])
def test_mark_all_as_read_refuses_hostile_values(client, people, upto):
    tell(only(people["zhytomyr"]), 2)
    client.force_login(people["zhytomyr"])
    assert client.post("/notifications/read/", {"upto": upto}).status_code == 302
    assert notifications.unread_count(people["zhytomyr"]) == 2


def test_the_list_page_costs_the_same_for_3_and_30(client, people, django_assert_max_num_queries):
    client.force_login(people["zhytomyr"])
    counts = []
    for n, start in ((3, 0), (27, 100)):
        tell(only(people["zhytomyr"]), n, start=start)
        client.get("/notifications/")
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/notifications/").status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
    with django_assert_max_num_queries(counts[0]):
        client.get("/notifications/")


def test_the_bell_adds_at_most_one_query_and_shows_the_count(client, people):
    client.force_login(people["zhytomyr"])
    client.get("/regions/")
    with CaptureQueriesContext(connection) as before:
        client.get("/regions/")
    tell(only(people["zhytomyr"]), 3)
    with CaptureQueriesContext(connection) as after:
        html = client.get("/regions/").content.decode()
    assert len(after) == len(before)  # the count is one query, with or without notifications
    bell = [q["sql"] for q in after if "outbox_notification" in q["sql"]]
    assert len(bell) == 1
    assert 'href="/notifications/" class="bell"' in html and ">3<" in html


def test_visitors_have_no_bell(client, reference):
    html = client.get("/regions/").content.decode()
    assert "/notifications/" not in html


def test_the_daily_send_reminders_command_tells_of_overdue_next_steps(people):
    from io import StringIO

    from django.core.management import call_command

    partnership = zhytomyr_indiana()
    Partnership.objects.filter(pk=partnership.pk).update(
        next_step_en="Send the draft", next_step_due=date.today() - timedelta(days=1)
    )
    out = StringIO()
    call_command("send-reminders", stdout=out)
    assert "Overdue next steps: 1" in out.getvalue()
    assert told("next_step.overdue") == {"zhytomyr"}
    with translation.override("en"):
        text = notifications.text_of(Notification.objects.get(kind="next_step.overdue"))
    assert "Send the draft" in text and "Zhytomyr" in text


def test_no_bell_before_the_second_factor_is_passed(client, people):
    from regionbridge.twofactor.gate import ENROLL, STATE

    tell(only(people["zhytomyr"]), 2)
    client.force_login(people["zhytomyr"])
    session = client.session
    session[STATE] = ENROLL  # an official who must add a factor first
    session.save()
    response = client.get("/two-factor/")
    assert response.status_code == 200 and response.context["second_factor_pending"]
    assert 'class="bell"' not in response.content.decode()


def test_a_digest_reader_finds_what_waits_for_them_in_the_daily_digest(people):
    from regionbridge.messaging.digest import digests_queue

    ministry = people["ministry"]
    User.objects.filter(pk=ministry.pk).update(
        notification_mode=NotificationMode.DIGEST, language="uk", timezone="Europe/Kyiv"
    )
    document = draft(zhytomyr_indiana())
    clearance.document_submit(document=document, by=people["zhytomyr"])
    assert not OutboundEmail.objects.filter(to=ministry.email).exists()  # not at once
    assert digests_queue() == 1
    digest = OutboundEmail.objects.get(key__startswith="digest:", to=ministry.email)
    assert "сповіщення" in digest.subject and "повідомл" not in digest.subject
    assert "Що на вас чекає" in digest.text
    assert f"/partnerships/documents/{document.pk}/" in digest.text
    assert digests_queue() == 0  # once a day
    Notification.objects.filter(user=ministry).update(read=True)
    OutboundEmail.objects.all().delete()
    assert digests_queue() == 0  # read in the browser: nothing to tell


def test_people_named_when_a_thread_starts_are_told_in_the_app(
    people, django_capture_on_commit_callbacks
):
    zhytomyr, indiana = people["zhytomyr"], people["indiana"]
    User.objects.filter(pk=indiana.pk).update(notification_mode=NotificationMode.EVERY)
    with django_capture_on_commit_callbacks(execute=True):
        quiet = messaging.thread_create(by=zhytomyr, subject="Agenda", users=[indiana])
    assert told("thread.added") == {"indiana"}  # not the author
    assert Notification.objects.get(kind="thread.added").url == f"/messages/{quiet.pk}/"
    # No e-mail of its own: the thread's messages are mailed (or digested) as they come.
    assert not DBTaskResult.objects.filter(task_path__endswith="notifications_email").exists()
    messaging.message_post(thread=quiet, author=zhytomyr, body="The visit is on the 5th.")

    from regionbridge.messaging.digest import digests_queue

    User.objects.filter(pk=indiana.pk).update(notification_mode=NotificationMode.DIGEST)
    assert digests_queue() == 1  # the message, and not "added to" the same thread beside it
    digest = OutboundEmail.objects.get(key__startswith="digest:")
    assert "The visit is on the 5th." in digest.text
    assert "notification" not in digest.subject


def test_the_actors_name_is_shown_in_the_readers_script(people):
    zhytomyr, indiana = people["zhytomyr"], people["indiana"]
    User.objects.filter(pk=zhytomyr.pk).update(full_name="Олена Коваль", full_name_en="Olena Koval")
    zhytomyr.refresh_from_db()
    thread = thread_with(users=(zhytomyr,), partnership=zhytomyr_indiana())
    messaging.thread_add_participant(thread=thread, by=zhytomyr, user=indiana)
    row = Notification.objects.get(kind="thread.added")
    with translation.override("uk"):
        assert "Олена Коваль" in notifications.text_of(row)
    with translation.override("en"):
        assert "Olena Koval" in notifications.text_of(row)
