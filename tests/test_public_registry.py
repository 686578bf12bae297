"""The public registry as a visitor reads it: one title per card in the page's language, sources
as links, dates as precise as they are known, each instrument named by its kind (a resolution
is not a memorandum), a filter by Ukrainian region and partner state, and no API in the menu.
"""

import re
from datetime import date

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from regionbridge.lib.dates import precise_date, precise_date_text
from regionbridge.lib.links import source_html
from regionbridge.partnerships import selectors, services
from regionbridge.partnerships.facts import facts_load, read_rows
from regionbridge.partnerships.instruments import (
    Instrument,
    event_instrument_kinds,
    instrument_kinds,
)
from regionbridge.partnerships.models import Partnership, PartnershipEvent
from tests.test_partnership_lists import bulk_ties
from tests.test_policy import zhytomyr_ontario

INDEX = "/public/"


@pytest.fixture
def facts(reference):
    services.spheres_load()
    return facts_load()


def page(client, url: str = INDEX, language: str = "uk", status: int = 200) -> str:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return response.content.decode()


def cards(html: str) -> list[str]:
    return re.findall(r'<li class="card registry-card">(.*?)\n  </li>', html, re.S)


def card_of(html: str, title_part: str) -> str:
    found = [card for card in cards(html) if title_part in card.split("</h3>")[0]]
    assert len(found) == 1, (title_part, len(found))
    return found[0]


def shown_ids(client, url: str) -> list[int]:
    cache.clear()  # rendered anew, so that its context holds the ties
    response = client.get(url)
    assert response.status_code == 200
    return [p.pk for group in response.context["groups"].values() for p in group]


# --- one title per card ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "title", "other"),
    [
        ("uk", "Житомирська область – Індіана", "Zhytomyr"),
        ("en", "Zhytomyr Oblast – Indiana", "Житомирськ"),
    ],
)
def test_each_card_has_one_title_in_the_pages_language(client, facts, language, title, other):
    html = page(client, language=language)
    assert (
        len(cards(html))
        == Partnership.objects.filter(
            confidential=False, stage__in=["memorandum_signed", "agreement_signed"]
        ).count()
    )
    for card in cards(html):
        assert card.count("<h3>") == 1
        assert "<p lang=" not in card  # no second title in the other language
    zhytomyr = card_of(html, title)
    assert other not in zhytomyr
    assert zhytomyr.count(title) == 1


# --- sources as links --------------------------------------------------------------------------


def test_sources_are_links_to_their_hosts(client, facts):
    html = page(client, language="en")
    mississippi = card_of(html, "Mississippi")
    assert '<a href="https://ncsl.org" rel="noopener noreferrer">ncsl.org</a>' in mississippi
    assert (
        '<a href="https://decentralization.ua/en/news/14911" rel="noopener noreferrer">'
        "decentralization.ua</a>" in mississippi
    )
    washington = card_of(html, "Washington")
    assert ">spokesman.com</a> 2024-03-15; <a" in washington  # the text around them stays


@pytest.mark.parametrize(
    ("source", "html"),
    [
        ("https://www.ncsl.org/a?b=1&c=2.", '<a href="https://www.ncsl.org/a?b=1&amp;c=2" '),
        ("HTTP://Example.org/x", '<a href="HTTP://Example.org/x" rel="noopener noreferrer">'),
        ("seed/article.txt", "seed/article.txt"),  # a file, not a host
        ("javascript:alert(1)", "javascript:alert(1)"),
        ("JAVASCRIPT:alert(1)//x", "JAVASCRIPT:alert(1)//x"),
        ("data:text/html,<b>x</b>", "data:text/html,&lt;b&gt;x&lt;/b&gt;"),
        ("ftp://files.example.org/a", "ftp://files.example.org/a"),
        ('https://x.org/"><script>', '<a href="https://x.org/" rel="noopener noreferrer">x.org'),
    ],
)
def test_only_http_addresses_become_links(source, html):
    rendered = source_html(source)
    assert html in rendered
    assert "<script" not in rendered and "<b>" not in rendered
    assert 'href="javascript' not in rendered.lower() and 'href="data' not in rendered.lower()
    assert 'href="ftp' not in rendered.lower()


def test_a_hostile_source_is_shown_as_text(client, facts, coordinator):
    event = PartnershipEvent.objects.get(partnership__partner_region__code="US-IN")
    event.source = 'javascript:alert(document.cookie) <img src=x onerror="alert(1)">'
    event.save(update_fields=["source"])
    cache.clear()
    indiana = card_of(page(client, language="en"), "Indiana")
    assert "javascript:alert(document.cookie)" in indiana
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in indiana
    assert 'href="javascript' not in indiana and "<img" not in indiana
    client.force_login(coordinator)  # the partnership's own page shows it the same way
    detail = client.get(reverse("partnerships:detail", args=[event.partnership_id]))
    assert 'href="javascript' not in detail.content.decode()
    assert "&lt;img src=x" in detail.content.decode()


# --- dates as precise as they are known --------------------------------------------------------


@pytest.mark.parametrize(
    ("precision", "uk", "en", "machine"),
    [
        ("year", "2001", "2001", "2001"),
        ("month", "березень 2001", "March 2001", "2001-03"),
        ("day", "5 березня 2001 р.", "March 5, 2001", "2001-03-05"),
    ],
)
def test_a_date_reads_as_precisely_as_it_is_known(precision, uk, en, machine):
    day = date(2001, 3, 5)
    assert precise_date_text(day, precision, "uk") == uk
    assert precise_date_text(day, precision, "en") == en
    assert precise_date(day, precision, "en") == f'<time datetime="{machine}">{en}</time>'


def test_the_registry_shows_years_months_and_days(client, facts):
    uk, en = page(client, language="uk"), page(client, language="en")
    # California's resolutions are known to the year, Mississippi's to the month (2022-04).
    assert '<time datetime="2024">2024</time>' in card_of(uk, "Каліфорнія")
    assert '<time datetime="2022-04">квітень 2022</time>' in card_of(uk, "Міссісіпі")
    assert '<time datetime="2022-04">April 2022</time>' in card_of(en, "Mississippi")
    assert '<time datetime="2024-09-05">September 5, 2024</time>' in card_of(en, "Indiana")
    assert '<time datetime="2024-09-05">5 вересня 2024 р.</time>' in card_of(uk, "Індіана")
    assert "2024-01-01" not in card_of(en, "California")  # no invented day


def test_the_partnership_page_shows_the_same_dates(client, facts, coordinator):
    client.force_login(coordinator)
    ohio = Partnership.objects.get(partner_region__code="US-OH")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get(reverse("partnerships:detail", args=[ohio.pk])).content.decode()
    timeline = html.split('id="h-timeline"')[1].split("</ol>")[0]
    assert '<strong><time datetime="2002">2002</time></strong>' in timeline
    assert '<strong><time datetime="2024-11-07">November 7, 2024</time></strong>' in timeline
    assert "2002-01-01" not in timeline


# --- instruments by their kind -----------------------------------------------------------------

# Every shipped fact, by (Ukrainian region, partner, date): the kinds its instrument is of.
SHIPPED_KINDS = {
    ("UA-32", "US-WA", "2024-03-15"): [Instrument.AGREEMENT],
    ("UA-32", "US-UT", "2024-07-12"): [Instrument.MEMORANDUM],
    ("UA-74", "US-MN", "2024-02-21"): [Instrument.LETTER_OF_INTENT],
    ("UA-18", "US-IN", "2024-09-05"): [Instrument.MEMORANDUM],
    ("UA-23", "US-PA", "2024-09-18"): [Instrument.AGREEMENT],
    ("UA-23", "US-PA", "2024-09-22"): [Instrument.AGREEMENT],
    ("UA-63", "US-OH", "2002-01-01"): [Instrument.AGREEMENT],
    ("UA-63", "US-OH", "2024-11-07"): [Instrument.MEMORANDUM],
    ("UA-63", "US-AZ", "2023-01-01"): [Instrument.MEMORANDUM],
    ("UA-71", "US-IA", "1996-05-15"): [Instrument.AGREEMENT],
    ("UA-71", "US-IA", "2024-10-01"): [Instrument.AGREEMENT],
    ("UA-71", "US-IA", "2026-02-23"): [Instrument.AGREEMENT],
    ("UA-68", "US-MS", "2022-04-01"): [Instrument.PROCLAMATION, Instrument.RESOLUTION],
    ("UA-46", "US-CA", "2024-01-01"): [Instrument.RESOLUTION],
    ("UA-14", "US-CT", "2025-08-07"): [Instrument.AGREEMENT],
    ("UA-07", "US-CO", "2026-02-20"): [Instrument.AGREEMENT],
    ("UA-77", "US-NY", "2025-04-25"): [Instrument.AGREEMENT],
}


def test_every_shipped_fact_has_the_kind_of_its_instrument():
    rows = read_rows()
    keys = {(r["ukrainian_region_iso"], r["partner_region_iso"], r["date"]) for r in rows}
    assert keys == set(SHIPPED_KINDS)  # a new fact needs its expected kind here
    for row in rows:
        key = (row["ukrainian_region_iso"], row["partner_region_iso"], row["date"])
        kinds = instrument_kinds(event_kind=row["event"], title=row["instrument"])
        assert kinds == SHIPPED_KINDS[key], (key, row["instrument"])


def test_the_loaded_facts_have_the_same_kinds(facts):
    for event in PartnershipEvent.objects.select_related(
        "partnership__ukrainian_region", "partnership__partner_region", "document"
    ):
        key = (
            event.partnership.ukrainian_region.code,
            event.partnership.partner_region.code,
            event.occurred_on.isoformat(),
        )
        assert event_instrument_kinds(event) == SHIPPED_KINDS[key], key


@pytest.mark.parametrize(
    ("event_kind", "title", "document_kind", "kinds"),
    [
        ("resolution", "", "", [Instrument.RESOLUTION]),
        ("resolution", "Governor's proclamation", "", [Instrument.PROCLAMATION]),
        ("resolution", "Проголошення губернатора", "", [Instrument.PROCLAMATION]),
        ("signed", "Меморандум про співпрацю", "", [Instrument.MEMORANDUM]),
        ("signed", "Угода про співробітництво", "", [Instrument.AGREEMENT]),
        ("signed", "", "", []),
        # A stored document kind outweighs a title that says otherwise.
        ("signed", "Memorandum", "cooperation_agreement", [Instrument.AGREEMENT]),
        ("signed", "", "resolution", [Instrument.RESOLUTION]),
    ],
)
def test_the_kind_comes_from_the_record_then_the_title(event_kind, title, document_kind, kinds):
    found = instrument_kinds(event_kind=event_kind, title=title, document_kind=document_kind)
    assert found == kinds


@pytest.mark.parametrize(
    ("language", "labels"),
    [
        ("uk", {"Міссісіпі": "Проголошення", "Каліфорнія": "Резолюція", "Юта": "Меморандум"}),
        ("en", {"Mississippi": "Proclamation", "California": "Resolution", "Utah": "Memorandum"}),
    ],
)
def test_resolutions_and_proclamations_are_labelled_as_such(client, facts, language, labels):
    html = page(client, language=language)
    memorandum = "Меморандум" if language == "uk" else "Memorandum"
    for partner, label in labels.items():
        card = card_of(html, partner)
        head = card.split("</p>")[0]  # the title and its labels
        assert label in head, (partner, head)
        if label != memorandum:
            assert memorandum not in card, partner
    resolution = "Резолюція" if language == "uk" else "Resolution"
    assert resolution in card_of(html, "Міссісіпі" if language == "uk" else "Mississippi")
    agreement = "Угода" if language == "uk" else "Agreement"
    assert agreement in card_of(html, "Вашингтон" if language == "uk" else "Washington")


# --- the filter --------------------------------------------------------------------------------


def test_the_filter_lists_names_in_the_pages_language_and_order(client, facts):
    uk = page(client, language="uk")
    regions = re.findall(r'<option value="(UA-\d\d)"[^>]*>([^<]+)</option>', uk)
    names = [name for _code, name in regions]
    alphabet = "АБВГҐДЕЄЖЗИІЇЙКЛМНОПРСТУФХЦЧШЩЬЮЯ"
    assert names == sorted(names, key=lambda n: (alphabet.index(n[0]), n))
    assert ("UA-18", "Житомирська область") in regions
    assert "Луганська" not in uk  # no signed public tie there: not offered
    en = page(client, language="en")
    assert '<option value="US-IN">Indiana</option>' in en
    assert '<option value="UA-18">Zhytomyr Oblast</option>' in en


def test_filters_by_region_and_by_state(client, facts):
    zhytomyr = Partnership.objects.get(ukrainian_region__code="UA-18").pk
    kyiv = set(
        Partnership.objects.filter(ukrainian_region__code="UA-32").values_list("pk", flat=True)
    )
    assert shown_ids(client, "/public/?region=UA-18") == [zhytomyr]
    assert set(shown_ids(client, "/public/?region=UA-32")) == kyiv and len(kyiv) == 2
    assert shown_ids(client, "/public/?state=US-IN") == [zhytomyr]
    assert shown_ids(client, "/public/?region=UA-18&state=US-IN") == [zhytomyr]
    assert shown_ids(client, "/public/?region=ua-18&state=us-in") == [zhytomyr]
    assert shown_ids(client, "/public/?region=UA-32&state=US-IN") == []
    html = page(client, "/public/?region=UA-32&state=US-IN", language="en")
    assert "No signed partnership matches the filter." in html
    selected = page(client, "/public/?region=UA-18", language="en")
    assert '<option value="UA-18" selected>Zhytomyr Oblast</option>' in selected


@pytest.mark.parametrize(
    "query",
    [
        "region=XX-99",
        "region=US-IN",  # not a region of Ukraine
        "state=UA-18",  # a Ukrainian region is not a partner
        "state=US-ZZ",
        "region=UA-18&state=%3Cscript%3E",
        "region=" + "A" * 500,
        "region=UA-18'%20OR%201=1--",
    ],
)
def test_an_invalid_filter_is_refused_with_its_error_and_no_table(client, facts, query):
    html = page(client, f"/public/?{query}", language="en", status=400)
    assert 'class="error-summary"' in html
    assert "<title>Error:" in html
    assert "registry-card" not in html and "<h2><a" not in html
    assert "<script>" not in html


def test_a_filtered_list_is_counted_and_paged_with_its_filter(client, reference, monkeypatch):
    services.spheres_load()
    bulk_ties(60)  # Alaska's and Alabama's: every third signed, every fifth confidential
    ties = Partnership.objects.filter(
        confidential=False, stage="memorandum_signed", partner_region__code="US-AL"
    )
    assert ties.count() > 2
    assert client.get("/public/?state=US-AL").context["count"] == ties.count()
    monkeypatch.setattr(selectors, "PUBLIC_PAGE_SIZE", 2)
    cache.clear()
    html = client.get("/public/?state=US-AL").content.decode()
    assert 'href="?state=US-AL&amp;page=2" rel="next"' in html
    shown = shown_ids(client, "/public/?state=US-AL") + shown_ids(
        client, "/public/?state=US-AL&page=2"
    )
    assert len(shown) == 4 and len(set(shown)) == 4
    assert set(shown) <= set(ties.values_list("pk", flat=True))


def queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured)


FILTERED = ["/public/?region=UA-18", "/public/?state=US-IN", "/public/?region=UA-05&state=US-AL"]


def test_filtered_pages_take_few_queries_whatever_the_size(client, reference):
    services.spheres_load()
    bulk_ties(10)
    cache.clear()
    few = {url: queries(client, url) for url in FILTERED}
    kept = {url: queries(client, url) for url in FILTERED}  # from the cache
    bulk_ties(90)
    cache.clear()
    many = {url: queries(client, url) for url in FILTERED}
    assert few == many
    assert max(many.values()) <= 8, many
    assert max(kept.values()) <= 3, kept  # the filter's lookup and the fingerprint's two


def test_an_unfiltered_kept_page_takes_two_queries(client, facts, django_assert_max_num_queries):
    client.get(INDEX)
    with django_assert_max_num_queries(2):
        assert client.get(INDEX).status_code == 200


# --- the cache and confidentiality under every filter -----------------------------------------


def listed(html: str) -> str:
    return "".join(cards(html))


def test_a_kept_page_is_kept_per_filter(client, facts):
    assert "Indiana" in listed(page(client, "/public/?region=UA-18", language="en"))
    kyiv = listed(page(client, "/public/?region=UA-32", language="en"))  # a key of its own
    assert "Indiana" not in kyiv and "Washington" in kyiv
    assert "Indiana" in listed(page(client, "/public/?region=UA-18", language="en"))


def test_a_kept_filtered_page_drops_a_tie_made_confidential(client, facts, coordinator):
    urls = [
        "/public/",
        "/public/?region=UA-18",
        "/public/?state=US-IN",
        "/public/?region=UA-18&state=US-IN",
    ]
    for url in [*urls, "/public/?state=US-WA"]:
        assert "Indiana" in page(client, url, language="en"), url  # rendered and kept
    indiana = Partnership.objects.get(partner_region__code="US-IN")
    services.partnership_update(partnership=indiana, by=coordinator, confidential=True)
    for url in urls:
        html = page(client, url, language="en")
        assert "Indiana" not in listed(html), url
        assert '<option value="US-IN">' not in html, url  # no longer offered
    # Another state's kept page forgets Indiana in its list of states too.
    assert "Indiana" not in page(client, "/public/?state=US-WA", language="en")


def test_a_confidential_tie_never_appears_under_any_filter(client, facts):
    secret = zhytomyr_ontario()  # signed, but confidential
    services.partnership_record_event(
        partnership=secret, kind="signed", on=timezone.localdate(), by=None, source="https://x.ca"
    )
    secret.refresh_from_db()
    assert secret.stage == "memorandum_signed"
    urls = [
        "/public/",
        "/public/?region=UA-18",
        "/public/?state=CA-ON",
        "/public/?region=UA-18&state=CA-ON",
    ]
    for url in urls:
        assert secret.pk not in shown_ids(client, url), url
        for language in ("uk", "en"):
            html = page(client, url, language=language)
            assert "Zhytomyr Oblast – Ontario" not in html, url
            assert "Житомирська область – Онтаріо" not in html, url
            assert "x.ca" not in html, url
    for language in ("uk", "en"):  # nor is its partner offered by the filter
        assert '"CA-ON"' not in page(client, language=language)


# --- the menu ------------------------------------------------------------------------------------


def test_no_api_in_the_public_menu(client, reference, coordinator):
    assert "/api/v1/docs" not in page(client)
    client.force_login(coordinator)
    assert "/api/v1/docs" in page(client)
