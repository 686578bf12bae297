"""The briefing (issue 13, point 4): a one- or two-page PDF in Ukrainian or English, read back
with pypdf. What a viewer may not see is in no briefing of theirs; the same data gives the same
bytes; the page and the API refuse what they cannot take."""

import io
import re
from datetime import date, timedelta
from unittest import mock

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from regionbridge.accounts.services import token_issue
from regionbridge.oversight import briefing
from regionbridge.partnerships import services as partnerships
from regionbridge.regions.models import Region

pytestmark = pytest.mark.django_db

AS_OF = date(2025, 3, 12)
SINCE = date(2025, 3, 5)
PAGE = reverse("oversight:briefing")
PDF = reverse("oversight:briefing_pdf")
API = "/api/v1/oversight/briefing.pdf"
SECRET = "Zorvanex"  # the confidential negotiation's partner name


# --- the data -------------------------------------------------------------------------------


def _tie(ukrainian: str, partner: str, *, first: date, **kwargs):
    return partnerships.partnership_create(
        by=None,
        ukrainian_region=Region.objects.get(code=ukrainian),
        partner_region=Region.objects.get(code=partner),
        first_event_on=first,
        **kwargs,
    )


def _event(tie, kind: str, on: date, **kwargs) -> None:
    partnerships.partnership_record_event(partnership=tie, kind=kind, on=on, by=None, **kwargs)


@pytest.fixture
def ties(reference):
    """Zhytomyr – Indiana signed a memorandum in the week; Zhytomyr – Ohio has talked of nothing
    since last autumn (stalled); Lviv – Texas is exploring; Chernihiv negotiates in confidence
    with a city in Minnesota (the marker word is its name)."""
    indiana = _tie("UA-18", "US-IN", first=date(2024, 6, 1))
    _event(indiana, "reported_negotiating", date(2024, 9, 1))
    _event(indiana, "signed", date(2025, 3, 10), signed_stage="memorandum_signed")
    ohio = _tie("UA-18", "US-OH", first=date(2024, 5, 1))
    _event(ohio, "reported_negotiating", date(2024, 10, 1))
    _tie("UA-46", "US-TX", first=date(2025, 1, 20))
    secret = _tie(
        "UA-74",
        "US-MN",
        first=date(2024, 11, 1),
        confidential=True,
        partner_kind="city",
        partner_name_en=f"{SECRET} City",
        partner_name_uk=f"Місто {SECRET}",
    )
    _event(secret, "reported_negotiating", date(2025, 3, 7))
    return {"indiana": indiana, "ohio": ohio, "secret": secret}


def pdf_of(user, language: str = "uk", as_of: date = AS_OF, since: date = SINCE) -> bytes:
    return briefing.briefing_pdf(user, language=language, as_of=as_of, since=since)


def text_of(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    assert 1 <= len(reader.pages) <= 2, len(reader.pages)
    return " ".join(page.extract_text() for page in reader.pages)


def bearer(user) -> dict[str, str]:
    _token, plain = token_issue(user=user, name="briefing")
    return {"Authorization": f"Bearer {plain}"}


# --- what it says ---------------------------------------------------------------------------


def test_ukrainian_briefing_holds_the_figures_and_headings(coordinator, ties):
    text = text_of(pdf_of(coordinator, "uk"))
    assert "Довідка про партнерства регіонів" in text
    assert "Що змінилося з 5 березня 2025" in text
    assert "Житомирська" in text and "Індіана" in text  # Cyrillic extracts: fonts embedded
    # Four ties on the day, three a week before (Lviv – Texas and the negotiation are older).
    assert re.search(r"Усього\s+зв.язків\s+4\s+4\s+0", text), text
    assert re.search(r"Меморандум\s+підписано\s+0\s+1\s+\+1", text), text


def test_english_briefing_holds_the_same_figures(coordinator, ties):
    text = text_of(pdf_of(coordinator, "en"))
    assert "Briefing on regional partnerships" in text
    assert "What changed since 5 March 2025" in text
    assert re.search(r"All\s+ties\s+4\s+4\s+0", text), text
    assert re.search(r"Memorandum\s+signed\s+0\s+1\s+\+1", text), text
    assert "Zhytomyr" in text and "Indiana: signed" in text
    assert "Stalled negotiations" in text and "Ohio" in text  # no contact since October


def test_fonts_are_the_shipped_ones_embedded(coordinator, ties):
    pdf = pdf_of(coordinator)
    reader = PdfReader(io.BytesIO(pdf))
    fonts = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descendant = font["/DescendantFonts"][0].get_object()
            assert "/FontFile2" in descendant["/FontDescriptor"].get_object()  # embedded
            fonts.add(str(font["/BaseFont"]).split("+")[-1])
    assert fonts <= {"DejaVuSans", "DejaVuSans-Bold"}, fonts


def test_the_same_data_gives_the_same_bytes(coordinator, ties, settings):
    settings.RESULTS_SECONDS = 0  # typeset each time, not kept (decision 0013)
    first = pdf_of(coordinator)
    assert pdf_of(coordinator) == first
    # Another day on the clock: the same briefing, as of the same days.
    later = timezone.now() + timedelta(days=100)
    with mock.patch("django.utils.timezone.now", return_value=later):
        assert pdf_of(coordinator) == first


def test_no_creation_date(coordinator, ties):
    pdf = pdf_of(coordinator)
    assert b"/CreationDate" not in pdf and b"/ModDate" not in pdf
    assert b"xmp:CreateDate" not in pdf
    metadata = PdfReader(io.BytesIO(pdf)).metadata
    assert metadata.creation_date is None
    assert metadata.title == "Довідка про партнерства регіонів"


def test_confidential_negotiation_only_in_the_briefings_of_who_may_see_it(
    coordinator, embassy, chernihiv, zhytomyr, ties
):
    for seer in (coordinator, embassy, chernihiv):
        assert SECRET in text_of(pdf_of(seer, "en")), seer
    for language in ("uk", "en"):
        pdf = pdf_of(zhytomyr, language)
        assert SECRET.encode() not in pdf
        assert SECRET not in text_of(pdf)


def test_regional_staff_get_their_region_only(zhytomyr, ties):
    text = text_of(pdf_of(zhytomyr, "en"))
    assert "Zhytomyr" in text
    for elsewhere in ("Lviv", "Texas", "Chernihiv", "Minnesota"):
        assert elsewhere not in text, elsewhere
    assert re.search(r"All\s+ties\s+2\s+2\s+0", text), text


def test_partner_and_institution_staff_are_refused(indiana, institution_user, outsider, ties):
    from django.core.exceptions import PermissionDenied

    for user in (indiana, institution_user, outsider):
        with pytest.raises(PermissionDenied):
            pdf_of(user)


def test_long_lists_stay_within_two_pages():
    many = briefing.Listing(
        [briefing.Line(f"Житомирська – Індіана: подія {n}", "12 березня") for n in range(8)], 400
    )
    facts = briefing.Facts(
        part="Усі",
        figures=[("Переговори", 1, 2)] * 7,
        changes=many,
        stalled=many,
        coming=many,
        regions=[(f"Область {n}", [n, 1, 2, 3]) for n in range(27)],
        region_columns=["Зв'язки", "Підписано", "Застигли", "Прострочено"],
    )
    pdf, pages = briefing.render(facts, "", language="uk", as_of=AS_OF, since=SINCE)
    assert pages <= 2
    text = text_of(pdf)
    assert "і ще 392" in text or "і ще 395" in text or "і ще 397" in text


def test_names_are_text_not_typst_markup(reference):
    hostile = '#panic("x") ]) *bold* $x$ <b> #import "@preview/x:0.1.0"'
    facts = briefing.Facts(
        part=hostile,
        figures=[(hostile, 1, 1)],
        changes=briefing.Listing([briefing.Line(hostile, hostile)], 1),
        stalled=briefing.Listing([], 0),
        coming=briefing.Listing([], 0),
    )
    pdf, _pages = briefing.render(facts, "", language="en", as_of=AS_OF, since=SINCE)
    assert '#panic("x")' in text_of(pdf)


# --- the page -------------------------------------------------------------------------------


def test_page_shows_the_form_with_defaults(client, zhytomyr):
    client.force_login(zhytomyr)
    response = client.get(PAGE)
    assert response.status_code == 200
    html = response.content.decode()
    assert f'action="{PDF}"' in html
    today = timezone.localdate()
    assert f'value="{today.isoformat()}"' in html
    assert f'value="{(today - timedelta(days=7)).isoformat()}"' in html


def test_page_downloads_the_pdf(client, coordinator, ties):
    client.force_login(coordinator)
    response = client.get(PDF, {"lang": "en", "as_of": "2025-03-12", "since": "2025-03-05"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert 'filename="briefing-2025-03-12-en.pdf"' in response["Content-Disposition"]
    assert "no-store" in response["Cache-Control"]
    assert response.content == pdf_of(coordinator, "en")


def test_page_pdf_defaults_to_the_readers_language_today_and_a_week(client, zhytomyr, ties):
    client.force_login(zhytomyr)
    response = client.get(PDF)
    assert response.status_code == 200
    today = timezone.localdate()
    expected = pdf_of(zhytomyr, zhytomyr.language, today, today - timedelta(days=7))
    assert response.content == expected


@pytest.mark.parametrize(
    "query",
    [
        {"lang": "xx"},
        {"lang": "uk\x00"},
        {"as_of": "9999-12-31"},
        {"as_of": "0001-01-01"},
        {"as_of": "2025-02-30"},
        {"as_of": "x" * 200_000},
        {"as_of": "2025-03-12", "since": "2025-03-13"},
        {"since": "1900-01-01"},
    ],
)
@pytest.mark.parametrize("url", [PAGE, PDF])
def test_page_refuses_what_it_cannot_take(client, coordinator, url, query):
    client.force_login(coordinator)
    response = client.get(url, query)
    assert response.status_code == 400
    if any("\x00" in value for value in query.values()):
        return  # refused before any view (core's middleware), in plain text
    assert response["Content-Type"].startswith("text/html")
    assert 'class="error-summary"' in response.content.decode()


@pytest.mark.parametrize("persona", ["indiana", "institution_user", "outsider"])
@pytest.mark.parametrize("url", [PAGE, PDF])
def test_page_refuses_who_has_no_briefing(client, request, persona, url):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(url).status_code == 403


@pytest.mark.parametrize("url", [PAGE, PDF])
def test_page_sends_anonymous_visitors_to_sign_in(client, reference, url):
    response = client.get(url)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


# --- the API --------------------------------------------------------------------------------


def test_api_gives_the_pdf(client, embassy, ties):
    response = client.get(
        API, {"lang": "en", "as_of": "2025-03-12", "since": "2025-03-05"}, headers=bearer(embassy)
    )
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == "application/pdf"
    assert response.content == pdf_of(embassy, "en")
    assert "Ties with" in text_of(response.content)


def test_api_defaults(client, chernihiv, ties):
    response = client.get(API, headers=bearer(chernihiv))
    assert response.status_code == 200
    today = timezone.localdate()
    assert response.content == pdf_of(
        chernihiv, chernihiv.language, today, today - timedelta(days=7)
    )


@pytest.mark.parametrize(
    "query",
    [
        {"lang": "xx"},
        {"as_of": "9999-12-31"},
        {"as_of": "not a date"},
        {"since": "1900-01-01"},
        {"as_of": "2025-03-12", "since": "2025-03-13"},
    ],
)
def test_api_refuses_what_it_cannot_take(client, coordinator, query):
    response = client.get(API, query, headers=bearer(coordinator))
    assert response.status_code == 422, response.content
    assert response.json()["message"]


@pytest.mark.parametrize("persona", ["indiana", "institution_user", "outsider"])
def test_api_refuses_who_has_no_briefing(client, request, persona):
    response = client.get(API, headers=bearer(request.getfixturevalue(persona)))
    assert response.status_code == 403


def test_api_needs_a_token(client, reference):
    assert client.get(API).status_code == 401


def test_a_briefing_is_typeset_again_when_the_data_changes(coordinator, ties):
    """Kept while nothing changes (decision 0013); a new event is in the next one."""
    first = pdf_of(coordinator, "en")
    with mock.patch("regionbridge.oversight.briefing.render") as typeset:
        assert pdf_of(coordinator, "en") == first
        typeset.assert_not_called()
    _event(ties["ohio"], "signed", date(2025, 3, 11), signed_stage="memorandum_signed")
    assert re.search(r"Memorandum\s+signed\s+0\s+2\s+\+2", text_of(pdf_of(coordinator, "en")))
