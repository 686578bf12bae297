"""Both languages in the data: a partnership's sides, next step, instruments, signatories and
places are kept in Ukrainian and English; pages and the API show the reader's language, falling
back to the other (marked as such in pages); system texts are composed when shown; and Ukrainian
pages sort partner names in the Ukrainian alphabet, in SQL."""

from datetime import date

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from regionbridge.lib.i18n import by_script, picked, shown
from regionbridge.partnerships import clearance, services
from regionbridge.partnerships.models import (
    Partnership,
    PartnershipEvent,
    Review,
    order_number_bare,
)
from regionbridge.partnerships.services import spheres_load
from tests.api_contract import answers_documented  # noqa: F401 (a fixture)
from tests.conftest import make_member, region
from tests.test_api_partnerships import (
    API,
    assert_json_error,
    bearer,
    created,
    get_ok,
    ok,
    post_json,
    send,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("answers_documented")]


@pytest.fixture
def mindev(reference):
    """An officer of the Ministry for Development, which approves drafts by order."""
    return make_member("ministry", org_key="mindev", email="mindev@example.org")


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def spheres(reference):
    spheres_load()


def speaking(user, language: str):
    user.language = language
    user.save(update_fields=["language"])
    return user


@pytest.fixture
def tie(coordinator):
    """Zhytomyr – a city of Indiana, named in Ukrainian only, with an English-only next step."""
    return services.partnership_create(
        by=coordinator,
        ukrainian_region=region("UA-18"),
        partner_region=region("US-IN"),
        partner_kind="city",
        partner_name_uk="Місто Блумінгтон",
        ukrainian_side_en="Zhytomyr Oblast Military Administration",
        next_step_en="Send the draft",
        first_event_on=date(2024, 1, 1),
    )


# --- the helpers --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "split"),
    [
        ("State of Indiana", ("", "State of Indiana")),
        ("штат Індіана", ("штат Індіана", "")),
        ("Ulster County (округ Ольстер)", ("Ulster County (округ Ольстер)", "")),
        ("", ("", "")),
        ("12/3", ("", "12/3")),
    ],
)
def test_a_value_in_one_language_goes_to_the_one_its_letters_say(text, split):
    assert by_script(text) == split


def test_the_value_shown_falls_back_to_the_other_language_and_says_so():
    assert picked("Київ", "Kyiv", "en") == ("Kyiv", "en")
    assert picked("", "Kyiv", "uk") == ("Kyiv", "en")
    assert picked("", "", "uk") == ("", "uk")
    own = shown("Київ", "Kyiv", "uk")
    assert (str(own), own.fallback, own.__html__()) == ("Київ", False, "Київ")
    other = shown("", "<b>Kyiv</b>", "uk")
    with translation.override("uk"):
        html = other.__html__()
    assert html.startswith('<span lang="en">&lt;b&gt;Kyiv&lt;/b&gt;</span>')
    assert "(англ.)" in html


@pytest.mark.parametrize(
    ("typed", "bare"),
    [
        ("12", "12"),
        ("№ 12", "12"),
        ("№12", "12"),
        ("No. 12", "12"),
        ("#12", "12"),
        ("наказ № 245/1", "245/1"),
        ("Order No. 7", "7"),
        ("Noted 5", "Noted 5"),
        ("№", "№"),
    ],
)
def test_an_order_number_loses_the_sign_typed_before_it(typed, bare):
    assert order_number_bare(typed) == bare


# --- the migration ------------------------------------------------------------------------------

OLD = [("partnerships", "0006_stored_stage")]
NEW = [("partnerships", "0009_single_language_columns_dropped")]


def _two_regions() -> None:
    from regionbridge.regions.models import Country, Region

    for country, alpha3, code, en, uk, kind in (
        ("UA", "UKR", "UA-18", "Zhytomyr Oblast", "Житомирська область", "region"),
        ("US", "USA", "US-IN", "Indiana", "Індіана", "state"),
    ):
        nation, _ = Country.objects.get_or_create(
            code=country, defaults={"alpha3": alpha3, "name_en": country, "name_uk": country}
        )
        Region.objects.get_or_create(
            code=code, defaults={"country": nation, "kind": kind, "name_en": en, "name_uk": uk}
        )


@pytest.mark.django_db(transaction=True)
def test_the_migration_moves_each_value_by_its_letters_and_back():
    _two_regions()  # with today's models: the reference data may be gone (a flush before)
    executor = MigrationExecutor(connection)
    try:
        executor.migrate(OLD)
        old = executor.loader.project_state(OLD).apps
        Region = old.get_model("regions", "Region")
        zhytomyr, indiana = Region.objects.get(code="UA-18"), Region.objects.get(code="US-IN")
        tie = old.get_model("partnerships", "Partnership").objects.create(
            ukrainian_region=zhytomyr,
            partner_region=indiana,
            partner_kind="city",
            partner_name="Їжакове",
            ukrainian_side="Zhytomyr Oblast Military Administration",
            next_step="Надіслати проєкт",
        )
        document = old.get_model("partnerships", "Document").objects.create(
            partnership=tie, kind="memorandum", signed_place="Kyiv"
        )
        old.get_model("partnerships", "Signatory").objects.create(
            document=document,
            name="Віталій Бунечко",
            title="Head",
            signs_for="ukrainian",
            on_behalf_of="",
        )
        old.get_model("partnerships", "PartnershipEvent").objects.create(
            partnership=tie,
            kind="draft_approved_by_ministry",
            occurred_on=date(2024, 5, 1),
            stage_after="negotiating",
            document=document,
            instrument="Меморандум",
            signatories="Governor Holcomb",
            place="Київ",
            source="Наказ Мінрозвитку № 245",
        )

        executor.loader.build_graph()
        executor.migrate(NEW)
        new = executor.loader.project_state(NEW).apps
        tie = new.get_model("partnerships", "Partnership").objects.get()
        assert (tie.partner_name_uk, tie.partner_name_en) == ("Їжакове", "")
        assert (tie.ukrainian_side_uk, tie.ukrainian_side_en) == (
            "",
            "Zhytomyr Oblast Military Administration",
        )
        assert (tie.next_step_uk, tie.next_step_en) == ("Надіслати проєкт", "")
        assert tie.partner_sort_uk and tie.partner_sort_en  # filled for the lists' order
        event = new.get_model("partnerships", "PartnershipEvent").objects.get()
        assert (event.instrument_uk, event.instrument_en) == ("Меморандум", "")
        assert (event.signatories_uk, event.signatories_en) == ("", "Governor Holcomb")
        assert (event.place_uk, event.place_en) == ("Київ", "")
        # The approval's words were stored in one language: only the number is kept.
        assert (event.order_number, event.source) == ("245", "")
        signatory = new.get_model("partnerships", "Signatory").objects.get()
        assert (signatory.name_uk, signatory.name_en, signatory.title_en) == (
            "Віталій Бунечко",
            "",
            "Head",
        )
        document = new.get_model("partnerships", "Document").objects.get()
        assert (document.signed_place_uk, document.signed_place_en) == ("", "Kyiv")

        # Reversible: back to one column, the Ukrainian value where there is one.
        executor.loader.build_graph()
        executor.migrate(OLD)
        old = executor.loader.project_state(OLD).apps
        tie = old.get_model("partnerships", "Partnership").objects.get()
        assert (tie.partner_name, tie.ukrainian_side) == (
            "Їжакове",
            "Zhytomyr Oblast Military Administration",
        )
        event = old.get_model("partnerships", "PartnershipEvent").objects.get()
        assert event.source == "Order No. 245 of the Ministry for Development"
    finally:
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())


# --- pages --------------------------------------------------------------------------------------


def page(client, user, url: str, language: str) -> str:
    client.force_login(speaking(user, language))
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_the_partnership_page_shows_each_value_in_the_pages_language(client, coordinator):
    tie = services.partnership_create(
        by=coordinator,
        ukrainian_region=region("UA-18"),
        partner_region=region("US-IN"),
        ukrainian_side_uk="Житомирська обласна рада",
        ukrainian_side_en="Zhytomyr Oblast Council",
        partner_name_uk="штат Індіана",
        partner_name_en="State of Indiana",
        next_step_uk="Погодити текст",
        next_step_en="Agree the text",
        first_event_on=date(2024, 1, 1),
    )
    url = reverse("partnerships:detail", args=[tie.pk])
    ukrainian = page(client, coordinator, url, "uk")
    assert "Житомирська обласна рада" in ukrainian and "Zhytomyr Oblast Council" not in ukrainian
    assert "штат Індіана" in ukrainian and "Погодити текст" in ukrainian
    assert "lang-mark" not in ukrainian
    english = page(client, coordinator, url, "en")
    assert "Zhytomyr Oblast Council" in english and "Житомирська обласна рада" not in english
    assert "State of Indiana" in english and "Agree the text" in english
    assert "lang-mark" not in english


def test_a_value_in_one_language_only_is_shown_with_its_language_marked(client, coordinator, tie):
    url = reverse("partnerships:detail", args=[tie.pk])
    ukrainian = page(client, coordinator, url, "uk")
    assert '<span lang="en">Zhytomyr Oblast Military Administration</span>' in ukrainian
    assert '<span lang="en">Send the draft</span>' in ukrainian
    assert "(англ.)" in ukrainian
    assert '<span lang="uk">' not in ukrainian.split("<main", 1)[-1].split("</main>")[0]
    english = page(client, coordinator, url, "en")
    assert '<span lang="uk">Місто Блумінгтон</span>' in english
    assert "(Ukr.)" in english
    listing = page(client, coordinator, reverse("partnerships:list"), "en")
    assert '<span lang="uk">Місто Блумінгтон</span>' in listing


def test_the_timeline_composes_its_texts_in_the_readers_language(
    client, coordinator, zhytomyr, ministry, mindev, tie, media
):
    from tests.test_partnership_services import pdf

    document = clearance.document_create(
        partnership=tie, kind="memorandum", by=zhytomyr, title_uk="Меморандум про співпрацю"
    )
    clearance.document_add_version(document=document, language="uk", upload=pdf(), by=zhytomyr)
    clearance.document_submit(document=document, by=zhytomyr)
    clearance.document_review(document=document, decision="no_objection", by=ministry)
    clearance.document_review(
        document=document, decision="approved", by=mindev, order_number="№ 245"
    )
    assert Review.objects.get(ministry__key="mindev").order_number == "245"
    event = PartnershipEvent.objects.get(kind="draft_approved_by_ministry")
    assert (event.source, event.order_number) == ("", "245")
    url = reverse("partnerships:detail", args=[tie.pk])
    ukrainian = page(client, coordinator, url, "uk")
    assert "Наказ Мінрозвитку № 245" in ukrainian and "№ №" not in ukrainian
    assert "Меморандум про співпрацю" in ukrainian
    english = page(client, coordinator, url, "en")
    assert "Order No. 245 of the Ministry for Development" in english
    assert '<span lang="uk">Меморандум про співпрацю</span>' in english
    document_page = page(
        client, coordinator, reverse("partnerships:document", args=[document.pk]), "uk"
    )
    assert "Наказ № 245" in document_page and "№ №" not in document_page


def test_the_sign_page_keeps_places_and_signatories_in_both_languages(
    client, coordinator, zhytomyr, ministry, mindev, tie, media
):
    from tests.test_partnership_services import pdf

    document = clearance.document_create(partnership=tie, kind="memorandum", by=zhytomyr)
    clearance.document_add_version(document=document, language="uk", upload=pdf(), by=zhytomyr)
    clearance.document_submit(document=document, by=zhytomyr)
    clearance.document_review(document=document, decision="no_objection", by=ministry)
    clearance.document_review(document=document, decision="approved", by=mindev, order_number="1")
    client.force_login(speaking(zhytomyr, "uk"))
    response = client.post(
        reverse("partnerships:document_sign", args=[document.pk]),
        {
            "signed_on": timezone.localdate().isoformat(),
            "place_uk": "Житомир",
            "place_en": "Zhytomyr",
            "ukrainian_signatory_uk": "Віталій Бунечко",
            "ukrainian_signatory_en": "Vitalii Bunechko",
            "ukrainian_title_uk": "Начальник ОВА",
            "partner_signatory_en": "Eric Holcomb",
            "partner_title_en": "Governor",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    document.refresh_from_db()
    assert (document.signed_place_uk, document.signed_place_en) == ("Житомир", "Zhytomyr")
    names = set(document.signatories.values_list("name_uk", "name_en", "title_uk", "title_en"))
    assert names == {
        ("Віталій Бунечко", "Vitalii Bunechko", "Начальник ОВА", ""),
        ("", "Eric Holcomb", "", "Governor"),
    }
    shown_page = page(client, zhytomyr, reverse("partnerships:document", args=[document.pk]), "uk")
    assert "Віталій Бунечко" in shown_page and '<span lang="en">Eric Holcomb</span>' in shown_page


# --- forms --------------------------------------------------------------------------------------


def edit(client, user, tie, **fields):
    client.force_login(user)
    data = {
        "ukrainian_side_uk": tie.ukrainian_side_uk,
        "ukrainian_side_en": tie.ukrainian_side_en,
        "partner_name_uk": tie.partner_name_uk,
        "partner_name_en": tie.partner_name_en,
        "partner_kind": tie.partner_kind,
        "next_step_uk": "",
        "next_step_en": "",
    } | fields
    return client.post(reverse("partnerships:edit", args=[tie.pk]), data)


def test_the_forms_ask_for_both_languages_side_by_side(client, coordinator, tie):
    client.force_login(speaking(coordinator, "uk"))
    html = client.get(reverse("partnerships:edit", args=[tie.pk])).content.decode()
    for name in ("ukrainian_side", "partner_name", "next_step"):
        assert f'name="{name}_uk"' in html and f'name="{name}_en"' in html
    assert 'lang="uk"' in html and "Українською" in html and "Англійською" in html


def test_a_name_may_lack_one_language_but_not_both(client, coordinator, tie):
    response = edit(client, coordinator, tie, partner_name_uk="", partner_name_en="Bloomington")
    assert response.status_code == 302
    tie.refresh_from_db()
    assert (tie.partner_name_uk, tie.partner_name_en) == ("", "Bloomington")
    response = edit(
        client, speaking(coordinator, "en"), tie, partner_name_uk="", partner_name_en=" "
    )
    assert response.status_code in (200, 400)
    assert "Enter it in Ukrainian, in English or in both." in response.content.decode()
    assert response.context["form"].errors["partner_name"]
    tie.refresh_from_db()
    assert tie.partner_name_en == "Bloomington"


@pytest.mark.parametrize(
    "value",
    ["x" * 10_000, "Indiana\u202egnp.exe", "Indi\x00ana"],
    ids=["10k chars", "RTL override", "NUL byte"],
)
def test_hostile_names_are_refused_by_the_form(client, coordinator, tie, value):
    response = edit(client, coordinator, tie, partner_name_en=value)
    assert response.status_code in (200, 400)
    assert response.context["form"].errors["partner_name"]
    tie.refresh_from_db()
    assert tie.partner_name_en == ""


def test_markup_in_a_name_is_shown_as_text(client, coordinator, tie):
    markup = '<script>alert("x")</script>'
    assert edit(client, coordinator, tie, partner_name_en=markup).status_code == 302
    html = page(client, coordinator, reverse("partnerships:detail", args=[tie.pk]), "en")
    assert markup not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html


# --- the API ------------------------------------------------------------------------------------


def test_the_api_gives_the_readers_language_with_both_beside_it(client, zhytomyr, tie):
    url = f"{API}/partnerships/{tie.pk}"
    data = get_ok(client, url, headers=bearer(speaking(zhytomyr, "en")))
    assert data["partner_name"] == "Місто Блумінгтон"  # only in Ukrainian: the fallback
    assert (data["partner_name_uk"], data["partner_name_en"]) == ("Місто Блумінгтон", "")
    assert data["ukrainian_side"] == "Zhytomyr Oblast Military Administration"
    assert data["next_step"] == "Send the draft"
    services.partnership_update(
        partnership=tie, by=None, next_step_uk="Надіслати проєкт", partner_name_en="Bloomington"
    )
    english = get_ok(client, url, headers=bearer(zhytomyr))
    assert (english["next_step"], english["partner_name"]) == ("Send the draft", "Bloomington")
    ukrainian = get_ok(client, url, headers=bearer(speaking(zhytomyr, "uk")))
    assert (ukrainian["next_step"], ukrainian["partner_name"]) == (
        "Надіслати проєкт",
        "Місто Блумінгтон",
    )
    assert (ukrainian["next_step_uk"], ukrainian["next_step_en"]) == (
        "Надіслати проєкт",
        "Send the draft",
    )


def test_the_old_single_fields_are_still_accepted_by_their_letters(client, zhytomyr, spheres):
    data = created(
        post_json(
            client,
            f"{API}/partnerships",
            {
                "ukrainian_region": "UA-18",
                "partner_region": "US-OH",
                "partner_name": "штат Огайо",
                "ukrainian_side": "Zhytomyr Oblast Military Administration",
                "next_step": "Call Columbus",
            },
            bearer(zhytomyr),
        )
    )
    assert (data["partner_name_uk"], data["partner_name_en"]) == ("штат Огайо", "")
    assert data["ukrainian_side_en"] == "Zhytomyr Oblast Military Administration"
    assert data["next_step_en"] == "Call Columbus"
    url = f"{API}/partnerships/{data['id']}"
    patched = ok(send(client, "patch", url, {"partner_name_en": "State of Ohio"}, bearer(zhytomyr)))
    assert (patched["partner_name_uk"], patched["partner_name_en"]) == (
        "штат Огайо",
        "State of Ohio",
    )
    # Re-sending the same old field changes nothing; a new value replaces the name in full.
    same = ok(send(client, "patch", url, {"partner_name": "State of Ohio"}, bearer(zhytomyr)))
    assert same["partner_name_uk"] == "штат Огайо"
    renamed = ok(send(client, "patch", url, {"partner_name": "Ohio"}, bearer(zhytomyr)))
    assert (renamed["partner_name_uk"], renamed["partner_name_en"]) == ("", "Ohio")
    event = created(
        post_json(
            client,
            f"{url}/events",
            {
                "kind": "reported_negotiating",
                "occurred_on": timezone.localdate().isoformat(),
                "place": "Київ",
                "instrument_en": "Letter",
                "instrument_uk": "Лист",
            },
            bearer(zhytomyr),
        )
    )
    assert (event["place_uk"], event["place_en"]) == ("Київ", "")
    assert (event["instrument_uk"], event["instrument_en"]) == ("Лист", "Letter")


def test_the_api_refuses_a_side_without_a_name_in_either_language(client, zhytomyr, tie):
    url = f"{API}/partnerships/{tie.pk}"
    response = send(
        client, "patch", url, {"partner_name_uk": "", "partner_name_en": ""}, bearer(zhytomyr)
    )
    assert_json_error(response, 400)
    tie.refresh_from_db()
    assert tie.partner_name_uk == "Місто Блумінгтон"


@pytest.mark.parametrize(
    "value",
    ["x" * 10_000, "Indiana\u202egnp.exe", "Indi\x00ana"],
    ids=["10k chars", "RTL override", "NUL byte"],
)
@pytest.mark.parametrize("field", ["partner_name_en", "partner_name", "next_step_uk"])
def test_the_api_refuses_hostile_names(client, zhytomyr, tie, field, value):
    response = send(
        client, "patch", f"{API}/partnerships/{tie.pk}", {field: value}, bearer(zhytomyr)
    )
    assert 400 <= response.status_code < 500
    tie.refresh_from_db()
    assert (tie.partner_name_uk, tie.partner_name_en, tie.next_step_uk) == (
        "Місто Блумінгтон",
        "",
        "",
    )


# --- Ukrainian alphabetical order ------------------------------------------------------------


def test_a_ukrainian_list_orders_partners_in_the_ukrainian_alphabet_in_sql(
    client, coordinator, django_assert_max_num_queries
):
    for name in ("Їжакове", "Іванків", "Запоріжжя"):
        services.partnership_create(
            by=coordinator,
            ukrainian_region=region("UA-18"),
            partner_region=region("US-IN"),
            partner_kind="city",
            partner_name_uk=name,
            first_event_on=date(2024, 1, 1),
        )
    client.force_login(speaking(coordinator, "uk"))
    with CaptureQueriesContext(connection) as queries, django_assert_max_num_queries(16):
        response = client.get(reverse("partnerships:list"))
    names = [str(row["partner_name"]) for row in response.context["rows"]]
    assert names == ["Запоріжжя", "Іванків", "Їжакове"]
    # Sorted by the database, on the stored keys (count and page: one query each).
    ties = [  # queries reading the partnerships themselves (not a filter list's subquery)
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].split(" FROM ", 1)[-1].startswith('"partnerships_partnership"')
    ]
    assert len(ties) == 2
    order = ties[-1].rsplit("ORDER BY", 1)[-1]
    assert order.index('"sort_uk"') < order.index('"partner_sort_uk"')
    # Byte order of the keys is the Ukrainian alphabet's, whatever the database's collation.
    keyed = Partnership.objects.filter(partner_kind="city").order_by("partner_sort_uk")
    assert [p.partner_name_uk for p in keyed] == names
