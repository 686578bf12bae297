"""Names sort in Ukrainian alphabetical order on Ukrainian pages and in English order on English
ones, in SQL on stored keys (lib/collation.py); languages, time zones and people's names are
shown in the reader's language."""

import importlib
from datetime import UTC, datetime

import pytest
from django.apps import apps
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from regionbridge.accounts.forms import PreferencesForm
from regionbridge.lib.collation import (
    UKRAINIAN,
    fill_sort_keys,
    name_order,
    name_sort_keys,
    sort_key,
)
from regionbridge.lib.languages import language_names
from regionbridge.lib.timezones import timezone_choices, timezone_city, timezone_label
from regionbridge.organizations.models import Organization, Person
from regionbridge.organizations.selectors import organizations_for
from regionbridge.regions.models import Country, Region
from regionbridge.regions.selectors import region_list
from tests.conftest import ensure_reference, org
from tests.factories import OrganizationFactory, PersonFactory, UserFactory

WINTER = datetime(2026, 1, 15, 12, tzinfo=UTC)
SUMMER = datetime(2026, 7, 15, 12, tzinfo=UTC)


# --- the key ----------------------------------------------------------------------------------


def test_the_alphabet_has_its_33_letters_in_order():
    assert len(UKRAINIAN) == 33
    for letters in (UKRAINIAN, UKRAINIAN.upper()):
        keys = [sort_key(letter) for letter in letters]
        assert keys == sorted(keys)
        assert len(set(keys)) == 33


@pytest.mark.parametrize(
    ("before", "letter", "after"),
    [("г", "ґ", "д"), ("е", "є", "ж"), ("и", "і", "ї"), ("і", "ї", "й"), ("ї", "й", "к")],
)
def test_the_letters_the_c_collation_misplaces_fall_where_the_alphabet_has_them(
    before, letter, after
):
    assert sort_key(before) < sort_key(letter) < sort_key(after)
    assert sort_key(before.upper()) < sort_key(letter.upper()) < sort_key(after.upper())


def test_case_apostrophes_and_hyphens_do_not_count():
    assert sort_key("КИЇВ") == sort_key("київ") == sort_key("Київ")
    assert sort_key("Мʼята") == sort_key("М'ята") == sort_key("М’ята") == sort_key("Мята")
    assert sort_key("Івано-Франківська") == sort_key("Івано Франківська")
    assert sort_key("Kyiv-") == sort_key("kyiv")  # nothing trails


def test_a_key_is_lowercase_latin_letters_which_every_collation_orders_alike():
    for language in ("uk", "en"):
        key = sort_key("Івано-Франківськ, вул. Ґ'рунтова 12 — Émile ØRSTED", language)
        assert key.isascii() and key.isalpha() and key.islower()
    assert len(sort_key("Я" * 1000)) <= 255


def test_oblasts_sort_as_ukrainians_expect():
    names = ["Запорізька", "Івано-Франківська", "Волинська", "Вінницька", "Київ", "Київська"]
    assert sorted(names, key=sort_key) == [
        "Вінницька",
        "Волинська",
        "Запорізька",
        "Івано-Франківська",
        "Київ",
        "Київська",
    ]


def test_each_language_puts_its_own_script_first():
    assert sort_key("Житомир", "uk") < sort_key("Indiana", "uk")
    assert sort_key("Indiana", "en") < sort_key("Житомир", "en")
    assert sort_key("Zhytomyr", "en") > sort_key("Vinnytsia", "en")
    assert sort_key("Émile", "en") == sort_key("emile", "en")


def test_each_key_falls_back_to_the_other_name():
    assert name_sort_keys("Вінниця", "") == (sort_key("Вінниця"), sort_key("Вінниця", "en"))
    assert name_sort_keys("", "Indiana") == (sort_key("Indiana"), sort_key("Indiana", "en"))


def test_lists_order_by_the_key_of_the_page_language():
    with translation.override("uk"):
        assert name_order() == "sort_uk"
        assert name_order("ukrainian_region__") == "ukrainian_region__sort_uk"
    with translation.override("en"):
        assert name_order() == "sort_en"
    assert name_order(language="uk") == "sort_uk"


# --- keys kept on every write -------------------------------------------------------------------


def test_save_fills_the_keys_even_with_update_fields(reference):
    person = PersonFactory(name_uk="Ґалаґан Ігор", name_en="Ihor Halahan")
    assert (person.sort_uk, person.sort_en) == name_sort_keys("Ґалаґан Ігор", "Ihor Halahan")
    person.name_uk = "Євген Ярош"
    person.save(update_fields=["name_uk"])
    person.refresh_from_db()
    assert person.sort_uk == sort_key("Євген Ярош")


def test_the_reference_load_fills_the_keys(reference):
    vinnytsia = Region.objects.get(code="UA-05")
    assert vinnytsia.sort_uk == sort_key(vinnytsia.name_uk)
    assert vinnytsia.sort_en == sort_key(vinnytsia.name_en, "en")
    ukraine = Country.objects.get(code="UA")
    assert (ukraine.sort_uk, ukraine.sort_en) == name_sort_keys(ukraine.name_uk, ukraine.name_en)
    rma = org("rma-UA-18")  # update_or_create: through save()
    assert rma.sort_uk == sort_key(rma.name_uk)
    assert not Region.objects.filter(sort_uk="").exists()
    assert not Organization.objects.filter(sort_en="").exists()


@pytest.mark.parametrize(
    ("module", "models"),
    [
        ("regionbridge.regions.migrations.0002_sort_keys", [Country, Region]),
        ("regionbridge.organizations.migrations.0005_sort_keys", [Organization, Person]),
    ],
)
def test_the_data_migration_fills_existing_rows(reference, module, models):
    PersonFactory(name_uk="Ярина", name_en="")
    for model in models:
        model.objects.update(sort_uk="", sort_en="")
    importlib.import_module(module).fill_sort_keys(apps, None)
    for model in models:
        assert not model.objects.filter(sort_uk="").exclude(name_uk="", name_en="").exists()
        row = model.objects.order_by("?").first()
        assert (row.sort_uk, row.sort_en) == name_sort_keys(row.name_uk, row.name_en)
    assert Person.objects.get(name_uk="Ярина").sort_en == sort_key("Ярина", "en")
    assert fill_sort_keys(Person) == 0  # nothing left to change


# --- lists ------------------------------------------------------------------------------------


def _region_names(client, language):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(reverse("regions:index"), {"country": "UA"})
    assert response.status_code == 200
    return [getattr(r, f"name_{language}") for r in response.context["page"].object_list]


def test_the_regions_index_sorts_in_ukrainian_on_ukrainian_pages(client, reference):
    names = _region_names(client, "uk")
    assert names[:5] == [
        "Автономна Республіка Крим",
        "Вінницька область",
        "Волинська область",
        "Дніпропетровська область",
        "Донецька область",
    ]
    zaporizhzhia = names.index("Запорізька область")
    assert names[zaporizhzhia + 1] == "Івано-Франківська область"
    assert names.index("Київ") < names.index("Київська область")


def test_the_regions_index_sorts_in_english_on_english_pages(client, reference):
    names = _region_names(client, "en")
    assert names[:4] == [
        "Autonomous Republic of Crimea",
        "Cherkasy Oblast",
        "Chernihiv Oblast",
        "Chernivtsi Oblast",
    ]
    assert names == sorted(names, key=lambda name: sort_key(name, "en"))


def test_region_search_results_keep_the_order(client, reference):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "uk"
    response = client.get(reverse("regions:index"), {"country": "UA", "q": "область"})
    names = [region.name_uk for region in response.context["page"].object_list]
    assert names[:2] == ["Вінницька область", "Волинська область"]


UKRAINIAN_NAMES = ["Ярема Ткач", "Ґанна Ґут", "Ірина Біла", "Євген Дуб", "Андрій Кий", "Гліб Ус"]


def _crowd(prefix: str, count: int) -> Organization:
    office = OrganizationFactory(name_en=f"{prefix} office", name_uk=f"{prefix} офіс")
    for index in range(count):
        name = UKRAINIAN_NAMES[index % len(UKRAINIAN_NAMES)]
        PersonFactory(organization=office, name_uk=f"{name} {index}", name_en=f"Person {index}")
    return office


def test_directory_people_sort_in_ukrainian_in_sql(client, zhytomyr, django_assert_max_num_queries):
    zhytomyr.language = "uk"
    zhytomyr.save()
    client.force_login(zhytomyr)
    _crowd("Колатор", 6)
    client.get(reverse("directory:index"))  # the first page after signing in counts the badge
    with django_assert_max_num_queries(12), CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("directory:index"), {"q": "Колатор"})
    people = list(response.context["page"].object_list)
    names = [person.name_uk for person in people]
    assert [name.rsplit(" ", 1)[0] for name in names] == [
        "Андрій Кий",
        "Гліб Ус",
        "Ґанна Ґут",
        "Євген Дуб",
        "Ірина Біла",
        "Ярема Ткач",
    ]
    assert any("ORDER BY" in q["sql"] and "sort_uk" in q["sql"] for q in queries.captured_queries)
    few = len(queries.captured_queries)
    _crowd("Колатор", 12)
    with CaptureQueriesContext(connection) as more:
        client.get(reverse("directory:index"), {"q": "Колатор"})
    assert len(more.captured_queries) == few


def test_directory_organizations_sort_in_ukrainian(client, zhytomyr):
    zhytomyr.language = "uk"
    zhytomyr.save()
    client.force_login(zhytomyr)
    for name_uk in ("Ярмарок Зорі", "Ґрунт Зорі", "Їжак Зорі", "Архів Зорі"):
        OrganizationFactory(name_uk=name_uk, name_en=f"Zori {name_uk[:2]}")
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("directory:index"), {"q": "Зорі"})
    names = [o.name_uk for o in response.context["organizations"]]
    assert names == ["Архів Зорі", "Ґрунт Зорі", "Їжак Зорі", "Ярмарок Зорі"]
    assert any("sort_uk" in q["sql"] and "ORDER BY" in q["sql"] for q in queries.captured_queries)


def test_api_lists_sort_by_name_in_the_readers_language(client, reference, zhytomyr):
    response = client.get("/api/v1/regions", {"country": "UA", "page_size": 3})
    codes = [item["code"] for item in response.json()["items"]]
    assert codes == ["UA-43", "UA-05", "UA-07"]  # Крим, Вінницька, Волинська


# --- names for people to read -------------------------------------------------------------------


def test_language_names_in_the_readers_language():
    assert language_names(["en", "uk"], "uk") == "англійська, українська"
    assert language_names(["en", "uk"], "en") == "English, Ukrainian"
    assert language_names(["de", "xx"], "uk") == "німецька, xx"  # an unknown code as it is


def test_time_zones_as_a_city_and_its_offset():
    with translation.override("uk"):
        assert timezone_label("Europe/Kyiv", WINTER) == "Київ (UTC+2)"
        assert timezone_label("Europe/Kyiv", SUMMER) == "Київ (UTC+3)"
    with translation.override("en"):
        assert timezone_label("Europe/Kyiv", WINTER) == "Kyiv (UTC+2)"
        assert timezone_label("America/Indiana/Indianapolis", WINTER) == "Indianapolis (UTC-5)"
        assert timezone_label("Asia/Kolkata", WINTER) == "Asia/Kolkata (UTC+5:30)"
    assert timezone_label("Mars/Olympus") == "Mars/Olympus"
    with translation.override("uk"):
        assert timezone_city("Europe/Kyiv") == "Київ"
    assert timezone_city("Asia/Ho_Chi_Minh") == "Ho Chi Minh"
    assert timezone_label("") == ""


@pytest.mark.django_db  # the holiday calendars are named from the regions table
def test_the_profile_form_offers_named_zones_and_keeps_an_unusual_one():
    with translation.override("uk"):
        form = PreferencesForm(initial={"timezone": "Asia/Tokyo"})
        labels = dict(form.fields["timezone"].choices)
        assert labels["Europe/Kyiv"].startswith("Київ (UTC+")
        assert "Asia/Tokyo" in labels
        assert dict(form.fields["language"].choices) == {"uk": "Українська", "en": "English"}
    zones = [zone for zone, _label in timezone_choices(at=WINTER)]
    assert zones[0] == "Europe/Kyiv"
    assert zones.index("America/New_York") < zones.index("Pacific/Honolulu")
    assert timezone_choices("Asia/Tokyo")[0][0] == "Asia/Tokyo"
    assert "Mars/Olympus" not in dict(timezone_choices("Mars/Olympus"))


@pytest.mark.parametrize(
    ("language", "languages", "zone"),
    [("uk", "українська, англійська", "Київ (UTC+"), ("en", "Ukrainian, English", "Kyiv (UTC+")],
)
def test_person_page_and_card_show_names_not_codes(
    client, coordinator, zhytomyr_head, language, languages, zone
):
    zhytomyr_head.timezone = "Europe/Kyiv"
    zhytomyr_head.save()
    coordinator.language = language
    coordinator.save()
    client.force_login(coordinator)
    page = client.get(reverse("directory:person", args=[zhytomyr_head.pk])).content.decode()
    assert languages in page and zone in page
    assert "uk,en" not in page and "Europe/Kyiv" not in page
    card = client.get(reverse("directory:index"), {"q": "Тестенко"}).content.decode()
    assert languages in card and zone in card


# --- people's names in the reader's script ------------------------------------------------------


def test_full_name_in_the_readers_script(db):
    user = UserFactory(full_name="Олена Коваль", full_name_en="Olena Koval")
    with translation.override("uk"):
        assert user.get_full_name() == str(user) == "Олена Коваль"
    with translation.override("en"):
        assert user.get_full_name() == "Olena Koval"
    assert user.get_full_name("uk") == "Олена Коваль"
    only = UserFactory(full_name="Emily Carter", full_name_en="", email="emily@example.org")
    assert only.get_full_name("en") == only.get_full_name("uk") == "Emily Carter"
    nameless = UserFactory(full_name="", full_name_en="", email="x@example.org")
    assert nameless.get_full_name() == "x@example.org"


def test_profile_edits_both_names_and_shows_the_readers_one(client, zhytomyr):
    client.force_login(zhytomyr)
    url = reverse("accounts:profile")
    response = client.post(
        url,
        {
            "full_name": "Олена Коваль",
            "full_name_en": " Olena Koval ",
            "language": "uk",
            "timezone": "Europe/Kyiv",
            "notification_mode": "every",
        },
    )
    assert response.status_code == 302
    zhytomyr.refresh_from_db()
    assert (zhytomyr.full_name, zhytomyr.full_name_en) == ("Олена Коваль", "Olena Koval")
    assert "<h1>Олена Коваль</h1>" in client.get(url).content.decode()
    # A form without the name fields leaves the names as they are.
    client.post(url, {"language": "en", "timezone": "Europe/Kyiv", "notification_mode": "every"})
    zhytomyr.refresh_from_db()
    assert zhytomyr.full_name_en == "Olena Koval"
    assert "<h1>Olena Koval</h1>" in client.get(url).content.decode()


def test_profile_refuses_a_name_too_long(client, zhytomyr):
    client.force_login(zhytomyr)
    before = zhytomyr.full_name
    response = client.post(
        reverse("accounts:profile"),
        {
            "full_name": "Я" * 201,
            "full_name_en": "x" * 5000,
            "language": "uk",
            "timezone": "Europe/Kyiv",
            "notification_mode": "every",
        },
    )
    assert response.status_code == 400
    zhytomyr.refresh_from_db()
    assert zhytomyr.full_name == before and zhytomyr.full_name_en == ""


def test_pages_that_sort_or_name_stay_within_their_queries(
    client, zhytomyr, zhytomyr_head, django_assert_max_num_queries
):
    client.force_login(zhytomyr)
    client.get(reverse("directory:index"))  # the first page after signing in counts the badge
    with django_assert_max_num_queries(10):
        assert client.get(reverse("regions:index"), {"country": "US"}).status_code == 200
    with django_assert_max_num_queries(11):
        response = client.get(reverse("directory:person", args=[zhytomyr_head.pk]))
        assert response.status_code == 200
    with django_assert_max_num_queries(11):
        assert client.get(reverse("accounts:profile")).status_code == 200


def _plan(queryset) -> str:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
        return "\n".join(str(row) for row in cursor.fetchall())


# PostgreSQL's planner picks by statistics, which a test database of a few rows does not have.
@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's plan is deterministic")
@pytest.mark.parametrize("language", ["uk", "en"])
def test_lists_by_name_read_off_an_index(reference, coordinator, language):
    with translation.override(language):
        plans = {
            f"region_list_{language}_idx": _plan(region_list(country="UA")[:60]),
            f"organization_list_{language}_idx": _plan(
                organizations_for(coordinator, kind="ministry")[:25]
            ),
        }
    for index, plan in plans.items():
        assert index in plan, plan
        assert "TEMP B-TREE FOR ORDER BY" not in plan, plan


@pytest.mark.django_db(transaction=True)
def test_the_sort_key_migrations_run_on_a_database_full_of_names():
    """On PostgreSQL a table cannot take an index in the transaction that updated its rows with
    trigger events pending: the keys' migrations must run over real reference data, both ways."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    ensure_reference()
    executor = MigrationExecutor(connection)
    leaves = executor.loader.graph.leaf_nodes()
    try:
        executor.migrate([("regions", "0001_initial"), ("organizations", "0004_list_index")])
        executor.loader.build_graph()
        executor.migrate(leaves)
    finally:
        executor.loader.build_graph()
        executor.migrate(leaves)
    from regionbridge.regions.models import Region

    names = list(
        Region.objects.filter(country__code="UA")
        .order_by("sort_uk")
        .values_list("name_uk", flat=True)
    )
    assert names.index("Вінницька область") < names.index("Волинська область")
