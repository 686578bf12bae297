"""Demo data: fictional people and one account per role, loaded idempotently."""

from dataclasses import dataclass

from django.db import transaction

from regionbridge.accounts.models import User
from regionbridge.accounts.services import role_assign, user_create
from regionbridge.demo import data
from regionbridge.organizations.models import Organization, Person
from regionbridge.organizations.services import organization_search_text, person_create
from regionbridge.regions.models import Region


@dataclass(frozen=True)
class DemoAccount:
    email: str
    role: str
    scope: str


def _institution() -> Organization:
    fields = dict(data.INSTITUTION)
    region = Region.objects.select_related("country").get(code=fields.pop("region"))
    organization, _created = Organization.objects.get_or_create(
        key=fields.pop("key"),
        defaults={**fields, "region": region, "country": region.country, "is_demo": True},
    )
    organization.search_text = organization_search_text(organization)
    organization.save(update_fields=["search_text"])
    return organization


@transaction.atomic
def demo_load() -> list[DemoAccount]:
    """Needs the reference data. A second run adds nothing and changes nothing."""
    _institution()
    organizations = {o.key: o for o in Organization.objects.filter(key__isnull=False)}
    people = {}
    for key, name_en, name_uk, title_en, title_uk, languages, rank, contacts in data.PEOPLE:
        organization = organizations[key]
        person = Person.objects.filter(organization=organization, name_en=name_en).first()
        if person is None:
            person = person_create(
                organization=organization,
                name_en=name_en,
                name_uk=name_uk,
                title_en=title_en,
                title_uk=title_uk,
                languages=languages,
                rank=rank,
                is_demo=True,
                contacts=[
                    (kind, f"{value}@{data.DEMO_DOMAIN}" if kind == "email" else value)
                    for kind, value in contacts
                ],
            )
        people[name_en] = person

    accounts = []
    for (
        local,
        role,
        region_code,
        org_key,
        full_name,
        language,
        superuser,
        person_name,
    ) in data.ACCOUNTS:
        email = f"{local}@{data.DEMO_DOMAIN}"
        user = User.objects.filter(email=email).first()
        if user is None:
            user = user_create(
                email=email,
                password=data.DEMO_PASSWORD,
                full_name=full_name,
                language=language,
                is_superuser=superuser,
            )
        region = (
            Region.objects.select_related("country").get(code=region_code) if region_code else None
        )
        organization = organizations.get(org_key) if org_key else None
        role_assign(user=user, role=role, region=region, organization=organization)
        if person_name and people[person_name].user_id is None:
            Person.objects.filter(pk=people[person_name].pk).update(user=user)
        accounts.append(DemoAccount(email, role, str(region or organization or "")))
    return accounts
