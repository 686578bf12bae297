"""Needs and offers as the services write them: who posts for whom, what text is refused, the
language stored, the revision bumped and the worker asked, and "Connect" opening one thread."""

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation
from django_tasks_db.models import DBTaskResult

from regionbridge.accounts.models import RoleAssignment
from regionbridge.matching import services
from regionbridge.matching.models import Audience, Connection, Post
from regionbridge.messaging.models import Participant
from regionbridge.organizations.models import Organization
from regionbridge.partnerships.models import Sphere
from regionbridge.partnerships.services import spheres_load
from tests.conftest import org, region
from tests.factories import OrganizationFactory

pytestmark = pytest.mark.django_db

NEED_UK = (
    "Протезування верхніх кінцівок для ветеранів",
    "Реабілітаційний центр шукає партнера для протезування верхніх кінцівок і навчання "
    "користуванню протезами: 40 пацієнтів на рік.",
)
OFFER_EN = (
    "Upper-limb prosthetics fitting and training",
    "Our hospital's orthotics and prosthetics department offers fitting of arm prostheses and "
    "training for amputees, with visiting clinicians.",
)


def hospital_of(user: Any) -> Organization:
    return RoleAssignment.objects.get(user=user).organization


def indiana_hospital() -> Organization:
    return OrganizationFactory(
        name_en="Indiana Test Hospital",
        name_uk="Тестова лікарня Індіани",
        region=region("US-IN"),
        institution_type="hospital",
    )


def post(by: Any, kind: str = "need", *, organization: Organization, **fields: Any) -> Post:
    title, description = NEED_UK if kind == "need" else OFFER_EN
    values = {
        "title": title,
        "description": description,
        "region": organization.region,
        "organization": organization,
    }
    values.update(fields)
    return services.post_create(by=by, kind=kind, **values)


def need_of(user: Any, **fields: Any) -> Post:
    return post(user, "need", organization=hospital_of(user), **fields)


def offer_by_system(organization: Organization | None = None, **fields: Any) -> Post:
    organization = organization or indiana_hospital()
    return post(None, "offer", organization=organization, **fields)


# --- who posts for whom -----------------------------------------------------------------------


def test_an_institution_posts_for_itself_in_its_language(institution_user):
    need = need_of(institution_user)
    assert need.language == "uk"
    assert need.author == institution_user
    assert need.revision == 1
    assert need.status == "open"
    assert "протезування" in need.search_text


def test_an_english_offer_is_stored_as_english(coordinator):
    offer = post(coordinator, "offer", organization=indiana_hospital())
    assert offer.language == "en"


def test_regional_staff_post_for_their_region_s_office_only(zhytomyr):
    assert post(zhytomyr, organization=org("rma-UA-18")).organization.key == "rma-UA-18"
    with pytest.raises(PermissionDenied):
        post(zhytomyr, organization=org("rma-UA-74"))
    with pytest.raises(PermissionDenied):  # an institution of the region speaks for itself
        post(zhytomyr, organization=OrganizationFactory())


def test_a_partner_liaison_posts_for_their_office(indiana):
    offer = post(indiana, "offer", organization=org("gov-US-IN"))
    assert offer.region.code == "US-IN"
    with pytest.raises(PermissionDenied):
        post(indiana, "offer", organization=org("gov-US-IL"))


def test_a_diaspora_organization_posts_for_itself(reference):
    from regionbridge.accounts.services import role_assign
    from tests.factories import UserFactory

    diaspora = OrganizationFactory(
        name_en="Ukrainian Diaspora of Indiana (test)",
        region=region("US-IN"),
        institution_type="diaspora",
    )
    user = UserFactory()
    role_assign(user=user, role="institution", organization=diaspora)
    assert post(user, "offer", organization=diaspora).organization == diaspora
    assert list(services.can_post_for(user)) == [diaspora]


@pytest.mark.parametrize("name", ["outsider", "ministry", "embassy"])
def test_those_without_an_organization_to_post_for_cannot_post(request, name, institution_user):
    user = request.getfixturevalue(name)
    assert not services.can_post_for(user).exists()
    with pytest.raises(PermissionDenied):
        post(user, organization=hospital_of(institution_user))
    assert not Post.objects.exists()


def test_a_coordinator_posts_for_anyone(coordinator, institution_user):
    assert post(coordinator, organization=hospital_of(institution_user)).author == coordinator


def test_can_post_for_agrees_with_the_policy(request):
    from regionbridge import policy

    candidates = [org("rma-UA-18"), org("rma-UA-74"), org("gov-US-IN"), org("mfa")]
    for name in ("institution_user", "zhytomyr", "chernihiv", "indiana", "coordinator"):
        user = request.getfixturevalue(name)
        candidates.append(OrganizationFactory())
        listed = set(services.can_post_for(user).filter(pk__in=[o.pk for o in candidates]))
        for organization in [*candidates, hospital_of(request.getfixturevalue("institution_user"))]:
            allowed = policy.can(user, policy.Action.POST_CREATE, organization)
            assert allowed == (organization in listed) or organization not in candidates, (
                name,
                organization,
            )


# --- refused input: a clear error, nothing written --------------------------------------------


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"title": "x" * 10_000}, "at most 200"),
        ({"title": ""}, "title"),
        ({"title": "Протези\x00"}, "not allowed"),
        ({"title": "Протези \x1b[31m"}, "not allowed"),
        ({"title": "Протези \u202eзворотний"}, "not allowed"),
        ({"description": "a\u2066b"}, "not allowed"),
        ({"description": "x" * 5001}, "at most 5000"),
        ({"description": "   "}, "Describe"),
        ({"topics": ["no-such-topic"]}, "Unknown topic"),
        ({"topics": "prosthetics"}, "list"),
        ({"institution_type": "castle"}, "type of institution"),
        ({"audience": "everyone-on-earth"}, "who may see"),
        ({"sphere": "healthcare"}, "sphere"),
        ({"scale": "x" * 201}, "at most 200"),
        ({"region": None}, "region"),
    ],
)
def test_hostile_input_is_refused_and_nothing_is_written(institution_user, fields, message):
    with translation.override("en"), pytest.raises(ValidationError) as raised:
        need_of(institution_user, **fields)
    assert message.lower() in " ".join(raised.value.messages).lower()
    assert not Post.objects.exists()


def test_a_description_keeps_its_line_breaks(institution_user):
    need = need_of(institution_user, description="Перший рядок\r\nДругий рядок\tз табуляцією")
    assert need.description == "Перший рядок\nДругий рядок\tз табуляцією"


def test_html_is_kept_as_text(institution_user):
    need = need_of(institution_user, description="<script>alert(1)</script> протези")
    assert need.description.startswith("<script>")  # stored as typed; every page escapes it


def test_topics_and_sphere_are_kept(institution_user):
    spheres_load()
    healthcare = Sphere.objects.get(code="healthcare")
    need = need_of(institution_user, topics=["prosthetics", "prosthetics", " "], sphere=healthcare)
    assert need.topics == ["prosthetics"]
    assert need.sphere == healthcare


# --- changes ----------------------------------------------------------------------------------


def test_a_change_bumps_the_revision_redetects_the_language_and_asks_the_worker(
    institution_user, django_capture_on_commit_callbacks
):
    need = need_of(institution_user)
    with django_capture_on_commit_callbacks(execute=True):
        changed = services.post_update(
            by=institution_user, post=need, title=OFFER_EN[0], description=OFFER_EN[1]
        )
    assert changed.revision == 2
    assert changed.language == "en"
    job = DBTaskResult.objects.filter(task_path__endswith="recompute_matches").latest("enqueued_at")
    assert job.args_kwargs["args"] == [need.pk, 2]


def test_an_unchanged_save_bumps_nothing(institution_user):
    need = need_of(institution_user)
    assert services.post_update(by=institution_user, post=need, title=need.title).revision == 1


def test_unknown_fields_are_refused(institution_user):
    need = need_of(institution_user)
    with pytest.raises(ValidationError):
        services.post_update(by=institution_user, post=need, author=None)
    with pytest.raises(ValidationError):
        services.post_update(by=institution_user, post=need, revision=99)


def test_moving_a_post_to_someone_else_s_organization_is_refused(institution_user):
    need = need_of(institution_user)
    with pytest.raises(PermissionDenied):
        services.post_update(by=institution_user, post=need, organization=org("rma-UA-18"))
    need.refresh_from_db()
    assert need.organization == hospital_of(institution_user)


@pytest.mark.parametrize("name", ["zhytomyr", "indiana", "outsider", "chernihiv"])
def test_others_cannot_change_a_post(request, institution_user, name):
    need = need_of(institution_user)
    user = request.getfixturevalue(name)
    with pytest.raises(PermissionDenied):
        services.post_update(by=user, post=need, title="Змінено")
    with pytest.raises(PermissionDenied):
        services.post_set_status(by=user, post=need, status="closed")


def test_the_author_s_colleague_and_a_coordinator_change_it(institution_user, coordinator):
    from regionbridge.accounts.services import role_assign
    from tests.factories import UserFactory

    need = need_of(institution_user)
    colleague = UserFactory()
    role_assign(user=colleague, role="institution", organization=hospital_of(institution_user))
    assert services.post_set_status(by=colleague, post=need, status="in_talks").status == "in_talks"
    assert services.post_set_status(by=coordinator, post=need, status="met").revision == 3


def test_an_unknown_status_is_refused(institution_user):
    need = need_of(institution_user)
    with pytest.raises(ValidationError):
        services.post_set_status(by=institution_user, post=need, status="done")


# --- connect ----------------------------------------------------------------------------------


def test_connect_opens_one_thread_between_both_organizations_and_links_both(institution_user):
    need = need_of(institution_user)
    offer = offer_by_system()
    connection = services.connect(by=institution_user, need=need, offer=offer)
    thread = connection.thread
    offices = set(
        Participant.objects.filter(thread=thread, organization__isnull=False).values_list(
            "organization", flat=True
        )
    )
    assert offices == {need.organization_id, offer.organization_id}
    body = thread.messages.get().body
    assert f"/matching/{need.pk}/" in body and f"/matching/{offer.pk}/" in body
    again = services.connect(by=institution_user, need=need, offer=offer)
    assert again.pk == connection.pk and again.thread_id == thread.pk
    assert Connection.objects.count() == 1


def test_connect_takes_a_need_and_an_offer(institution_user):
    need = need_of(institution_user)
    with pytest.raises(ValidationError):
        services.connect(by=institution_user, need=need, offer=need)


def test_someone_on_neither_side_cannot_connect(zhytomyr, institution_user):
    need = need_of(institution_user)
    offer = offer_by_system()
    with pytest.raises(PermissionDenied):
        services.connect(by=zhytomyr, need=need, offer=offer)
    assert not Connection.objects.exists()


def test_nobody_connects_with_a_partners_only_offer_they_cannot_see(institution_user):
    need = need_of(institution_user)
    offer = offer_by_system(audience=Audience.PARTNERS)  # Indiana, no tie with Zhytomyr yet
    with pytest.raises(PermissionDenied):
        services.connect(by=institution_user, need=need, offer=offer)
