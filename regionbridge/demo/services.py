"""Demo data: fictional people and one account per role, loaded idempotently."""

from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from regionbridge.accounts.models import User
from regionbridge.accounts.services import role_assign, user_create
from regionbridge.demo import data
from regionbridge.institutions.models import InstitutionLink
from regionbridge.institutions.services import institution_create, link_create
from regionbridge.organizations.models import Organization, Person
from regionbridge.organizations.services import organization_search_text, person_create
from regionbridge.partnerships.models import Partnership, Sphere
from regionbridge.partnerships.services import activity_create, partnership_create, spheres_load
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


def _institutions(
    rows: list[tuple[str, str, str, str, str]] = data.INSTITUTIONS,
) -> dict[str, Organization]:
    result = {}
    for key, kind, name_en, name_uk, region_code in rows:
        institution = Organization.objects.filter(key=key).first()
        if institution is None:
            institution = institution_create(
                by=None,
                region=Region.objects.select_related("country").get(code=region_code),
                institution_type=kind,
                name_en=name_en,
                name_uk=name_uk,
                key=key,
                is_demo=True,
            )
        result[key] = institution
    return result


def _negotiations() -> None:
    """A few fictional negotiations, clearly marked; real pairs' facts are never touched."""
    spheres = {s.code: s for s in Sphere.objects.all()}
    today = timezone.localdate()
    for row in data.NEGOTIATIONS:
        ua_code, partner_code, codes, confidential, first, days_ago, step_en, step_uk = row
        ukrainian = Region.objects.select_related("country").get(code=ua_code)
        partner = Region.objects.select_related("country").get(code=partner_code)
        if Partnership.objects.filter(ukrainian_region=ukrainian, partner_region=partner).exists():
            continue
        partnership_create(
            by=None,
            ukrainian_region=ukrainian,
            partner_region=partner,
            partner_name_en=f"State of {partner.name_en}",
            partner_name_uk=f"штат {partner.name_uk}",
            spheres=[spheres[c] for c in codes if c in spheres],
            confidential=confidential,
            first_event=first,
            first_event_on=today - timedelta(days=days_ago),
            source="demo",
            next_step_en=step_en,
            next_step_uk=step_uk,
            next_step_due=today + timedelta(days=21),
            is_demo=True,
        )


def _links(institutions: dict[str, Organization]) -> None:
    if InstitutionLink.objects.filter(is_demo=True).exists():
        return
    zhytomyr_indiana = Partnership.objects.filter(
        ukrainian_region__code="UA-18", partner_region__code="US-IN"
    ).first()
    spheres = {s.code: s for s in Sphere.objects.all()}
    hospitals = link_create(
        by=None,
        ukrainian_institution=institutions["demo-zt-childrens-hospital"],
        partner_institution=institutions["demo-in-childrens-hospital"],
        partnership=zhytomyr_indiana,
        spheres=[spheres["healthcare"]] if "healthcare" in spheres else [],
        status="active",
        description="Pediatric rehabilitation: remote consultations and a doctor exchange.",
        is_demo=True,
    )
    link_create(
        by=None,
        ukrainian_institution=institutions["demo-zt-polytechnic"],
        partner_institution=institutions["demo-in-state-college"],
        partnership=zhytomyr_indiana,
        spheres=[spheres["education"]] if "education" in spheres else [],
        status="proposed",
        description="Student exchange in engineering, starting with a summer school.",
        is_demo=True,
    )
    activity_create(
        by=None,
        target=hospitals,
        kind="doctor_exchange",
        title_en="Two Indianapolis pediatric surgeons in Zhytomyr (demo)",
        title_uk="Двоє педіатричних хірургів з Індіанаполіса в Житомирі (демо)",
        starts_on=timezone.localdate() - timedelta(days=40),
        ends_on=timezone.localdate() - timedelta(days=33),
        sphere=spheres.get("healthcare"),
        outcome="14 operations; a tele-consultation schedule agreed.",
        is_public=True,
        institutions=[hospitals.ukrainian_institution, hospitals.partner_institution],
        is_demo=True,
    )


@transaction.atomic
def demo_load() -> list[DemoAccount]:
    """Needs the reference data (and the facts, for links under real partnerships).
    A second run adds nothing and changes nothing."""
    _institution()
    spheres_load()
    _links(_institutions())
    _negotiations()
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
        office = organizations.get(org_key) if org_key else None
        role_assign(user=user, role=role, region=region, organization=office)
        if person_name and people[person_name].user_id is None:
            person = people[person_name]
            Person.objects.filter(pk=person.pk).update(user=user)
            # The account's name in both scripts, as the directory has it.
            User.objects.filter(pk=user.pk, full_name_en="").update(
                full_name=person.name_uk or user.full_name, full_name_en=person.name_en
            )
        accounts.append(DemoAccount(email, role, str(region or office or "")))
    _meetings()
    _needs_and_offers()
    return accounts


def _meetings() -> None:
    """Two meetings of Zhytomyr's officer with Indiana's liaison and the embassy, through the
    meetings' own services: one held last week (minutes, a decision, actions, one of them
    overdue), one next week (an agenda, the MFA invited as an office). Once only."""
    from regionbridge.meetings import services as meetings
    from regionbridge.meetings.models import Meeting

    def account(local: str) -> User:
        return User.objects.get(email=f"{local}@{data.DEMO_DOMAIN}")

    zhytomyr, indiana, embassy = account("zhytomyr"), account("indiana"), account("embassy")
    if Meeting.objects.filter(organizer=zhytomyr).exists():
        return
    tie = Partnership.objects.filter(
        ukrainian_region__code="UA-18", partner_region__code="US-IN"
    ).first()
    today = timezone.now().replace(minute=0, second=0, microsecond=0)
    held = meetings.meeting_create(
        by=zhytomyr,
        title="Zhytomyr – Indiana: hospital twinning call",
        starts_at=today - timedelta(days=7),
        ends_at=today - timedelta(days=7) + timedelta(hours=1),
        users=[indiana, embassy],
        partnership=tie,
        online_link="https://meet.demo.regionbridge.example/twinning",
        agenda=["Equipment list", "Visit of the rehabilitation team", "Next steps"],
    )
    meetings.meeting_respond(meeting=held, by=indiana, answer="accepted")
    meetings.meeting_respond(meeting=held, by=embassy, answer="tentative")
    meetings.minutes_save(
        meeting=held,
        by=zhytomyr,
        text="We went through the **equipment list** and agreed on the visit in spring.",
    )
    meetings.decision_add(meeting=held, by=zhytomyr, text="The team visits Indianapolis in May.")
    meetings.action_add(
        by=zhytomyr,
        title="Send the final equipment list",
        owner=indiana,
        due=(today - timedelta(days=2)).date(),
        meeting=held,
    )
    meetings.action_add(
        by=zhytomyr,
        title="Prepare the visit programme",
        owner=zhytomyr,
        due=(today + timedelta(days=10)).date(),
        meeting=held,
    )
    meetings.meeting_create(
        by=zhytomyr,
        title="Зустріч щодо меморандуму / Memorandum meeting",
        starts_at=today + timedelta(days=7),
        ends_at=today + timedelta(days=7, hours=1, minutes=30),
        users=[indiana],
        organizations=list(Organization.objects.filter(key="mfa")),
        partnership=tie,
        place="Zhytomyr, RMA, room 214",
        agenda=["Draft memorandum", "Clearance timeline"],
    )


def _needs_and_offers() -> None:
    """The article's example (Zhytomyr's rehabilitation center needs upper-limb prosthetics,
    Indiana offers it) and a few more needs and offers both ways, posted through the matching
    services by the demo accounts that may post them, then matched at once as the worker would,
    so that the demo shows its suggestions without a worker. The Chicago school and the
    university are already connected (a need that found a partner). Once only."""
    from regionbridge.matching import services as matching
    from regionbridge.matching.models import Match, Post
    from regionbridge.matching.tasks import recompute_matches

    first = data.NEEDS_AND_OFFERS[0]
    if Post.objects.filter(organization__key=first["organization"], title=first["title"]).exists():
        return
    _institutions(data.MATCHING_INSTITUTIONS)
    spheres = {s.code: s for s in Sphere.objects.all()}
    posts = []
    # The last posted shows first in the list: the article's example is posted last.
    for row in reversed(data.NEEDS_AND_OFFERS):
        fields = dict(row)
        by = User.objects.get(email=f"{fields.pop('by')}@{data.DEMO_DOMAIN}")
        organization = Organization.objects.get(key=fields.pop("organization"))
        posts.append(
            matching.post_create(
                by=by,
                organization=organization,
                region=Region.objects.get(organizations=organization),
                sphere=spheres.get(fields.pop("sphere")),
                **fields,
            )
        )
    # Matched now, as the worker's run would (its runs after commit find nothing left to do).
    for post in posts:
        recompute_matches.call(post.pk, post.revision)
    school = Match.objects.filter(need__organization__key="demo-il-saturday-school").first()
    if school is not None:
        coordinator = User.objects.get(email=f"coordinator@{data.DEMO_DOMAIN}")
        matching.connect(by=coordinator, need=school.need, offer=school.offer)
