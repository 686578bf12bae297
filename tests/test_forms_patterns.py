"""Forms and errors as a good government service does them (issue 11, point 5; the GOV.UK design
system's error summary, error message, question pages and radios).

A form that failed: a summary on top linking to each field, the field marked and described by its
message, "Error:" first in the title. Optional fields say so; no "---------" anywhere; decisions
are radios with none chosen; after a decision, the next draft in the queue. Filters by name, and a
wrong filter said, with no table. The 403 and 404 pages say why, whom to ask, and offer a search
and a way back, the same whatever was asked for.
"""

import re
from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from regionbridge.partnerships.models import Document
from tests.conftest import close_response
from tests.factories import PASSWORD
from tests.test_policy import chernihiv_minnesota, partnership, under_review, zhytomyr_indiana
from tests.test_routes_permissions import (  # noqa: F401  (fixtures the sample URLs ask for)
    PERSONAS,
    ROUTES,
    media,
    meeting,
    open_tie,
    persona,
    talk,
)

pytestmark = pytest.mark.django_db


class Page(HTMLParser):
    """What these tests read of a page: its title, element ids, the error summary's links, the
    attributes of each input and of each element with an id."""

    def __init__(self, html: str):
        super().__init__()
        self.ids: dict[str, dict[str, str | None]] = {}
        self.summary_links: list[str] = []
        self.inputs: list[dict[str, str | None]] = []
        self.title = ""
        self._in_title = False
        self._summary_depth = 0
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if "id" in attributes:
            self.ids[attributes["id"] or ""] = {"tag": tag, **attributes}
        if tag == "input":
            self.inputs.append(attributes)
        if tag == "title":
            self._in_title = True
        if tag == "div" and "error-summary" in (attributes.get("class") or ""):
            self._summary_depth = 1
        elif self._summary_depth and tag == "div":
            self._summary_depth += 1
        if self._summary_depth and tag == "a":
            self.summary_links.append(attributes.get("href") or "")

    def handle_endtag(self, tag):
        if tag == "title":
            self._in_title = False
        if self._summary_depth and tag == "div":
            self._summary_depth -= 1

    def handle_data(self, data):
        if self._in_title:
            self.title += data


def signed_in(user, language: str = "en") -> Client:
    user.language = language
    user.save(update_fields=["language"])
    client = Client()
    client.force_login(user)
    return client


def anonymous(language: str = "en") -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


# --- the error summary, the marked field, the title --------------------------------------------


@pytest.mark.parametrize(("language", "prefix"), [("en", "Error:"), ("uk", "Помилка:")])
def test_a_refused_form_has_a_summary_linking_to_each_field_and_error_in_its_title(
    zhytomyr, language, prefix
):
    client = signed_in(zhytomyr, language)
    # A pair of inputs (Ukrainian and English) in error too: its link leads to the first.
    data = {"partner_region": "XX-99", "ukrainian_side_uk": "Житомир\u202e"}
    response = client.post(reverse("partnerships:create"), data)
    assert response.status_code == 400
    page = Page(response.content.decode())
    assert page.title.strip().startswith(prefix)
    assert "#id_ukrainian_side_0" in page.summary_links
    summary = page.ids["page-form-problem"]
    assert summary["tag"] == "h2"
    assert page.summary_links, "the summary lists the errors"
    for href in page.summary_links:
        assert href.startswith("#") and href[1:] in page.ids, href
    # Each field named in the summary is marked and described by its message.
    assert "#id_partner_region" in page.summary_links
    assert "#id_first_event_on" in page.summary_links
    field = page.ids["id_partner_region"]
    assert field["aria-invalid"] == "true"
    assert "id_partner_region_error" in (field["aria-describedby"] or "").split()
    message = page.ids["id_partner_region_error"]
    assert "error-message" in (message["class"] or "")
    html = response.content.decode()
    assert re.search(
        rf'id="id_partner_region_error"><span class="visually-hidden">{prefix} </span>', html
    )
    # The summary is what the page focuses first.
    assert re.search(r'class="error-summary" role="alert" tabindex="-1" autofocus', html)
    assert "js/forms.js" in html


def test_a_page_without_errors_has_no_summary_nor_error_in_its_title(zhytomyr):
    response = signed_in(zhytomyr).get(reverse("partnerships:create"))
    assert response.status_code == 200
    page = Page(response.content.decode())
    assert not page.title.strip().startswith("Error")
    assert "error-summary" not in response.content.decode()
    assert "aria-invalid" not in response.content.decode()


def test_an_error_of_no_field_links_to_the_form(reference):
    response = anonymous().post(
        reverse("accounts:login"), {"username": "nobody@example.org", "password": "wrong"}
    )
    page = Page(response.content.decode())
    assert page.summary_links == ["#sign-in"]
    assert page.ids["sign-in"]["tag"] == "form"
    assert page.title.startswith("Error:")


def test_optional_fields_say_so_and_required_ones_carry_no_star(zhytomyr):
    html = signed_in(zhytomyr).get(reverse("partnerships:create")).content.decode()
    assert re.search(r'for="id_source">Source <span class="optional">\(optional\)</span>', html)
    assert re.search(r'for="id_first_event_on">Since</label>', html)
    html_uk = signed_in(zhytomyr, "uk").get(reverse("partnerships:create")).content.decode()
    assert "(необов’язково)" in html_uk


@pytest.mark.parametrize("url", ["/partnerships/", "/institutions/", "/public/"])
def test_filters_do_not_mark_every_field_optional(coordinator, url):
    html = signed_in(coordinator).get(url).content.decode()
    assert "(optional)" not in html and 'class="optional"' not in html


# --- no "---------" -----------------------------------------------------------------------------


@pytest.mark.parametrize("name", PERSONAS)
def test_no_page_shows_a_dashed_placeholder(client, request, name):
    """Every page of the site each persona may open, forms included: no "-------" choice."""
    user = persona(request, name)
    if user.is_authenticated:
        client.force_login(user)
    request.getfixturevalue("open_tie")  # its draft under review: the decision's form shows
    pages = []
    for row in ROUTES.values():
        if row.expected[name] != 200 or row.content_type:
            continue
        pages.append(reverse(row.name, kwargs=row.kwargs(request, user)))
    seen = 0
    for url in pages:
        response = client.get(url)
        try:
            if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
                continue
            seen += 1
            assert "-------" not in response.content.decode(), url
        finally:
            close_response(response)
    assert seen > 3


def test_a_select_without_a_blank_label_asks_to_choose(zhytomyr):
    html = signed_in(zhytomyr).get(reverse("partnerships:create")).content.decode()
    assert '<option value="" selected>Choose…</option>' in html
    html_uk = signed_in(zhytomyr, "uk").get(reverse("partnerships:create")).content.decode()
    assert '<option value="" selected>Оберіть…</option>' in html_uk


# --- decisions: radios, none chosen; then the next in the queue -------------------------------


def test_the_review_decision_is_radios_in_a_fieldset_with_none_chosen(ministry):
    document = under_review(zhytomyr_indiana())
    html = signed_in(ministry).get(reverse("partnerships:document", args=[document.pk]))
    html = html.content.decode()
    page = Page(html)
    radios = [i for i in page.inputs if i.get("name") == "decision"]
    assert {r["type"] for r in radios} == {"radio"}
    assert {r["value"] for r in radios} == {"no_objection", "returned"}
    assert not any("checked" in r for r in radios)
    assert re.search(r"<fieldset[^>]*>\s*<legend>Decision</legend>", html)


def test_a_review_without_a_decision_is_refused_with_the_decision_linked(ministry):
    document = under_review(zhytomyr_indiana())
    response = signed_in(ministry).post(
        reverse("partnerships:document_review", args=[document.pk]), {"comments": ""}
    )
    assert response.status_code == 400
    page = Page(response.content.decode())
    assert page.summary_links == ["#id_decision_0"]
    assert "Choose your ministry&#x27;s decision." in response.content.decode()
    assert page.title.startswith("Error:")
    assert not Document.objects.get(pk=document.pk).reviews.exists()


def test_a_decision_leads_to_the_next_draft_waiting_oldest_first(ministry):
    tie = zhytomyr_indiana()
    first, older, newest = under_review(tie), under_review(tie), under_review(tie)
    now = timezone.now()
    Document.objects.filter(pk=first.pk).update(submitted_at=now - timezone.timedelta(days=3))
    Document.objects.filter(pk=older.pk).update(submitted_at=now - timezone.timedelta(days=2))
    Document.objects.filter(pk=newest.pk).update(submitted_at=now - timezone.timedelta(days=1))
    client = signed_in(ministry)
    url = reverse("partnerships:document_review", args=[first.pk])
    response = client.post(url, {"decision": "no_objection"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("partnerships:document", args=[older.pk])
    assert "Decision recorded. Next in the queue" in response.content.decode()


def test_the_last_decision_leads_to_the_queue_saying_nothing_else_waits(ministry):
    document = under_review(zhytomyr_indiana())
    client = signed_in(ministry, "uk")
    url = reverse("partnerships:document_review", args=[document.pk])
    response = client.post(url, {"decision": "no_objection"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("partnerships:reviews")
    assert "Більше нічого не очікує на ваше рішення." in response.content.decode()


def test_the_next_draft_is_found_in_one_query(ministry, django_assert_num_queries):
    from regionbridge.partnerships.selectors import review_next

    tie = zhytomyr_indiana()
    under_review(tie)
    expected = under_review(tie)
    Document.objects.filter(pk=expected.pk).update(submitted_at=timezone.now().replace(year=2020))
    ministry = type(ministry).objects.get(pk=ministry.pk)
    review_next(ministry)  # the user's scope, cached on the user
    with django_assert_num_queries(1):
        assert review_next(ministry) == expected


# --- filters by name; a wrong filter is said, with no table ----------------------------------


@pytest.mark.parametrize(
    ("language", "first", "later"),
    [("uk", "Вінницька область", "Волинська область"), ("en", "Cherkasy Oblast", "Vinnytsia")],
)
def test_the_list_filters_ask_country_and_region_by_name(coordinator, language, first, later):
    zhytomyr_indiana()
    html = signed_in(coordinator, language).get(reverse("partnerships:list")).content.decode()
    region = re.search(r'<select name="region"[^>]*>(.*?)</select>', html, re.S).group(1)
    assert 'value="UA-18"' in region
    assert region.index(first) < region.index(later)
    country = re.search(r'<select name="country"[^>]*>(.*?)</select>', html, re.S).group(1)
    assert re.search(r'<option value="US">(United States|США)', country)
    assert 'value="UA"' not in country


def test_a_filter_by_codes_still_works_and_shows_the_names_chosen(coordinator):
    zhytomyr_indiana()
    client = signed_in(coordinator)
    response = client.get(reverse("partnerships:list"), {"country": "us", "region": "UA-18"})
    assert response.status_code == 200
    html = response.content.decode()
    assert '<option value="UA-18" selected>' in html
    assert "Indiana" in html
    # A partner region's code filters too, as links made before did.
    response = client.get(reverse("partnerships:list"), {"region": "US-IN"})
    assert response.status_code == 200
    assert '<option value="US-IN" selected>' in response.content.decode()


@pytest.mark.parametrize(
    "query",
    [{"country": "ZZ"}, {"region": "UA-99"}, {"as_of": "2024-13-45"}, {"idle_days": "-1"}],
)
def test_a_wrong_filter_is_said_with_no_table(coordinator, query):
    zhytomyr_indiana()
    response = signed_in(coordinator).get(reverse("partnerships:list"), query)
    assert response.status_code == 400
    html = response.content.decode()
    page = Page(html)
    assert page.title.startswith("Error:")
    assert page.summary_links == [f"#id_{next(iter(query))}"]
    assert "<table" not in html
    assert "Indiana" not in html
    csv = signed_in(coordinator).get(reverse("partnerships:list"), {**query, "format": "csv"})
    assert csv.status_code == 400


# --- 403 and 404 ----------------------------------------------------------------------------


def test_the_404_page_says_why_whom_to_ask_and_offers_search_and_home(settings, zhytomyr):
    settings.SUPPORT_EMAIL = "help@bridge.example.gov.ua"
    response = signed_in(zhytomyr).get("/no/such/page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "The page may have been moved or removed, or the address mistyped." in html
    assert 'href="mailto:help@bridge.example.gov.ua"' in html
    assert f'action="{reverse("directory:index")}"' in html
    assert f'href="{reverse("core:home")}"' in html
    uk = signed_in(zhytomyr, "uk").get("/no/such/page/").content.decode()
    assert "Сторінку не знайдено" in uk and "координаторові платформи" in uk


def test_the_404_page_asks_a_visitor_to_sign_in_keeping_the_address(reference):
    html = anonymous().get("/no/such/page/?x=1").content.decode()
    assert 'href="/accounts/login/?next=/no/such/page/%3Fx%3D1"' in html
    assert f'action="{reverse("regions:index")}"' in html


def test_the_403_page_says_why_and_whom_to_ask(outsider):
    response = signed_in(outsider).get(reverse("partnerships:list"))
    assert response.status_code == 403
    html = response.content.decode()
    assert "Your account's roles do not allow this page or this action." in html
    assert "The platform coordinator gives roles." in html
    assert "mailto:" in html
    assert f'href="{reverse("core:home")}"' in html
    uk = signed_in(outsider, "uk").get(reverse("partnerships:list")).content.decode()
    assert "У вас немає доступу до цієї сторінки" in uk


def _body(html: str) -> str:
    return html.split("<main", 1)[1].split("</main>", 1)[0]


def test_a_hidden_negotiation_answers_the_same_404_as_a_page_that_never_was(indiana):
    secret = chernihiv_minnesota()
    client = signed_in(indiana)
    hidden = client.get(reverse("partnerships:detail", args=[secret.pk]))
    missing = client.get(reverse("partnerships:detail", args=[secret.pk + 10_000]))
    assert hidden.status_code == missing.status_code == 404
    assert _body(hidden.content.decode()) == _body(missing.content.decode())
    assert "Minnesota" not in hidden.content.decode()


def test_the_api_keeps_its_short_answers(zhytomyr):
    response = signed_in(zhytomyr).get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert "Page not found" not in response.content.decode()


# --- signing in ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "Enter a correct e-mail address and password. Check them and try again."),
        ("uk", "Неправильна електронна адреса або пароль. Перевірте їх і спробуйте ще раз."),
    ],
)
def test_a_wrong_password_is_said_plainly_in_both_languages(zhytomyr, language, text):
    response = anonymous(language).post(
        reverse("accounts:login"), {"username": "ZHYTOMYR@example.org", "password": "wrong"}
    )
    html = response.content.decode()
    assert text in html
    assert "case-sensitive" not in html and "регістр" not in html
    # The same address in capitals signs in: the message's old claim was false.
    ok = anonymous(language).post(
        reverse("accounts:login"), {"username": "ZHYTOMYR@example.org", "password": PASSWORD}
    )
    assert ok.status_code == 302


def test_the_title_prefix_leaves_lazy_context_values_alone():
    """The title tag looks at the context's values by type, never evaluating a lazy one."""
    from django.template import Context, Template

    calls = []

    class Lazy:
        def __getattr__(self, name):
            calls.append(name)
            raise AttributeError(name)

    html = Template("{% load formpage %}{% error_title_prefix %}").render(
        Context({"user": AnonymousUser(), "lazy": Lazy()})
    )
    assert html == "" and calls == []


def test_the_institution_list_asks_the_region_by_name_and_says_a_wrong_one(zhytomyr):
    client = signed_in(zhytomyr)
    response = client.get(reverse("institutions:list"), {"region": "ua-18"})
    assert response.status_code == 200
    html = response.content.decode()
    assert re.search(r'<select name="region"[^>]*>', html)
    assert "<table" in html
    wrong = client.get(reverse("institutions:list"), {"region": "XX-1", "type": "castle"})
    assert wrong.status_code == 400
    page = Page(wrong.content.decode())
    assert page.summary_links == ["#id_type", "#id_region"]
    assert "<table" not in wrong.content.decode()


def test_a_missing_answer_names_its_field_rather_than_saying_this_field(zhytomyr):
    empty = {"partner_region": ""}  # an empty body is no submission: the view shows a new form
    html = signed_in(zhytomyr).post(reverse("partnerships:create"), empty).content.decode()
    assert "This field is required." not in html
    assert "Choose “Ukrainian region”." in html
    assert "Fill in “Since”." in html
    uk = signed_in(zhytomyr, "uk").post(reverse("partnerships:create"), empty).content.decode()
    assert "Заповніть поле «Дата початку»." in uk


def test_the_changed_pages_keep_their_query_counts(
    zhytomyr, ministry, django_assert_max_num_queries
):
    client = signed_in(zhytomyr)
    client.get("/")  # the first page after signing in counts the unread badge
    for url, most in [
        (reverse("institutions:list"), 9),
        (reverse("institutions:list") + "?region=XX-1", 7),
        (reverse("partnerships:list") + "?country=ZZ", 9),
        ("/no/such/page/", 6),
    ]:
        with django_assert_max_num_queries(most):
            client.get(url)
    reviewer = signed_in(ministry)
    reviewer.get("/")
    document = under_review(zhytomyr_indiana())
    under_review(zhytomyr_indiana())
    url = reverse("partnerships:document_review", args=[document.pk])
    with django_assert_max_num_queries(18):  # with the data version replaced (decision 0013)
        assert reviewer.post(url, {"decision": "no_objection"}).status_code == 302


def test_the_403_page_asks_a_visitor_to_sign_in_keeping_the_address(rf, reference):
    from django.contrib.sessions.backends.db import SessionStore

    from regionbridge.core.views import forbidden

    request = rf.get("/partnerships/?stage=signed")
    request.user, request.session = AnonymousUser(), SessionStore()
    with translation.override("en"):
        response = forbidden(request)
    assert response.status_code == 403
    html = response.content.decode()
    assert "You are not signed in." in html
    assert 'href="/accounts/login/?next=/partnerships/%3Fstage%3Dsigned"' in html


def test_an_officer_of_both_ministries_chooses_which_one_with_none_chosen(reference):
    from regionbridge.accounts.services import role_assign
    from tests.conftest import make_member, org

    both = make_member("ministry", org_key="mfa", email="both@example.org")
    role_assign(user=both, role="ministry", organization=org("mindev"))
    document = under_review(zhytomyr_indiana())
    html = signed_in(both).get(reverse("partnerships:document", args=[document.pk]))
    radios = [i for i in Page(html.content.decode()).inputs if i.get("name") == "ministry"]
    assert sorted(r["value"] for r in radios) == ["mfa", "mindev"]
    assert not any("checked" in r for r in radios)


def test_the_directory_says_an_unknown_kind_and_lists_nobody_under_it(coordinator):
    client = signed_in(coordinator)
    response = client.get("/directory/", {"kind": "spaceship", "q": "Indiana"})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'class="error-summary"' in html and 'href="#kind"' in html
    assert "<title>Error:" in html
    assert 'class="results"' not in html
    fragment = client.get("/directory/", {"kind": "spaceship"}, headers={"HX-Request": "true"})
    assert fragment.status_code == 400 and "Choose a kind of office" in fragment.content.decode()
    assert client.get("/directory/", {"kind": "state_government"}).status_code == 200


def test_the_country_filter_names_the_countries_of_ties_one_may_see(zhytomyr, coordinator):
    zhytomyr_indiana()
    partnership("UA-74", "CA-ON", confidential=True)  # Chernihiv's secret talks with Ontario
    seen_by_zhytomyr = signed_in(zhytomyr).get("/partnerships/").content.decode()
    assert '<option value="US"' in seen_by_zhytomyr
    assert '<option value="CA"' not in seen_by_zhytomyr  # not even the country is revealed
    assert '<option value="FR"' not in seen_by_zhytomyr  # no ties there: not offered
    assert '<option value="CA"' in signed_in(coordinator).get("/partnerships/").content.decode()
    # A link naming a country without ties stays a valid filter, with an empty answer.
    assert signed_in(zhytomyr).get("/partnerships/", {"country": "FR"}).status_code == 200
