"""The bilingual taxonomy in the database: loaded from the shipped file, edited by coordinators
(each edit a numbered version with the whole file), read by every member, exported in the format
the matcher and `regionbridge match --taxonomy FILE` read."""

import json

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.urls import reverse

from regionbridge.audit.models import AuditEntry
from regionbridge.matching import engine, taxonomy
from regionbridge.matching.models import TaxonomyVersion, Topic
from regionbridge.partnerships.services import spheres_load

pytestmark = pytest.mark.django_db

# The first topic of the shipped file, by code: it is kept stable (needs and offers name it).
FIRST = "accessibility_design"


@pytest.fixture
def spheres(reference):
    spheres_load()


def new_topic(**changes):
    data = {
        "code": "upper-limb-prosthetics",
        "uk": "протезування верхніх кінцівок",
        "en": "upper-limb prosthetics",
        "synonyms": {"uk": ["протези рук", "біонічна рука"], "en": ["arm prosthesis"]},
        "related": [FIRST],
        "spheres": ["healthcare"],
        "institution_types": ["rehabilitation", "hospital"],
    }
    data.update(changes)
    return data


# --- reading --------------------------------------------------------------------------------


def test_before_any_version_the_shipped_file_is_current(spheres):
    assert not TaxonomyVersion.objects.exists()
    assert taxonomy.export() == taxonomy.shipped_data()
    current = taxonomy.current()
    assert isinstance(current, engine.Taxonomy)
    assert set(current.topics) == {t["code"] for t in taxonomy.shipped_data()["topics"]}


def test_the_shipped_file_passes_the_editors_checks(spheres):
    topics = taxonomy.check_file(taxonomy.shipped_data())
    assert len(topics) == len(taxonomy.shipped_data()["topics"])


def test_load_taxonomy_makes_version_one_once(spheres, capsys):
    call_command("load-taxonomy")
    version = TaxonomyVersion.objects.get()
    assert version.number == 1
    assert Topic.objects.count() == len(taxonomy.shipped_data()["topics"])
    call_command("load-taxonomy")
    assert TaxonomyVersion.objects.count() == 1
    assert "loaded (version 1)" in capsys.readouterr().out


def test_current_follows_the_latest_version(spheres, coordinator):
    before = taxonomy.current()
    taxonomy.topic_create(by=coordinator, data=new_topic())
    after = taxonomy.current()
    assert after is not before
    assert "upper-limb-prosthetics" in after.topics
    assert "upper-limb-prosthetics" in after.concepts("Потрібна біонічна рука для ветерана")
    assert taxonomy.current() is after  # kept while no new version comes


def test_current_costs_one_query_when_kept(spheres, django_assert_num_queries):
    taxonomy.current()
    with django_assert_num_queries(1):
        taxonomy.current()


# --- editing --------------------------------------------------------------------------------


def test_a_coordinators_edits_each_make_a_version(spheres, coordinator):
    topic = taxonomy.topic_create(by=coordinator, data=new_topic(), note="From the Zhytomyr talks")
    assert list(TaxonomyVersion.objects.values_list("number", flat=True)) == [2, 1]
    latest = taxonomy.latest()
    assert latest.note == "From the Zhytomyr talks" and latest.by == coordinator
    assert latest.snapshot["version"] == 2
    codes = [t["code"] for t in latest.snapshot["topics"]]
    assert "upper-limb-prosthetics" in codes and codes == sorted(codes)

    taxonomy.topic_update(
        by=coordinator, topic=topic, data=new_topic(en="upper-limb prosthetics and training")
    )
    assert taxonomy.latest().number == 3
    assert Topic.objects.get(code=topic.code).label_en == "upper-limb prosthetics and training"

    taxonomy.topic_delete(by=coordinator, topic=topic)
    assert taxonomy.latest().number == 4
    assert not Topic.objects.filter(code=topic.code).exists()
    # The older versions keep it.
    assert topic.code in {
        t["code"] for t in TaxonomyVersion.objects.get(number=3).snapshot["topics"]
    }
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"taxonomy.topic_created", "taxonomy.topic_changed", "taxonomy.topic_deleted"} <= actions


def test_an_edit_that_changes_nothing_makes_no_version(spheres, coordinator):
    topic = taxonomy.topic_create(by=coordinator, data=new_topic())
    taxonomy.topic_update(by=coordinator, topic=topic, data=new_topic())
    assert taxonomy.latest().number == 2


def test_deleting_a_topic_unlinks_it_from_the_others(spheres, coordinator):
    taxonomy.topic_create(by=coordinator, data=new_topic())
    first = Topic.objects.get(code=FIRST)
    taxonomy.topic_delete(by=coordinator, topic=first)
    assert FIRST not in Topic.objects.get(code="upper-limb-prosthetics").related
    engine.Taxonomy.from_dict(taxonomy.export())


@pytest.mark.parametrize("name", ["zhytomyr", "indiana", "ministry", "institution_user"])
def test_only_coordinators_edit_the_taxonomy(spheres, request, name):
    user = request.getfixturevalue(name)
    with pytest.raises(PermissionDenied):
        taxonomy.topic_create(by=user, data=new_topic())
    assert not TaxonomyVersion.objects.exists() and not Topic.objects.exists()


BAD = {
    "code with capitals": ({"code": "Prosthetics"}, "code"),
    "code with spaces": ({"code": "upper limb"}, "code"),
    "code too long": ({"code": "a" * 61}, "code"),
    "no Ukrainian label": ({"uk": "  "}, "uk"),
    "no English label": ({"en": ""}, "en"),
    "label too long": ({"en": "x" * 201}, "en"),
    "unknown related": ({"related": ["no-such-topic"]}, "related"),
    "related to itself": ({"related": ["upper-limb-prosthetics"]}, "related"),
    "unknown sphere": ({"spheres": ["astrology"]}, "spheres"),
    "unknown type": ({"institution_types": ["castle"]}, "institution_types"),
    "a flood of synonyms": (
        {"synonyms": {"uk": [f"синонім {n}" for n in range(101)], "en": []}},
        "synonyms_uk",
    ),
    "a synonym too long": ({"synonyms": {"uk": [], "en": ["x" * 201]}}, "synonyms_en"),
    "synonyms not a list": ({"synonyms": {"uk": 5, "en": []}}, "synonyms_uk"),
    "a direction override": ({"uk": "протези\u202e"}, "uk"),
}


@pytest.mark.parametrize("case", BAD)
def test_a_wrong_topic_is_refused_on_its_field(spheres, coordinator, case):
    changes, field = BAD[case]
    with pytest.raises(taxonomy.TaxonomyError) as refused:
        taxonomy.topic_create(by=coordinator, data=new_topic(**changes))
    assert field in refused.value.message_dict
    assert not Topic.objects.filter(code="upper-limb-prosthetics").exists()


def test_repeated_synonyms_are_kept_once(spheres, coordinator):
    topic = taxonomy.topic_create(
        by=coordinator,
        data=new_topic(synonyms={"uk": ["протези", "Протези", " протези "], "en": []}),
    )
    assert topic.synonyms_uk == "протези"


def test_a_code_cannot_be_taken_twice(spheres, coordinator):
    with pytest.raises(taxonomy.TaxonomyError) as refused:
        taxonomy.topic_create(by=coordinator, data=new_topic(code=FIRST))
    assert "code" in refused.value.message_dict


def test_a_file_with_a_repeated_code_is_refused_whole(spheres):
    data = {"version": 1, "topics": [new_topic(related=[]), new_topic(related=[])]}
    with pytest.raises(taxonomy.TaxonomyError):
        taxonomy.taxonomy_load(data=data)
    assert not TaxonomyVersion.objects.exists()


# --- the file -------------------------------------------------------------------------------


def test_the_export_round_trips_through_the_engine(spheres, coordinator, tmp_path):
    taxonomy.topic_create(by=coordinator, data=new_topic())
    path = tmp_path / "taxonomy.json"
    call_command("export-taxonomy", "--output", str(path))
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data == taxonomy.export()
    loaded = engine.Taxonomy.load(path)
    assert loaded.version == 2
    assert loaded.label("upper-limb-prosthetics", "uk") == "протезування верхніх кінцівок"
    # Loading the exported file again changes nothing.
    assert taxonomy.taxonomy_load(data=data) is None
    call_command("load-taxonomy", "--file", str(path))
    assert taxonomy.latest().number == 2


def test_export_an_earlier_version(spheres, coordinator, capsys):
    taxonomy.topic_create(by=coordinator, data=new_topic())
    call_command("export-taxonomy", "--number", "1")
    data = json.loads(capsys.readouterr().out)
    assert data["version"] == 1
    assert "upper-limb-prosthetics" not in {t["code"] for t in data["topics"]}


# --- pages ----------------------------------------------------------------------------------


def test_members_read_the_taxonomy_searched_in_either_language(client, spheres, zhytomyr):
    client.force_login(zhytomyr)
    url = reverse("matching:taxonomy")
    page = client.get(url)
    assert page.status_code == 200
    assert taxonomy.shipped_data()["topics"][0]["en"] in page.content.decode()
    assert b"taxonomy_edit" not in page.content and "Change" not in page.content.decode()
    prosthetics = next(
        t for t in taxonomy.shipped_data()["topics"] if "протез" in " ".join(t["synonyms"]["uk"])
    )
    synonym = next(word for word in prosthetics["synonyms"]["uk"] if "протез" in word)
    found = client.get(url, {"q": synonym.upper()}).content.decode()
    assert prosthetics["en"] in found


def test_the_list_is_searched_in_sql_once_loaded(client, spheres, coordinator):
    call_command("load-taxonomy")
    taxonomy.topic_create(by=coordinator, data=new_topic())
    client.force_login(coordinator)
    found = client.get(reverse("matching:taxonomy"), {"q": "БІОНІЧНА"}).content.decode()
    assert "upper-limb prosthetics" in found
    assert reverse("matching:taxonomy_edit", args=["upper-limb-prosthetics"]) in found


def test_the_list_costs_the_same_for_more_topics(
    client, spheres, coordinator, django_assert_max_num_queries
):
    call_command("load-taxonomy")
    client.force_login(coordinator)
    client.get(reverse("matching:taxonomy"))
    with django_assert_max_num_queries(12):
        assert client.get(reverse("matching:taxonomy"), {"page": 2}).status_code == 200


def test_a_coordinator_adds_a_topic_through_the_form(client, spheres, coordinator):
    client.force_login(coordinator)
    response = client.post(
        reverse("matching:taxonomy_new"),
        {
            "code": "upper-limb-prosthetics",
            "uk": "протезування верхніх кінцівок",
            "en": "upper-limb prosthetics",
            "synonyms_uk": "протези рук\nбіонічна рука",
            "synonyms_en": "arm prosthesis",
            "related": f"{FIRST}, ",
            "spheres": ["healthcare"],
            "institution_types": ["rehabilitation"],
            "note": "Asked by Zhytomyr",
        },
    )
    assert response.status_code == 302
    topic = Topic.objects.get(code="upper-limb-prosthetics")
    assert topic.synonyms_uk == "протези рук\nбіонічна рука" and topic.related == [FIRST]
    assert taxonomy.latest().number == 2 and taxonomy.latest().note == "Asked by Zhytomyr"


def test_a_wrong_form_says_why_and_writes_nothing(client, spheres, coordinator):
    client.force_login(coordinator)
    response = client.post(
        reverse("matching:taxonomy_new"),
        {"code": "new-topic", "uk": "нова тема", "en": "new topic", "related": "no-such-topic"},
    )
    assert response.status_code == 400
    assert "no-such-topic" in response.content.decode()
    assert not TaxonomyVersion.objects.exists()


def test_a_coordinator_changes_and_deletes_a_shipped_topic(client, spheres, coordinator):
    client.force_login(coordinator)
    edit = reverse("matching:taxonomy_edit", args=[FIRST])
    assert client.get(edit).status_code == 200
    shipped = next(t for t in taxonomy.shipped_data()["topics"] if t["code"] == FIRST)
    response = client.post(
        edit,
        {
            "uk": shipped["uk"],
            "en": "barrier-free design and access",
            "synonyms_uk": "\n".join(shipped["synonyms"]["uk"]),
            "synonyms_en": "\n".join(shipped["synonyms"]["en"]),
            "related": ", ".join(shipped["related"]),
            "spheres": shipped["spheres"],
            "institution_types": shipped["institution_types"],
        },
    )
    assert response.status_code == 302
    assert Topic.objects.get(code=FIRST).label_en == "barrier-free design and access"
    assert taxonomy.latest().number == 2  # the shipped file became version 1
    assert client.post(reverse("matching:taxonomy_delete", args=[FIRST])).status_code == 302
    assert taxonomy.latest().number == 3 and not Topic.objects.filter(code=FIRST).exists()
    assert client.get(edit).status_code == 404


@pytest.mark.parametrize("name", ["zhytomyr", "ministry"])
def test_others_may_not_edit(client, spheres, request, name):
    client.force_login(request.getfixturevalue(name))
    assert client.get(reverse("matching:taxonomy_new")).status_code == 403
    assert client.post(reverse("matching:taxonomy_delete", args=[FIRST])).status_code == 403
    assert not TaxonomyVersion.objects.exists()


def test_the_file_and_the_versions_download(client, spheres, coordinator, zhytomyr):
    taxonomy.topic_create(by=coordinator, data=new_topic())
    client.force_login(zhytomyr)
    response = client.get(reverse("matching:taxonomy_json"))
    assert response["Content-Type"].startswith("application/json")
    assert json.loads(response.content) == taxonomy.export()
    versions = client.get(reverse("matching:taxonomy_versions")).content.decode()
    assert reverse("matching:taxonomy_version_json", args=[1]) in versions
    first = client.get(reverse("matching:taxonomy_version_json", args=[1]))
    assert json.loads(first.content)["version"] == 1
    assert client.get(reverse("matching:taxonomy_version_json", args=[99])).status_code == 404
    assert client.get("/matching/taxonomy/versions/99999999999999999999.json").status_code == 404


def test_outsiders_do_not_read_it(client, spheres, outsider):
    client.force_login(outsider)
    assert client.get(reverse("matching:taxonomy")).status_code == 403
    assert client.get(reverse("matching:taxonomy_json")).status_code == 403
