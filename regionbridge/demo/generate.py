"""Generated data at scale: a realistic first year of the whole country, for benchmarks.

`generate(scale=1, seed=1)` adds, beside the real regions and offices: 2,000 institutions,
400 partnerships with their events and documents, 3,000 institution links, 5,000 activities,
500 people with accounts (every role), 2,000 threads with 50,000 messages, 800 meetings (each
with its own thread, answers, minutes, decisions and action items), 600 needs and 900 offers
with the matches the worker would have kept, and the records that come with them
(participants, read states, mentions, revisions, outbox rows sent, API tokens, audit entries).
Scale 10 is ten times that; the regions stay the real ones.

Rules the generator keeps:
- Deterministic: every choice comes from `random.Random` seeded with the seed and the run's
  number, every time from a fixed epoch (the year 2025), every query is ordered. The same seed on
  the same starting database gives the same rows, ids and timestamps.
- Derived fields through the models' own rules: search text (`organization_search_text`,
  `person_search_text`), each partnership's stored stage (`partnerships_restage`, the replay of
  `lifecycle`), rendered messages and their lemmas (`messaging.text`), the search index
  (`messaging.search.index`), a post's language and search text (`matching.services`), its
  matches (the worker's helpers in `matching.tasks` over one `engine.Matcher`). Histories are
  drawn from `lifecycle.ALLOWED`.
- Fast: rows are written with `bulk_create` in batches inside one transaction (all or nothing);
  the password hash is computed once for every account.
- Marked: accounts and contacts use the domain GENERATED_DOMAIN, institutions a `gen<run>-` key,
  and every fictional row `is_demo`; a database that holds generated data is refused unless
  appending (a new run, with its own marks).
"""

import hashlib
import random
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, TextIO

from django.contrib.auth.hashers import make_password
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import models, transaction

from regionbridge.accounts.models import (
    ApiToken,
    Language,
    NotificationMode,
    Role,
    RoleAssignment,
    User,
)
from regionbridge.audit.models import AuditEntry
from regionbridge.core import results
from regionbridge.demo import words
from regionbridge.institutions.models import InstitutionLink, LinkStatus
from regionbridge.lib.workweek import calendar_for
from regionbridge.matching import engine, services, tasks, taxonomy
from regionbridge.matching.models import Audience, Match, Post, PostKind, PostStatus
from regionbridge.meetings.models import (
    ActionItem,
    ActionStatus,
    AgendaItem,
    Answer,
    Decision,
    Meeting,
    MeetingResponse,
    MeetingStatus,
)
from regionbridge.messaging import search
from regionbridge.messaging.models import (
    Attachment,
    Mention,
    Message,
    MessageRevision,
    Participant,
    ReadState,
    Thread,
    ThreadKind,
)
from regionbridge.messaging.text import lemmas, render
from regionbridge.organizations.models import (
    ContactChannel,
    ContactKind,
    Organization,
    OrganizationKind,
    Person,
)
from regionbridge.organizations.services import (
    organization_search_text,
    organizations_load_reference,
    person_search_text,
)
from regionbridge.outbox.models import Notification, OutboundEmail, OutboxStatus
from regionbridge.partnerships import lifecycle
from regionbridge.partnerships.lifecycle import EventKind, Stage, State, Step
from regionbridge.partnerships.models import (
    INSTRUMENT_STAGE,
    Activity,
    ActivityKind,
    Document,
    DocumentStatus,
    DocumentVersion,
    InstrumentKind,
    PartnerKind,
    Partnership,
    PartnershipEvent,
    Review,
    ReviewDecision,
    Signatory,
    SignsFor,
    Sphere,
    Submission,
)
from regionbridge.partnerships.services import partnerships_restage, spheres_load
from regionbridge.regions.models import NameSortKeys, Region, RegionKind
from regionbridge.regions.services import reference_load

GENERATED_DOMAIN = "gen.regionbridge.example"
GUEST_DOMAIN = "guest.gen.regionbridge.example"
GENERATED_PASSWORD = "Generated-Bridge-2025!"
EPOCH = datetime(2025, 1, 1, tzinfo=UTC)  # the generated year starts here
YEAR_DAYS = 365
BATCH = 2000

# Scale 1: a realistic first year of the whole country.
BASE = {
    "institutions": 2000,
    "partnerships": 400,
    "links": 3000,
    "activities": 5000,
    "accounts": 500,
    "threads": 2000,
    "messages": 50000,
    "meetings": 800,
    "needs": 600,
    "offers": 900,
}
# Accounts by role (shares of all accounts); the rest are regional officers.
ROLE_SHARES = {
    Role.COORDINATOR: 0.02,
    Role.MINISTRY: 0.04,
    Role.EMBASSY: 0.06,
    Role.PARTNER: 0.25,
    Role.INSTITUTION: 0.25,
}


class GenerateRefused(Exception):
    """The database already holds generated data and appending was not asked for."""


@dataclass(frozen=True)
class Plan:
    institutions: int
    partnerships: int
    links: int
    activities: int
    accounts: int
    threads: int
    messages: int
    meetings: int
    needs: int
    offers: int

    @classmethod
    def for_scale(cls, scale: float) -> "Plan":
        if scale <= 0:
            raise ValueError("The scale must be above zero.")
        return cls(**{name: max(1, round(base * scale)) for name, base in BASE.items()})


class Progress:
    """A progress bar on stderr, plain text: one line rewritten in place on a terminal, a line
    per phase elsewhere (logs stay readable). Wall-clock time only paces the drawing."""

    def __init__(self, stream: TextIO | None = None, width: int = 30) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.width = width
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.label, self.total, self.done, self.drawn_at = "", 0, 0, 0.0
        self.started = 0.0

    def start(self, label: str, total: int) -> None:
        self.label, self.total, self.done, self.drawn_at = label, max(total, 1), 0, 0.0
        self.started = time.monotonic()
        self._draw(force=True)

    def advance(self, n: int = 1) -> None:
        self.done = min(self.total, self.done + n)
        self._draw()

    def finish(self) -> None:
        self.done = self.total
        self._draw(force=True)
        if self.tty:
            self.stream.write("\n")
            self.stream.flush()

    def _draw(self, force: bool = False) -> None:
        now = time.monotonic()
        if not self.tty and not force:
            return
        if not force and now - self.drawn_at < 0.2:
            return
        self.drawn_at = now
        filled = self.width * self.done // self.total
        bar = "#" * filled + "-" * (self.width - filled)
        line = f"{self.label:<14} [{bar}] {self.done:>9,}/{self.total:,}"
        if self.done == self.total:
            line += f" in {now - self.started:.1f}s"
        if self.tty:
            self.stream.write("\r" + line)
        elif self.done == self.total:
            self.stream.write(line + "\n")
        self.stream.flush()


class _Silent(Progress):
    def _draw(self, force: bool = False) -> None:
        return None

    def finish(self) -> None:
        return None


# --- small helpers ----------------------------------------------------------------------------


def _at(day: float) -> datetime:
    """A moment of the generated year, `day` days after the epoch (a whole second)."""
    return EPOCH + timedelta(seconds=int(day * 86400))


def _weighted(rng: random.Random, weights: dict[Any, float]) -> Any:
    keys = list(weights)
    return rng.choices(keys, weights=[weights[k] for k in keys])[0]


def _bulk(model: type[models.Model], rows: list[models.Model], progress: Progress) -> list:
    """Insert in batches (ids come back on SQLite and PostgreSQL alike), advancing the bar."""
    for row in rows:
        if isinstance(row, NameSortKeys):  # bulk_create skips save(), which keeps the keys
            row.fill_sort_keys()
    for start in range(0, len(rows), BATCH):
        model.objects.bulk_create(rows[start : start + BATCH])
        progress.advance(len(rows[start : start + BATCH]))
    return rows


def _audit(
    actor: User | None, action: str, target: models.Model, at: datetime, **changes: Any
) -> AuditEntry:
    """An entry as `audit_record` writes it, dated when the change happened."""
    return AuditEntry(
        at=at,
        actor=actor,
        actor_label=actor.email if actor else "system",
        action=action,
        target_type=target._meta.label_lower,
        target_id=str(target.pk),
        target_label=str(target)[:255],
        changes={
            k: v if isinstance(v, str | int | bool) or v is None else str(v)
            for k, v in changes.items()
        },
        source="cli",
    )


def _tiny_pdf() -> bytes:
    """A small valid PDF; every generated document version and attachment shares the one file,
    so the disk stays small whatever the scale."""
    return (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
        b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 100]>>endobj\n"
        b"trailer<</Root 1 0 R>>\n%%EOF\n"
    )


@dataclass(frozen=True)
class StoredFile:
    name: str
    size: int
    sha256: str


def _stored_file(folder: str, content: bytes, suffix: str) -> StoredFile:
    digest = hashlib.sha256(content).hexdigest()
    name = f"{folder}/{digest[:16]}{suffix}"
    if not default_storage.exists(name):
        saved = default_storage.save(name, ContentFile(content))
        assert saved == name, saved
    return StoredFile(name=name, size=len(content), sha256=digest)


# --- texts ------------------------------------------------------------------------------------


class Texts:
    """Message bodies built from paragraphs. Each paragraph is rendered and lemmatized once by
    the messaging rules; a body's HTML and lemmas are its paragraphs' joined (a body is plain
    paragraphs separated by blank lines). `check` proves the composition on real bodies."""

    def __init__(self, rng: random.Random, size: int) -> None:
        self.paragraphs: dict[str, list[str]] = {"uk": [], "en": []}
        for language in ("uk", "en"):
            seen: set[str] = set()
            while len(self.paragraphs[language]) < size:
                text = self._paragraph(rng, language)
                if text not in seen:
                    seen.add(text)
                    self.paragraphs[language].append(text)
        self.html: dict[str, str] = {}
        self.lemmas: dict[str, str] = {}
        for texts in self.paragraphs.values():
            for text in texts:
                self._prepare(text)

    def _prepare(self, text: str) -> None:
        if text not in self.html:
            self.html[text] = render(text)
            self.lemmas[text] = lemmas(text)

    @staticmethod
    def _sentence(rng: random.Random, language: str) -> str:
        if language == "uk":
            thing = rng.choice(words.THINGS_UK)
            team = rng.choice(words.TEAMS_UK)
            return rng.choice(words.FRAMES_UK).format(
                thing=thing,
                thing_cap=thing[:1].upper() + thing[1:],
                act=rng.choice(words.ACTS_UK),
                team=team,
                team_cap=team[:1].upper() + team[1:],
                day=rng.choice(words.DAYS_UK),
            )
        return rng.choice(words.FRAMES_EN).format(
            thing=rng.choice(words.THINGS_EN),
            act=rng.choice(words.ACTS_EN),
            team=rng.choice(words.TEAMS_EN),
            day=rng.choice(words.DAYS_EN),
        )

    def _paragraph(self, rng: random.Random, language: str) -> str:
        sentences = [self._sentence(rng, language) for _ in range(rng.randint(1, 3))]
        if rng.random() < 0.3:
            greetings = words.GREETINGS_UK if language == "uk" else words.GREETINGS_EN
            sentences.insert(0, rng.choice(greetings))
        if rng.random() < 0.3:
            closings = words.CLOSINGS_UK if language == "uk" else words.CLOSINGS_EN
            sentences.append(rng.choice(closings))
        return " ".join(sentences)

    def body(self, rng: random.Random, language: str, mention: str = "") -> list[str]:
        parts = rng.sample(self.paragraphs[language], rng.choices([1, 2, 3], [5, 3, 1])[0])
        if mention:
            parts.insert(0, f"@{mention}")
            self._prepare(parts[0])
        return parts

    def derived(self, parts: list[str]) -> tuple[str, str, str]:
        """(body, body_html, search_lemmas) of a body made of these paragraphs."""
        return (
            "\n\n".join(parts),
            "\n".join(self.html[p] for p in parts),
            " ".join(self.lemmas[p] for p in parts if self.lemmas[p]),
        )

    def check(self, rng: random.Random, samples: int = 20) -> None:
        """The composition equals the rules applied to the whole body, or generation stops."""
        for index in range(samples):
            language = "uk" if index % 2 else "en"
            parts = self.body(rng, language)
            body, html, lemma_text = self.derived(parts)
            if (html, lemma_text) != (render(body), lemmas(body)):
                raise RuntimeError("generated message text no longer composes; fix Texts")


# --- the generator ----------------------------------------------------------------------------


@dataclass
class Account:
    user: User
    role: str
    region: Region | None
    organization: Organization
    language: str


@dataclass
class World:
    """What a run reads once and what it has made so far."""

    ua_regions: list[Region]
    us_regions: list[Region]
    offices: dict[str, Organization]
    spheres: list[Sphere]
    taken_pairs: set[tuple[int, int]]
    taken_names: set[tuple[int, int, str]]
    institutions_ua: dict[int, list[Organization]] = field(default_factory=dict)
    institutions_us: list[Organization] = field(default_factory=list)
    accounts: list[Account] = field(default_factory=list)
    partnerships: list[Partnership] = field(default_factory=list)
    first_day: dict[int, float] = field(default_factory=dict)  # partnership → first event
    links: list[InstitutionLink] = field(default_factory=list)
    audit: list[AuditEntry] = field(default_factory=list)


def reference_ensure() -> None:
    """Load the reference data (regions, offices, spheres) when it is missing."""
    if not Region.objects.filter(code="UA-18").exists():
        reference_load()
    if not Organization.objects.filter(key="rma-UA-18").exists():
        organizations_load_reference()
    spheres_load()


def generated_runs() -> int:
    """How many runs of the generator this database holds (0: none)."""
    runs = 0
    while Organization.objects.filter(key__startswith=f"gen{runs + 1}-").exists():
        runs += 1
    if runs == 0 and User.objects.filter(email__endswith="@" + GENERATED_DOMAIN).exists():
        runs = 1
    return runs


@dataclass
class Result:
    run: int
    rows: dict[str, int]
    seconds: float


def generate(
    *, scale: float, seed: int = 1, append: bool = False, progress: Progress | None = None
) -> Result:
    """Fill the database with generated data (see the module's docstring). Refuses, with
    GenerateRefused, a database that already holds generated data unless `append`."""
    plan = Plan.for_scale(scale)
    progress = progress or _Silent()
    counted = _counts()
    with transaction.atomic():
        reference_ensure()
        runs = generated_runs()
        if runs and not append:
            raise GenerateRefused(
                "This database already holds generated data "
                f"(accounts @{GENERATED_DOMAIN}); add --append to generate more."
            )
        run = runs + 1
        # Reproducible on purpose (a seed); nothing generated here is a secret.
        rng = random.Random(f"regionbridge-generate:{seed}:{run}")  # noqa: S311
        started = time.monotonic()
        _Generator(plan=plan, run=run, rng=rng, progress=progress).run()
        results.changed_all()  # written in bulk, past the models' signals
    after = _counts()
    rows = {label: after[label] - counted.get(label, 0) for label in after}
    return Result(run=run, rows=rows, seconds=time.monotonic() - started)


def _counts() -> dict[str, int]:
    from django.apps import apps

    return {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models()
        if model._meta.app_label
        in {
            "accounts",
            "organizations",
            "partnerships",
            "institutions",
            "messaging",
            "outbox",
            "audit",
            "regions",
            "meetings",
            "matching",
        }
    }


class _Generator:
    def __init__(self, *, plan: Plan, run: int, rng: random.Random, progress: Progress) -> None:
        self.plan, self.run_number, self.rng, self.progress = plan, run, rng, progress
        self.suffix = "" if run == 1 else f".r{run}"

    # Each phase adds one kind of record and what hangs off it.
    def run(self) -> None:
        self.world = self._read_world()
        self.password = make_password(
            GENERATED_PASSWORD,
            salt=f"gen{self.rng.getrandbits(64):016x}",  # fixed per seed: same seed, same hash
        )
        self.pdf = _stored_file("documents/2025/01", _tiny_pdf(), ".pdf")
        self._institutions()
        self._accounts()
        self._partnerships()
        self._links()
        self._activities()
        self._threads_and_messages()
        self._meetings()
        self._posts()
        self._notifications()
        self._tokens()
        self.progress.start("audit log", len(self.world.audit))
        self.world.audit.sort(key=lambda e: (e.at, e.action, e.target_id))
        _bulk(AuditEntry, self.world.audit, self.progress)
        self.progress.finish()

    def _read_world(self) -> World:
        ua = list(
            Region.objects.filter(
                country__code="UA",
                organizations__key__startswith="rma-",
            )
            .select_related("country")
            .order_by("code")
        )
        us = list(
            Region.objects.filter(
                country__code="US", kind__in=[RegionKind.STATE, RegionKind.FEDERAL_DISTRICT]
            )
            .select_related("country")
            .order_by("code")
        )
        offices = {
            o.key: o
            for o in Organization.objects.filter(key__isnull=False)
            .exclude(kind=OrganizationKind.INSTITUTION)
            .select_related("region", "country")
            .order_by("key")
        }
        pairs = set()
        names = set()
        for ua_id, partner_id, kind, name in Partnership.objects.order_by("pk").values_list(
            "ukrainian_region", "partner_region", "partner_kind", "partner_name_en"
        ):
            if kind == PartnerKind.REGION:
                pairs.add((ua_id, partner_id))
            names.add((ua_id, partner_id, name.lower()))
        return World(
            ua_regions=ua,
            us_regions=us,
            offices=offices,
            spheres=list(Sphere.objects.order_by("order", "code")),
            taken_pairs=pairs,
            taken_names=names,
        )

    # --- institutions -------------------------------------------------------------------------

    def _institutions(self) -> None:
        rng, world = self.rng, self.world
        rows = []
        numbers: dict[tuple[int, str], int] = defaultdict(int)
        for index in range(self.plan.institutions):
            in_ukraine = rng.random() < 0.55
            region = rng.choice(world.ua_regions if in_ukraine else world.us_regions)
            kind = _weighted(rng, words.INSTITUTION_WEIGHTS)
            numbers[(region.pk, kind)] += 1
            number = numbers[(region.pk, kind)]
            noun_en, noun_uk = words.INSTITUTION_NOUNS[kind]
            place_en = region.name_en.replace(" Oblast", "")
            institution = Organization(
                key=f"gen{self.run_number}-i{index + 1}",
                kind=OrganizationKind.INSTITUTION,
                institution_type=kind,
                name_en=f"{place_en} {noun_en} No. {number}",
                name_uk=f"{noun_uk[:1].upper()}{noun_uk[1:]} № {number} ({region.name_uk})",
                country=region.country,
                region=region,
                city=place_en if in_ukraine else rng.choice(words.PLACES),
                email=f"office.i{index + 1}{self.suffix}@{GENERATED_DOMAIN}",
                is_demo=True,
            )
            institution.search_text = organization_search_text(institution)
            rows.append(institution)
        self.progress.start("institutions", len(rows))
        _bulk(Organization, rows, self.progress)
        self.progress.finish()
        for institution in rows:
            if institution.country.code == "UA":
                world.institutions_ua.setdefault(institution.region_id, []).append(institution)
            else:
                world.institutions_us.append(institution)
            world.audit.append(
                _audit(None, "institution.created", institution, _at(rng.uniform(0, 20)))
            )

    # --- accounts and the directory -----------------------------------------------------------

    def _roles(self) -> list[str]:
        total = self.plan.accounts
        roles: list[str] = []
        for role, share in ROLE_SHARES.items():
            roles += [role] * max(1, round(total * share))
        roles += [Role.REGIONAL] * max(1, total - len(roles))
        return roles[: max(total, len(ROLE_SHARES) + 1)]

    def _place(self, role: str, counters: dict[str, int]) -> tuple[Region | None, Organization]:
        rng, offices = self.rng, self.world.offices
        n = counters[role]
        if role == Role.COORDINATOR:
            return None, offices["presidential-office"]
        if role == Role.MINISTRY:
            return None, offices[("mfa", "mindev")[n % 2]]
        if role == Role.EMBASSY:
            missions = sorted(k for k, o in offices.items() if o.kind in ("embassy", "consulate"))
            return None, offices[missions[n % len(missions)]]
        if role == Role.REGIONAL:
            region = self.world.ua_regions[n % len(self.world.ua_regions)]
            return region, offices[f"rma-{region.code}"]
        if role == Role.PARTNER:
            region = rng.choice(self.world.us_regions)
            return region, offices.get(f"gov-{region.code}") or offices["embassy-us"]
        institutions = [i for group in self.world.institutions_ua.values() for i in group]
        pool = institutions + self.world.institutions_us
        return None, pool[rng.randrange(len(pool))]

    def _accounts(self) -> None:
        rng, world = self.rng, self.world
        roles = self._roles()
        counters: dict[str, int] = defaultdict(int)
        users, people, assignments, contacts = [], [], [], []
        for role in roles:
            region, organization = self._place(role, counters)
            counters[role] += 1
            ukrainian = organization.country.code == "UA"
            first = rng.choice(words.FIRST_NAMES_UA if ukrainian else words.FIRST_NAMES_US)
            last = rng.choice(words.SURNAMES_UA if ukrainian else words.SURNAMES_US)
            language = Language.UK if ukrainian else Language.EN
            joined = _at(rng.uniform(0, 60))
            home = region or organization.region
            region_tz = home.timezone if home is not None else ""
            email = f"{role}-{counters[role]}{self.suffix}@{GENERATED_DOMAIN}"
            user = User(
                email=email,
                password=self.password,
                full_name=f"{first[0]} {last[0]}" if not ukrainian else f"{first[1]} {last[1]}",
                full_name_en=f"{first[0]} {last[0]}",
                language=language,
                timezone=region_tz or ("Europe/Kyiv" if ukrainian else "America/New_York"),
                holiday_calendar=calendar_for(
                    (home.country if home is not None else organization.country).code,
                    home.code if home is not None else "",
                ),
                notification_mode=_weighted(
                    rng,
                    {
                        NotificationMode.EVERY: 7,
                        NotificationMode.DIGEST: 2,
                        NotificationMode.OFF: 1,
                    },
                ),
                date_joined=joined,
                last_login=joined + timedelta(days=rng.randint(0, 300)),
            )
            users.append(user)
            title_en, title_uk = words.TITLES[role]
            people.append(
                Person(
                    name_en=f"{first[0]} {last[0]}",
                    name_uk=f"{first[1]} {last[1]}",
                    title_en=title_en,
                    title_uk=title_uk,
                    organization=organization,
                    languages="uk,en" if ukrainian else "en",
                    timezone=user.timezone,
                    rank=rng.choice([20, 30, 50, 100]),
                    is_demo=True,
                )
            )
            world.accounts.append(Account(user, role, region, organization, language))
        self.progress.start("accounts", len(users) * 3)
        _bulk(User, users, self.progress)
        for account, person in zip(world.accounts, people, strict=True):
            person.user = account.user
            person.search_text = person_search_text(person)
            assignments.append(
                RoleAssignment(
                    user=account.user,
                    role=account.role,
                    region=account.region,
                    organization=None
                    if account.role in (Role.COORDINATOR, Role.REGIONAL, Role.PARTNER)
                    else account.organization,
                    created_at=account.user.date_joined,
                )
            )
        # Directory entries without an account: colleagues reached by phone and e-mail.
        for _index in range(self.plan.accounts // 2):
            account = world.accounts[rng.randrange(len(world.accounts))]
            ukrainian = account.organization.country.code == "UA"
            first = rng.choice(words.FIRST_NAMES_UA if ukrainian else words.FIRST_NAMES_US)
            last = rng.choice(words.SURNAMES_UA if ukrainian else words.SURNAMES_US)
            person = Person(
                name_en=f"{first[0]} {last[0]}",
                name_uk=f"{first[1]} {last[1]}",
                title_en="Specialist",
                title_uk="Спеціаліст",
                organization=account.organization,
                languages="uk,en" if ukrainian else "en",
                rank=200,
                is_demo=True,
            )
            person.search_text = person_search_text(person)
            people.append(person)
        _bulk(Person, people, self.progress)
        _bulk(RoleAssignment, assignments, self.progress)
        for index, person in enumerate(people):
            local = f"p{index + 1}{self.suffix}"
            contacts.append(
                ContactChannel(
                    person=person, kind=ContactKind.EMAIL, value=f"{local}@{GENERATED_DOMAIN}"
                )
            )
            contacts.append(
                ContactChannel(
                    person=person,
                    kind=ContactKind.PHONE,
                    value=f"+{380 if person.languages.startswith('uk') else 1} 00 {index:07d}",
                )
            )
        ContactChannel.objects.bulk_create(contacts, batch_size=BATCH)
        self.progress.finish()
        for account, assignment in zip(world.accounts, assignments, strict=True):
            at = account.user.date_joined
            world.audit.append(_audit(None, "user.created", account.user, at, superuser=False))
            world.audit.append(
                _audit(
                    None,
                    "role.granted",
                    account.user,
                    at,
                    role=assignment.role,
                    region=assignment.region,
                    organization=assignment.organization,
                )
            )
        for person in people:
            world.audit.append(_audit(None, "person.created", person, _at(rng.uniform(0, 60))))
        self.by_role: dict[str, list[Account]] = defaultdict(list)
        self.by_region: dict[int, list[Account]] = defaultdict(list)
        for account in world.accounts:
            self.by_role[account.role].append(account)
            if account.region is not None:
                self.by_region[account.region.pk].append(account)

    # --- partnerships, their histories and documents ------------------------------------------

    def _partner(self, ua: Region) -> tuple[Region, str, str] | None:
        rng, world = self.rng, self.world
        for _attempt in range(20):
            partner = rng.choice(world.us_regions)
            kind = _weighted(
                rng, {PartnerKind.REGION: 6, PartnerKind.COUNTY: 2.5, PartnerKind.CITY: 1.5}
            )
            if kind == PartnerKind.REGION:
                name = f"State of {partner.name_en}"
                if (ua.pk, partner.pk) in world.taken_pairs:
                    continue
            elif kind == PartnerKind.COUNTY:
                name = f"{rng.choice(words.PLACES)} County, {partner.code[3:]}"
            else:
                name = f"City of {rng.choice(words.PLACES)}, {partner.code[3:]}"
            if (ua.pk, partner.pk, name.lower()) in world.taken_names:
                continue
            world.taken_names.add((ua.pk, partner.pk, name.lower()))
            if kind == PartnerKind.REGION:
                world.taken_pairs.add((ua.pk, partner.pk))
            return partner, kind, name
        return None

    def _history(self, start: float, signed: bool = False) -> list[tuple[str, float, str]]:
        """A history drawn from the lifecycle's table: (event, day, instrument level). A
        `signed` one goes the whole way: contact, talks, a cleared draft, the signing."""
        rng = self.rng
        state = State(None, None)
        day = start
        steps: list[tuple[str, float, str]] = []
        planned = ""  # the level of the instrument a cleared draft will sign
        preferred = {
            None: {"first_contact": 8, "reported_negotiating": 2},
            Stage.EXPLORING: {"reported_negotiating": 6, "went_dormant": 1, "ended": 0.3},
            Stage.NEGOTIATING: {
                "draft_approved_by_ministry": 3,
                "signed": 3,
                "reported_negotiating": 1,
                "went_dormant": 1,
                "resolution": 0.3,
            },
            Stage.MEMORANDUM_SIGNED: {"renewal_talks": 1, "went_dormant": 0.5},
            Stage.AGREEMENT_SIGNED: {"renewal_talks": 1, "went_dormant": 0.3},
            Stage.DORMANT: {"revived": 2, "ended": 0.5},
            Stage.ENDED: {"revived": 1},
        }
        for index in range(6):
            if index and rng.random() < 0.35 and not (signed and index < 4):
                break
            options = {
                kind: weight
                for kind, weight in preferred[state.stage].items()
                if kind in lifecycle.ALLOWED[state.stage] and (kind != "signed" or planned)
            }
            if not options:
                break
            kind = _weighted(rng, options)
            if signed and index < 4:
                kind = (
                    ("first_contact", "reported_negotiating", "draft_approved_by_ministry")[index]
                    if index < 3
                    else "signed"
                )
            level = ""
            if kind == EventKind.DRAFT_APPROVED:
                agreement = rng.random() < 0.25
                planned = Stage.AGREEMENT_SIGNED if agreement else Stage.MEMORANDUM_SIGNED
                level = planned  # which instrument was cleared; the event itself signs nothing
            elif kind == EventKind.SIGNED:
                level, planned = planned, ""
            elif kind == EventKind.RESOLUTION:
                level = Stage.MEMORANDUM_SIGNED
            step_level = level if kind != EventKind.DRAFT_APPROVED else ""
            state = lifecycle.next_state(state, Step(kind, _at(day).date(), step_level))
            steps.append((kind, day, level))
            day += rng.uniform(10, 70)
            if day >= YEAR_DAYS - 1:
                break
        return steps

    def _partnerships(self) -> None:
        rng, world = self.rng, self.world
        partnerships, histories = [], []
        for index in range(self.plan.partnerships):
            ua = rng.choice(world.ua_regions)
            chosen = self._partner(ua)
            if chosen is None:
                continue
            partner, kind, name = chosen
            # A state's side has its Ukrainian name; a county's or city's keeps its English one.
            name_uk = f"штат {partner.name_uk}" if kind == PartnerKind.REGION else ""
            # Whatever the scale, one signed tie and one confidential negotiation at least.
            signed = index == 1
            start = rng.uniform(0, YEAR_DAYS - (300 if signed else 30))
            history = self._history(start, signed=signed)
            rma = world.offices[f"rma-{ua.code}"]
            sides = self.by_region.get(ua.pk, [])
            confidential = index == 0 or rng.random() < 0.15
            step = rng.randrange(len(words.THINGS_EN))  # the next step, in both languages
            partnership = Partnership(
                ukrainian_region=ua,
                ukrainian_side_en=rma.name_en,
                ukrainian_side_uk=rma.name_uk,
                ukrainian_organization=rma,
                partner_region=partner,
                partner_kind=kind,
                partner_name_en=name,
                partner_name_uk=name_uk,
                partner_organization=world.offices.get(f"gov-{partner.code}")
                if kind == PartnerKind.REGION
                else None,
                confidential=confidential,
                next_step_en=words.THINGS_EN[step].capitalize(),
                next_step_uk=words.THINGS_UK[step].capitalize(),
                next_step_due=(_at(YEAR_DAYS + rng.uniform(5, 90))).date(),
                is_demo=True,
                created_at=_at(start),
                created_by=sides[0].user if sides else None,
            )
            # bulk_create skips save(), which keeps the partner's sort keys.
            partnership.partner_sort_uk, partnership.partner_sort_en = (
                partnership.partner_sort_keys()
            )
            partnerships.append(partnership)
            histories.append(history)
        self.progress.start("partnerships", len(partnerships) * 2)
        _bulk(Partnership, partnerships, self.progress)
        through = Partnership.spheres.through
        through.objects.bulk_create(
            [
                through(partnership_id=p.pk, sphere_id=s.pk)
                for p in partnerships
                for s in rng.sample(world.spheres, rng.randint(1, 3))
            ],
            batch_size=BATCH,
        )
        events, documents, versions, reviews, signatories = [], [], [], [], []
        ministries = {key: world.offices[key] for key in ("mfa", "mindev")}
        reviewers = {
            key: next(
                (a.user for a in self.by_role[Role.MINISTRY] if a.organization.key == key), None
            )
            for key in ministries
        }
        for partnership, history in zip(partnerships, histories, strict=True):
            world.first_day[partnership.pk] = history[0][1]
            actor = partnership.created_by
            world.audit.append(
                _audit(actor, "partnership.created", partnership, partnership.created_at)
            )
            document = None
            for kind, day, level in history:
                on = _at(day).date()
                if kind == EventKind.DRAFT_APPROVED:
                    agreement = level == Stage.AGREEMENT_SIGNED
                    level = ""
                    document = Document(
                        partnership=partnership,
                        kind=InstrumentKind.COOPERATION_AGREEMENT
                        if agreement
                        else InstrumentKind.MEMORANDUM,
                        title_en=f"Memorandum with the {partnership.partner_name_en}",
                        title_uk="Меморандум про співпрацю: "
                        + (partnership.partner_name_uk or partnership.partner_name_en),
                        status=DocumentStatus.CLEARED,
                        review_round=1,
                        submitted_at=_at(day - rng.uniform(10, 30)),
                        cleared_at=_at(day),
                        created_at=_at(day - rng.uniform(35, 60)),
                        created_by=actor,
                    )
                    documents.append(document)
                    reviews.append((document, day))
                event = PartnershipEvent(
                    partnership=partnership,
                    kind=kind,
                    occurred_on=on,
                    stage_after=Stage.EXPLORING,  # replaced by partnerships_restage
                    signed_level=level,
                    recorded_by=actor,
                    recorded_at=_at(day + rng.uniform(0, 3)),
                    source="generated",
                    confidence="confirmed",
                )
                if kind in (EventKind.DRAFT_APPROVED, EventKind.SIGNED) and document is not None:
                    event.document = document
                    event.instrument_en = document.title_en
                    event.instrument_uk = document.title_uk
                if kind == EventKind.SIGNED and document is not None:
                    # The instrument decides the level, as document_sign does.
                    event.signed_level = INSTRUMENT_STAGE[document.kind]
                    document.status = DocumentStatus.SIGNED
                    document.signed_on = on
                    # The oblast's centre, as the demo's regions name it.
                    region = partnership.ukrainian_region
                    document.signed_place_en = region.name_en.replace(" Oblast", "")
                    document.signed_place_uk = region.name_uk.replace(" область", "")
                    document.valid_until = on.replace(year=on.year + 5)
                    signatories.append(document)
                    document = None
                events.append(event)
                world.audit.append(
                    _audit(
                        actor,
                        "partnership.event_recorded",
                        partnership,
                        event.recorded_at,
                        event=kind,
                        on=on.isoformat(),
                        source="generated",
                        confidence="confirmed",
                    )
                )
            # A draft still under way for part of the negotiations.
            if (
                document is None
                and history[-1][0] in ("reported_negotiating", "first_contact")
                and rng.random() < 0.4
            ):
                day = history[-1][1]
                status = _weighted(
                    rng,
                    {
                        DocumentStatus.DRAFT: 3,
                        DocumentStatus.UNDER_REVIEW: 2,
                        DocumentStatus.RETURNED: 1,
                    },
                )
                documents.append(
                    Document(
                        partnership=partnership,
                        kind=InstrumentKind.MEMORANDUM,
                        title_en=f"Draft memorandum with the {partnership.partner_name_en}",
                        title_uk="Проєкт меморандуму: "
                        + (partnership.partner_name_uk or partnership.partner_name_en),
                        status=status,
                        review_round=0 if status == DocumentStatus.DRAFT else 1,
                        submitted_at=None if status == DocumentStatus.DRAFT else _at(day + 2),
                        created_at=_at(day + 1),
                        created_by=actor,
                    )
                )
                if status == DocumentStatus.RETURNED:
                    reviews.append((documents[-1], day + 5))
        _bulk(Document, documents, self.progress)
        for document in documents:
            for language in ("uk", "en")[: rng.randint(1, 2)]:
                versions.append(
                    DocumentVersion(
                        document=document,
                        language=language,
                        number=1,
                        file=self.pdf.name,
                        original_name=f"memorandum-{language}.pdf",
                        content_type="application/pdf",
                        size=self.pdf.size,
                        sha256=self.pdf.sha256,
                        uploaded_by=document.created_by,
                        uploaded_at=document.created_at,
                    )
                )
            world.audit.append(
                _audit(document.created_by, "document.created", document, document.created_at)
            )
        DocumentVersion.objects.bulk_create(versions, batch_size=BATCH)
        # Each submitted document's one round, as document_submit keeps it.
        Submission.objects.bulk_create(
            [
                Submission(
                    document=document,
                    round=document.review_round,
                    submitted_at=document.submitted_at,
                    submitted_by=document.created_by,
                )
                for document in documents
                if document.submitted_at is not None
            ],
            batch_size=BATCH,
        )
        review_rows = []
        for document, day in reviews:
            if document.status == DocumentStatus.RETURNED:
                review_rows.append(
                    Review(
                        document=document,
                        ministry=ministries["mfa"],
                        round=1,
                        decision=ReviewDecision.RETURNED,
                        comments="Please align the text with the model memorandum.",
                        reviewer=reviewers["mfa"],
                        decided_at=_at(day),
                    )
                )
                continue
            review_rows.append(
                Review(
                    document=document,
                    ministry=ministries["mfa"],
                    round=1,
                    decision=ReviewDecision.NO_OBJECTION,
                    reviewer=reviewers["mfa"],
                    decided_at=_at(day - 2),
                )
            )
            review_rows.append(
                Review(
                    document=document,
                    ministry=ministries["mindev"],
                    round=1,
                    decision=ReviewDecision.APPROVED,
                    order_number=f"{rng.randint(100, 999)}/{document.pk}",
                    reviewer=reviewers["mindev"],
                    decided_at=_at(day),
                )
            )
        Review.objects.bulk_create(review_rows, batch_size=BATCH)
        signed_by = []
        for document in signatories:
            head = (rng.choice(words.FIRST_NAMES_UA), rng.choice(words.SURNAMES_UA))
            partner = (rng.choice(words.FIRST_NAMES_US), rng.choice(words.SURNAMES_US))
            governor = document.partnership.partner_kind == PartnerKind.REGION
            signed_by += [
                Signatory(
                    document=document,
                    name_en=f"{head[0][0]} {head[1][0]}",
                    name_uk=f"{head[0][1]} {head[1][1]}",
                    title_en="Head of the Regional Military Administration",
                    title_uk="Начальник обласної військової адміністрації",
                    signs_for=SignsFor.UKRAINIAN_SIDE,
                ),
                Signatory(
                    document=document,
                    name_en=f"{partner[0][0]} {partner[1][0]}",
                    name_uk=f"{partner[0][1]} {partner[1][1]}",
                    title_en="Governor" if governor else "Mayor",
                    title_uk="Губернатор" if governor else "Мер",
                    signs_for=SignsFor.PARTNER_SIDE,
                ),
            ]
        Signatory.objects.bulk_create(signed_by, batch_size=BATCH)
        _bulk(PartnershipEvent, events, self.progress)
        # The stored stage of each partnership and event, by the rules' own replay.
        partnerships_restage(partnership_ids=[p.pk for p in partnerships])
        self.progress.finish()
        world.partnerships = partnerships

    # --- institution links and activities -----------------------------------------------------

    def _links(self) -> None:
        rng, world = self.rng, self.world
        links = []
        if not world.institutions_us or not world.institutions_ua:
            return
        for _index in range(self.plan.links):
            partnership = (
                rng.choice(world.partnerships)
                if world.partnerships and rng.random() < 0.5
                else None
            )
            local = (
                world.institutions_ua.get(partnership.ukrainian_region_id) if partnership else None
            )
            if not local:
                partnership = None
                local = world.institutions_ua[rng.choice(sorted(world.institutions_ua))]
            ukrainian = rng.choice(local)
            partner = rng.choice(world.institutions_us)
            started = rng.uniform(0, YEAR_DAYS - 5)
            links.append(
                InstitutionLink(
                    ukrainian_institution=ukrainian,
                    partner_institution=partner,
                    partnership=partnership,
                    status=_weighted(
                        rng,
                        {
                            LinkStatus.ACTIVE: 6,
                            LinkStatus.PROPOSED: 3,
                            LinkStatus.DORMANT: 1,
                            LinkStatus.ENDED: 0.5,
                        },
                    ),
                    description=" ".join(Texts._sentence(rng, "en") for _ in range(2)),
                    started_on=_at(started).date(),
                    is_demo=True,
                    created_at=_at(started),
                )
            )
        self.progress.start("links", len(links))
        _bulk(InstitutionLink, links, self.progress)
        through = InstitutionLink.spheres.through
        through.objects.bulk_create(
            [
                through(institutionlink_id=link.pk, sphere_id=rng.choice(world.spheres).pk)
                for link in links
            ],
            batch_size=BATCH,
        )
        self.progress.finish()
        for link in links:
            world.audit.append(_audit(None, "link.created", link, link.created_at))
        world.links = links

    def _activities(self) -> None:
        rng, world = self.rng, self.world
        activities, tied = [], []
        kinds = {
            ActivityKind.VISIT: 5,
            ActivityKind.STUDENT_EXCHANGE: 2,
            ActivityKind.TEACHER_EXCHANGE: 1,
            ActivityKind.DOCTOR_EXCHANGE: 1,
            ActivityKind.AID_DELIVERY: 3,
            ActivityKind.TRAINING: 3,
            ActivityKind.CULTURAL_EVENT: 2,
            ActivityKind.SPORTS_EVENT: 1,
            ActivityKind.OTHER: 1,
        }
        for _index in range(self.plan.activities):
            on_partnership = world.partnerships and (not world.links or rng.random() < 0.4)
            if on_partnership:
                partnership = rng.choice(world.partnerships)
                link = None
                first = world.first_day[partnership.pk]
                sides = []
                confidential = partnership.confidential
            else:
                partnership = None
                link = rng.choice(world.links)
                first = (link.created_at - EPOCH).total_seconds() / 86400
                sides = [link.ukrainian_institution, link.partner_institution]
                confidential = link.partnership is not None and link.partnership.confidential
            starts = rng.uniform(first, YEAR_DAYS - 1)
            kind = _weighted(rng, kinds)
            thing_en = rng.choice(words.THINGS_EN)
            activity = Activity(
                kind=kind,
                title_en=f"{ActivityKind(kind).label.capitalize()}: {thing_en}",
                title_uk=f"{rng.choice(words.THINGS_UK).capitalize()} "
                f"({rng.choice(words.MONTHS_UK)})",
                description=Texts._sentence(rng, "en"),
                starts_on=_at(starts).date(),
                ends_on=_at(starts + rng.randint(0, 10)).date(),
                sphere=rng.choice(world.spheres),
                outcome=Texts._sentence(rng, "uk") if rng.random() < 0.5 else "",
                is_public=not confidential and rng.random() < 0.3,
                partnership=partnership,
                link=link,
                is_demo=True,
                created_at=_at(min(starts + 1, YEAR_DAYS - 0.01)),
            )
            activities.append(activity)
            tied.append(sides)
        self.progress.start("activities", len(activities))
        _bulk(Activity, activities, self.progress)
        through = Activity.institutions.through
        through.objects.bulk_create(
            [
                through(activity_id=activity.pk, organization_id=side.pk)
                for activity, sides in zip(activities, tied, strict=True)
                for side in sides
            ],
            batch_size=BATCH,
        )
        self.progress.finish()
        for activity in activities:
            world.audit.append(_audit(None, "activity.created", activity, activity.created_at))

    # --- threads, participants, messages ------------------------------------------------------

    def _partnership_people(self, partnership: Partnership) -> list[Account]:
        """Who may take part in a thread on this partnership: its two sides, the coordinators,
        the ministries and the missions (they see every tie with the United States); on an open
        tie, institutions' staff too."""
        people = [
            *self.by_region.get(partnership.ukrainian_region_id, []),
            *self.by_region.get(partnership.partner_region_id, []),
            *self.by_role[Role.COORDINATOR],
            *self.by_role[Role.MINISTRY][:4],
            *self.by_role[Role.EMBASSY][:4],
        ]
        if not partnership.confidential:
            people += self.by_role[Role.INSTITUTION][:3]
        return people

    def _threads_and_messages(self) -> None:
        rng, world = self.rng, self.world
        threads: list[Thread] = []
        members: list[list[Account]] = []
        offices: list[list[Organization]] = []
        guests: list[list[str]] = []
        starts: list[float] = []
        documents = defaultdict(list)
        for document in Document.objects.filter(
            partnership__in=[p.pk for p in world.partnerships]
        ).order_by("pk"):
            documents[document.partnership_id].append(document)
        guest_number = 0
        for index in range(self.plan.threads):
            kind = _weighted(rng, {"partnership": 45, "direct": 32, "channel": 15, "topic": 8})
            if index < 4:  # every kind of thread, whatever the scale
                kind = ("partnership", "channel", "direct", "topic")[index]
            partnership = document = None
            office: list[Organization] = []
            if kind == "partnership" and world.partnerships:
                # The first thread is on the first tie, a confidential negotiation.
                partnership = rng.choice(world.partnerships) if index else world.partnerships[0]
                candidates = self._partnership_people(partnership)
                people = rng.sample(candidates, min(len(candidates), rng.randint(2, 5)))
                if partnership.pk in documents and rng.random() < 0.25:
                    document = rng.choice(documents[partnership.pk])
                if rng.random() < 0.3:
                    office = [partnership.ukrainian_organization]
                start = rng.uniform(world.first_day[partnership.pk], YEAR_DAYS - 2)
                thread_kind = ThreadKind.TOPIC
            elif kind == "direct":
                people = rng.sample(world.accounts, min(2, len(world.accounts)))
                start = rng.uniform(0, YEAR_DAYS - 2)
                thread_kind = ThreadKind.DIRECT
            else:
                people = rng.sample(world.accounts, min(len(world.accounts), rng.randint(3, 6)))
                start = rng.uniform(0, YEAR_DAYS - 2)
                thread_kind = ThreadKind.CHANNEL if kind == "channel" else ThreadKind.TOPIC
                if kind == "channel":
                    office = [people[0].organization]
            # Guests join only threads that are not about a confidential negotiation.
            thread_guests = []
            if not (partnership and partnership.confidential) and (
                rng.random() < 0.1 or index == 2
            ):
                for _guest in range(rng.randint(1, 2)):
                    guest_number += 1
                    thread_guests.append(f"guest-{guest_number}{self.suffix}@{GUEST_DOMAIN}")
            creator = people[0]
            language = creator.language
            subjects = words.SUBJECTS_UK if language == "uk" else words.SUBJECTS_EN
            months = words.MONTHS_UK if language == "uk" else words.MONTHS_EN
            threads.append(
                Thread(
                    kind=thread_kind,
                    subject=rng.choice(subjects).format(month=rng.choice(months)),
                    partnership=partnership,
                    document=document,
                    created_by=creator.user,
                    created_at=_at(start),
                )
            )
            members.append(people)
            offices.append(office)
            guests.append(thread_guests)
            starts.append(start)
        self.progress.start("threads", len(threads))
        _bulk(Thread, threads, self.progress)
        # This run's threads, as an id range (a run's rows are inserted together).
        self.thread_range = (threads[0].pk, threads[-1].pk) if threads else (0, -1)
        participants = []
        for thread, people, office, thread_guests, start in zip(
            threads, members, offices, guests, starts, strict=True
        ):
            creator = people[0].user
            for position, account in enumerate(people):
                participants.append(
                    Participant(
                        thread=thread,
                        user=account.user,
                        added_by=creator,
                        added_at=_at(start + (0 if position == 0 else rng.uniform(0, 1))),
                    )
                )
            for organization in office:
                participants.append(
                    Participant(
                        thread=thread,
                        organization=organization,
                        added_by=creator,
                        added_at=_at(start),
                    )
                )
            for email in thread_guests:
                participants.append(
                    Participant(
                        thread=thread,
                        guest_email=email,
                        guest_name="Guest " + email.split("@")[0],
                        added_by=creator,
                        added_at=_at(start + rng.uniform(0, 2)),
                    )
                )
            world.audit.append(_audit(creator, "thread.created", thread, thread.created_at))
        Participant.objects.bulk_create(participants, batch_size=BATCH)
        self.progress.finish()
        self._messages(threads, members, guests, starts)

    def _messages(
        self,
        threads: list[Thread],
        members: list[list[Account]],
        guests: list[list[str]],
        starts: list[float],
    ) -> None:
        rng = self.rng
        size = min(600, max(40, self.plan.messages // 20))
        self.progress.start("texts", 2 * size)
        texts = self.texts = Texts(rng, size=size)
        texts.check(rng)
        self.progress.finish()
        # How many messages each thread has: a few long threads, many short ones.
        weights = [rng.paretovariate(1.3) for _ in threads]
        total = sum(weights)
        counts = [max(1, int(self.plan.messages * w / total)) for w in weights]
        for _ in range(max(0, self.plan.messages - sum(counts))):
            counts[rng.randrange(len(counts))] += 1
        plan = []  # (day, thread index, author index or -1 - guest index, parts, mention)
        for index, (count, start) in enumerate(zip(counts, starts, strict=True)):
            span = YEAR_DAYS - start
            days = sorted(
                start + rng.uniform(0, span) ** rng.uniform(0.8, 1.0) for _ in range(count)
            )
            people = members[index]
            for number, day in enumerate(days):
                if guests[index] and rng.random() < 0.1:
                    author = -1 - rng.randrange(len(guests[index]))
                    language = "en"
                else:
                    author = 0 if number == 0 else rng.randrange(len(people))
                    language = people[author].language
                mention = ""
                if author >= 0 and len(people) > 1 and rng.random() < 0.03:
                    mention = people[(author + 1) % len(people)].user.email
                plan.append((day, index, author, texts.body(rng, language, mention), mention))
        plan.sort(key=lambda row: (row[0], row[1]))

        self.progress.start("messages", len(plan))
        by_thread: dict[int, list[Message]] = defaultdict(list)
        last_at: dict[int, datetime] = {}
        mentions, attachments, edited = [], [], []
        for start in range(0, len(plan), BATCH):
            batch = []
            for day, index, author, parts, mention in plan[start : start + BATCH]:
                thread = threads[index]
                body, html, lemma_text = texts.derived(parts)
                created = max(_at(day), thread.created_at)
                message = Message(
                    thread=thread,
                    body=body,
                    body_html=html,
                    search_lemmas=lemma_text,
                    created_at=created,
                )
                if author >= 0:
                    message.author = members[index][author].user
                    message.via = "web" if rng.random() < 0.85 else "api"
                else:
                    message.guest_email = guests[index][-1 - author]
                    message.via = "email"
                    message.email_message_id = f"<{start}.{len(batch)}{self.suffix}@{GUEST_DOMAIN}>"
                earlier = by_thread[thread.pk]
                if earlier and rng.random() < 0.08:
                    quoted = earlier[rng.randrange(len(earlier))]
                    if quoted.pk is not None:  # written in an earlier batch
                        message.reply_to = quoted
                if message.author_id and (rng.random() < 0.01 or not edited):
                    message.edited_at = created + timedelta(minutes=rng.randint(1, 14))
                    edited.append(message)
                batch.append(message)
                by_thread[thread.pk].append(message)
                last_at[thread.pk] = created
                if mention:
                    mentions.append((message, mention))
            Message.objects.bulk_create(batch)
            for message in batch:
                search.index(message)
            self.progress.advance(len(batch))
        users = {account.user.email: account.user for account in self.world.accounts}
        Mention.objects.bulk_create(
            [Mention(message=message, user=users[email]) for message, email in mentions],
            batch_size=BATCH,
        )
        MessageRevision.objects.bulk_create(
            [
                MessageRevision(
                    message=message,
                    body=message.body.replace(".", "!", 1),
                    replaced_at=message.edited_at,
                )
                for message in edited
            ],
            batch_size=BATCH,
        )
        firsts = [m for messages in by_thread.values() for m in messages[:1]]
        for index, message in enumerate(firsts):
            if index % 20 == 0:
                attachments.append(
                    Attachment(
                        message=message,
                        file=self.pdf.name,
                        original_name="programme.pdf",
                        content_type="application/pdf",
                        size=self.pdf.size,
                        sha256=self.pdf.sha256,
                    )
                )
        Attachment.objects.bulk_create(attachments, batch_size=BATCH)
        for thread in threads:
            thread.last_message_at = last_at.get(thread.pk)
        Thread.objects.bulk_update(threads, ["last_message_at"], batch_size=BATCH)
        self.progress.finish()
        self._read_states(threads, members, by_thread)
        self._outbox(threads, members, guests, by_thread)

    def _read_states(
        self,
        threads: list[Thread],
        members: list[list[Account]],
        by_thread: dict[int, list[Message]],
    ) -> None:
        rng = self.rng
        states = []
        for thread, people in zip(threads, members, strict=True):
            messages = by_thread.get(thread.pk, [])
            for account in people:
                if not messages:
                    continue
                own = [m.pk for m in messages if m.author_id == account.user.pk]
                if rng.random() < 0.75:
                    upto = messages[-1].pk
                else:
                    upto = messages[rng.randrange(len(messages))].pk
                upto = max([upto, *own[-1:]])
                states.append(ReadState(thread=thread, user=account.user, last_read_id=upto))
        ReadState.objects.bulk_create(states, batch_size=BATCH)

    def _outbox(
        self,
        threads: list[Thread],
        members: list[list[Account]],
        guests: list[list[str]],
        by_thread: dict[int, list[Message]],
    ) -> None:
        """The e-mails sent for the messages of the year's last fortnight (older sent rows are
        the same shape; a fortnight keeps the table realistic for the hourly-limit query)."""
        rows = []
        since = _at(YEAR_DAYS - 14)
        fields = {f.name for f in OutboundEmail._meta.get_fields()}
        for thread, people, thread_guests in zip(threads, members, guests, strict=True):
            for message in by_thread.get(thread.pk, []):
                if message.created_at < since:
                    continue
                recipients = [
                    (a.user.email, a.user)
                    for a in people
                    if a.user.pk != message.author_id
                    and a.user.notification_mode == NotificationMode.EVERY
                ]
                recipients += [
                    (email, None) for email in thread_guests if email != message.guest_email
                ]
                for email, user in recipients:
                    row = OutboundEmail(
                        key=f"message:{message.pk}:{email.lower()}",
                        to=email,
                        subject=f"[Region Bridge] {thread.subject}"[:300],
                        text=message.body,
                        status=OutboxStatus.SENT,
                        attempts=1,
                        next_attempt_at=message.created_at,
                        created_at=message.created_at,
                        sent_at=message.created_at + timedelta(seconds=self.rng.randint(2, 90)),
                    )
                    if "message" in fields:
                        row.message = message
                    if "user" in fields:
                        row.user = user
                    rows.append(row)
        OutboundEmail.objects.bulk_create(rows, batch_size=BATCH)

    # --- meetings, their answers, minutes, decisions and action items ---------------------------

    def _meetings(self) -> None:
        """Meetings spread over the year, each with its own thread whose participants are its
        people (2–8, drawn as a partnership thread's are: a confidential negotiation's only
        among those who may see it, never guests). Of those past, about 70% were held, with
        minutes and 1–3 decisions, and about 2 actions each (some done, some dropped, the open
        ones past their due date overdue); some were cancelled; the last weeks' are planned."""
        rng, world = self.rng, self.world
        texts: Texts = self.texts
        rows: list[tuple[Meeting, list[Account], list[Organization], list[str]]] = []
        threads: list[Thread] = []
        guest_number = 0
        for index in range(self.plan.meetings):
            partnership = None
            if world.partnerships and (rng.random() < 0.6 or index == 0):
                partnership = (
                    world.partnerships[0] if index == 0 else rng.choice(world.partnerships)
                )
                candidates = self._partnership_people(partnership)
                first = world.first_day[partnership.pk]
            else:
                candidates, first = world.accounts, 0.0
            candidates = list({a.user.pk: a for a in candidates}.values())  # each person once
            people = rng.sample(candidates, min(len(candidates), rng.randint(2, 8)))
            office = []
            if partnership is not None and rng.random() < 0.15:
                office = [partnership.ukrainian_organization]
            guests = []
            if not (partnership and partnership.confidential) and rng.random() < 0.1:
                guest_number += 1
                guests.append(f"meeting-guest-{guest_number}{self.suffix}@{GUEST_DOMAIN}")
            organizer = people[0]
            day = int(rng.uniform(min(first, YEAR_DAYS - 2), YEAR_DAYS - 1))
            starts = _at(day) + timedelta(hours=rng.randint(7, 15), minutes=rng.choice([0, 30]))
            created = max(EPOCH, starts - timedelta(days=rng.randint(1, 20)))
            if index < 3:  # every status, whatever the scale (the first: held, confidential)
                status = (MeetingStatus.HELD, MeetingStatus.CANCELLED, MeetingStatus.PLANNED)[index]
                day = min(day, YEAR_DAYS - 30) if index < 2 else YEAR_DAYS - 5
                starts = _at(day) + timedelta(hours=9)
                created = max(EPOCH, starts - timedelta(days=3))
            elif day >= YEAR_DAYS - 21:
                status = MeetingStatus.PLANNED
            else:
                status = _weighted(
                    rng,
                    {
                        MeetingStatus.HELD: 78,
                        MeetingStatus.CANCELLED: 10,
                        MeetingStatus.PLANNED: 12,
                    },
                )
            language = organizer.language
            subjects = words.SUBJECTS_UK if language == "uk" else words.SUBJECTS_EN
            months = words.MONTHS_UK if language == "uk" else words.MONTHS_EN
            title = rng.choice(subjects).format(month=rng.choice(months))[:200]
            moved = rng.random() < 0.1
            # Cancelled halfway between its arranging and its start: on the generator's clock,
            # no draw of its own (the rest of the world stays as it was drawn).
            cancelled = created + (starts - created) / 2
            cancelled_at = cancelled if status == MeetingStatus.CANCELLED else None
            meeting = Meeting(
                title=title,
                purpose=Texts._sentence(rng, language),
                partnership=partnership,
                organizer=organizer.user,
                starts_at=starts,
                ends_at=starts + timedelta(minutes=rng.choice([30, 60, 60, 90, 120, 180])),
                place=rng.choice(words.PLACES) if rng.random() < 0.3 else "",
                online_link=f"https://meet.{GENERATED_DOMAIN}/m{index + 1}{self.suffix}"
                if rng.random() < 0.7
                else "",
                status=status,
                uid=f"gen{self.run_number}-m{index + 1}@regionbridge",
                sequence=int(moved) + int(status == MeetingStatus.CANCELLED),
                created_at=created,
                updated_at=cancelled_at or created,
                cancelled_at=cancelled_at,
            )
            if status == MeetingStatus.HELD:
                meeting.minutes, meeting.minutes_html, _lemmas = texts.derived(
                    texts.body(rng, language)
                )
            threads.append(
                Thread(
                    kind=ThreadKind.TOPIC,
                    subject=title,
                    partnership=partnership,
                    created_by=organizer.user,
                    created_at=created,
                )
            )
            rows.append((meeting, people, office, guests))
        self.progress.start("meetings", len(rows))
        _bulk(Thread, threads, self.progress)
        participants, agenda, answers, decisions, actions = [], [], [], [], []
        for (meeting, people, office, guests), thread in zip(rows, threads, strict=True):
            meeting.thread = thread
            creator = people[0].user
            participants += [
                Participant(
                    thread=thread, user=a.user, added_by=creator, added_at=thread.created_at
                )
                for a in people
            ]
            participants += [
                Participant(
                    thread=thread, organization=o, added_by=creator, added_at=thread.created_at
                )
                for o in office
            ]
            participants += [
                Participant(
                    thread=thread,
                    guest_email=email,
                    guest_name="Guest " + email.split("@")[0],
                    added_by=creator,
                    added_at=thread.created_at,
                )
                for email in guests
            ]
        Meeting.objects.bulk_create([row[0] for row in rows], batch_size=BATCH)
        Participant.objects.bulk_create(participants, batch_size=BATCH)
        year_end = _at(YEAR_DAYS)
        for meeting, people, _office, guests in rows:
            language = people[0].language
            things = words.THINGS_UK if language == "uk" else words.THINGS_EN
            agenda += [
                AgendaItem(meeting=meeting, position=position, text=thing.capitalize())
                for position, thing in enumerate(rng.sample(things, rng.randint(2, 5)))
            ]
            answered = min(meeting.starts_at, year_end) - timedelta(hours=rng.randint(1, 48))
            answered = max(answered, meeting.created_at)
            for account in people[1:]:
                if rng.random() < 0.8:
                    answer = _weighted(
                        rng, {Answer.ACCEPTED: 6, Answer.TENTATIVE: 2, Answer.DECLINED: 2}
                    )
                    answers.append(
                        MeetingResponse(
                            meeting=meeting, user=account.user, answer=answer, answered_at=answered
                        )
                    )
            for email in guests:
                if rng.random() < 0.5:
                    answers.append(
                        MeetingResponse(
                            meeting=meeting,
                            guest_email=email,
                            answer=Answer.ACCEPTED,
                            via="email",
                            answered_at=answered,
                        )
                    )
            world.audit.append(
                _audit(meeting.organizer, "meeting.created", meeting, meeting.created_at)
            )
            if meeting.status != MeetingStatus.HELD:
                continue
            after = meeting.ends_at + timedelta(hours=rng.randint(1, 30))
            decisions += [
                Decision(
                    meeting=meeting,
                    text=Texts._sentence(rng, language),
                    created_by=meeting.organizer,
                    created_at=after,
                )
                for _ in range(rng.randint(1, 3))
            ]
            for _ in range(max(3 - len(actions), rng.choice([0, 1, 2, 2, 3, 4]))):
                owner = rng.choice(people).user
                due = (meeting.starts_at + timedelta(days=rng.randint(7, 60))).date()
                status = ActionStatus.OPEN
                closed = None
                if len(actions) < 3:  # every status, whatever the scale
                    status = (ActionStatus.OPEN, ActionStatus.DONE, ActionStatus.DROPPED)[
                        len(actions)
                    ]
                elif rng.random() < 0.6:
                    status = _weighted(rng, {ActionStatus.DONE: 4, ActionStatus.DROPPED: 1})
                if status != ActionStatus.OPEN:
                    closed = min(after + timedelta(days=rng.randint(1, 50)), year_end)
                actions.append(
                    ActionItem(
                        title=Texts._sentence(rng, language)[:300],
                        owner=owner,
                        due=due,
                        status=status,
                        meeting=meeting,
                        partnership=meeting.partnership,
                        created_by=meeting.organizer,
                        created_at=after,
                        closed_at=closed,
                    )
                )
        AgendaItem.objects.bulk_create(agenda, batch_size=BATCH)
        MeetingResponse.objects.bulk_create(answers, batch_size=BATCH)
        Decision.objects.bulk_create(decisions, batch_size=BATCH)
        _bulk(ActionItem, actions, _Silent())
        for action in actions:
            world.audit.append(
                _audit(action.created_by, "action.created", action, action.created_at)
            )
        self.progress.finish()

    # --- needs and offers, and their matches ----------------------------------------------------

    def _posts(self) -> None:
        """Needs and offers over the year, each composed from one taxonomy topic: its label or
        a synonym in the post's language, a sentence of context; the sphere and the type of
        institution are the topic's. Needs come mostly from Ukrainian institutions and regional
        offices, in Ukrainian; offers mostly from American institutions (diaspora organizations
        among them) and state governments, in English; some the other way round. Most stay
        open; a partners-only audience for about one in seven. Then the matches, as the worker
        keeps them (`_matches`)."""
        rng, world = self.rng, self.world
        tax = taxonomy.current()
        topics = [tax.topics[code] for code in sorted(tax.topics)]
        if not topics or not (self.plan.needs or self.plan.offers):
            return
        # Some topics are asked (or offered) a lot; about one in five is offered by nobody yet.
        asked_weights = [rng.choice((1, 1, 1, 2, 3, 5)) for _ in topics]
        offered_weights = [
            0 if rng.random() < 0.2 else rng.choice((1, 1, 1, 2, 3, 5)) for _ in topics
        ]
        spheres = {sphere.code: sphere for sphere in world.spheres}
        institutions: dict[tuple[str, str], list[Organization]] = defaultdict(list)
        for group in [*world.institutions_ua.values(), world.institutions_us]:
            for institution in group:
                key = (institution.country.code, institution.institution_type)
                institutions[key].append(institution)
        us_offices = [
            world.offices[f"gov-{r.code}"]
            for r in world.us_regions
            if f"gov-{r.code}" in world.offices
        ]
        posters: dict[int, list[Account]] = defaultdict(list)
        for account in world.accounts:
            if account.role in (Role.INSTITUTION, Role.REGIONAL, Role.PARTNER):
                posters[account.organization.pk].append(account)
        coordinators = self.by_role[Role.COORDINATOR]
        posts: list[Post] = []
        asked: list[engine.Topic] = []
        audit: list[tuple[User, str, Post, datetime, dict[str, str]]] = []
        kinds = [PostKind.NEED] * self.plan.needs + [PostKind.OFFER] * self.plan.offers
        for index, kind in enumerate(kinds):
            need = kind == PostKind.NEED
            topic = rng.choices(topics, weights=asked_weights if need else offered_weights)[0]
            # Whatever the scale, the first offers answer the first needs' topics (all of them
            # open, for every member).
            first = (index if need else index - self.plan.needs) < min(3, self.plan.needs)
            if need:
                asked.append(topic)
            elif first:
                topic = asked[index - self.plan.needs]
            ukrainian = rng.random() < (0.85 if need else 0.2)
            country = "UA" if ukrainian else "US"
            suited = [
                i for t in topic.institution_types for i in institutions.get((country, t), ())
            ]
            staffed = [i for i in suited if i.pk in posters]  # their own people post
            if suited and rng.random() < 0.75:
                organization = rng.choice(staffed if staffed and rng.random() < 0.4 else suited)
                region = organization.region
                institution_type = organization.institution_type
            else:
                region = rng.choice(world.ua_regions) if ukrainian else None
                organization = (
                    world.offices[f"rma-{region.code}"] if region else rng.choice(us_offices)
                )
                region = organization.region
                institution_type = (
                    rng.choice(topic.institution_types)
                    if topic.institution_types and rng.random() < 0.6
                    else ""
                )
            in_english = rng.random() < (
                0.1 if ukrainian else 0.5 if institution_type == "diaspora" else 0.9
            )
            language = "en" if in_english else "uk"
            title, description, scale, timing = self._post_text(rng, topic, need, language)
            author = (
                rng.choice(posters[organization.pk])
                if posters.get(organization.pk)
                else rng.choice(coordinators)  # a coordinator posts (or imports) for the others
            )
            joined = (author.user.date_joined - EPOCH).total_seconds() / 86400
            day = rng.uniform(max(20.0, joined), YEAR_DAYS - 1)
            status = _weighted(
                rng,
                {
                    PostStatus.OPEN: 76,
                    PostStatus.IN_TALKS: 12,
                    PostStatus.MET: 8,
                    PostStatus.CLOSED: 4,
                },
            )
            audience = Audience.PARTNERS if rng.random() < 0.15 else Audience.MEMBERS
            if first:
                status, audience = PostStatus.OPEN, Audience.MEMBERS
            chosen = [topic.code] if rng.random() < 0.6 else []
            related = sorted(tax.related.get(topic.code, ()))
            if chosen and related and rng.random() < 0.25:
                chosen.append(rng.choice(related))
            post = Post(
                kind=kind,
                title=title,
                description=description,
                language=services._language(title, description),
                sphere=spheres.get(rng.choice(topic.spheres)) if topic.spheres else None,
                topics=chosen,
                institution_type=institution_type,
                region=region,
                organization=organization,
                author=author.user,
                scale=scale,
                timing=timing,
                status=status,
                audience=audience,
                created_at=_at(day),
                updated_at=_at(day),
                revision=1,
                matched_revision=1,  # the worker has matched it (`_matches`)
            )
            if rng.random() < 0.1:
                post.sphere = None
            post.search_text = services.post_search_text(post)
            audit.append((author.user, f"{kind}.created", post, post.created_at, {}))
            if status != PostStatus.OPEN:  # post_set_status: a later change, one revision more
                post.updated_at = _at(min(day + rng.uniform(3, 90), YEAR_DAYS - 0.01))
                post.revision = post.matched_revision = 2
                changes = {"from": PostStatus.OPEN, "to": status}
                audit.append((author.user, f"{kind}.status", post, post.updated_at, changes))
            posts.append(post)
        self.progress.start("needs, offers", len(posts))
        _bulk(Post, posts, self.progress)
        self.progress.finish()
        for actor, action, post, at, changes in audit:
            world.audit.append(_audit(actor, action, post, at, **changes))
        self._matches(posts[0].pk, posts[-1].pk)

    @staticmethod
    def _post_text(
        rng: random.Random, topic: engine.Topic, need: bool, language: str
    ) -> tuple[str, str, str, str]:
        """(title, description, scale, timing) of a post on `topic` in `language`."""
        uk = language == "uk"
        terms = [topic.label(language), *(topic.synonyms_uk if uk else topic.synonyms_en)]
        term = rng.choice(terms)
        other = rng.choice([t for t in terms if t != term] or terms)
        if need:
            titles = words.NEED_TITLES_UK if uk else words.NEED_TITLES_EN
            leads = words.NEED_LEADS_UK if uk else words.NEED_LEADS_EN
            contexts = words.NEED_CONTEXT_UK if uk else words.NEED_CONTEXT_EN
        else:
            titles = words.OFFER_TITLES_UK if uk else words.OFFER_TITLES_EN
            leads = words.OFFER_LEADS_UK if uk else words.OFFER_LEADS_EN
            contexts = words.OFFER_CONTEXT_UK if uk else words.OFFER_CONTEXT_EN
        month = rng.choice(words.MONTHS_UK if uk else words.MONTHS_EN)
        numbers = {
            "n": rng.choice((10, 20, 30, 40, 50, 60, 80, 100, 120, 150, 200, 300, 500)),
            "m": rng.choice((5, 6, 7, 8, 10, 12, 15)),
            "k": rng.choice((6, 9, 12, 18) if need else (6, 8, 10, 12)),
            "month": month,
        }
        title = rng.choice(titles).format(term=term, Term=term[:1].upper() + term[1:])
        sentences = [
            rng.choice(leads).format(term=other),
            *(c.format(**numbers) for c in rng.sample(contexts, rng.randint(1, 2))),
        ]
        if need:
            scale = f"{numbers['n']} осіб на рік" if uk else f"{numbers['n']} people a year"
        else:
            scale = f"до {numbers['m']} фахівців" if uk else f"up to {numbers['m']} specialists"
        timing = f"у {month} 2025 р." if uk else f"from {month} 2025"
        if rng.random() < 0.3:
            scale, timing = ("", "") if rng.random() < 0.5 else (scale, "")
        return title[: services.TITLE_MAX], " ".join(sentences), scale, timing

    def _matches(self, first: int, last: int) -> None:
        """The suggestions the worker keeps for this run's open needs, computed in one batch as
        its run after an import does (`tasks._match`, whose helpers these are): one
        `engine.Matcher` over every open offer, the live ties as the partnership signal, each
        need's best among the offers its people could see (a partners-only offer only near its
        region), at or above the engine's threshold. Dated when the later post of the pair
        appeared; the strong ones count as told (they are history)."""
        offers = list(
            Post.objects.filter(kind=PostKind.OFFER, status=PostStatus.OPEN)
            .order_by("-created_at", "-id")  # the model's order, as the worker reads them
            .values(*tasks.FIELDS, "audience", "created_at")
        )
        needs = list(
            Post.objects.filter(
                kind=PostKind.NEED, status=PostStatus.OPEN, pk__gte=first, pk__lte=last
            )
            .order_by("pk")
            .values(*tasks.FIELDS, "created_at")
        )
        self.progress.start("matching", len(needs))
        if not needs or not offers:
            self.progress.finish()
            return
        shared = {str(row["pk"]) for row in offers if row["audience"] == Audience.MEMBERS}
        region_of = {str(row["pk"]): row["region_id"] for row in offers}
        created = {str(row["pk"]): row["created_at"] for row in offers}
        matcher = engine.Matcher(
            [tasks.doc(row) for row in offers], taxonomy.current(), tasks.partnered_regions()
        )
        near = tasks.near_regions()
        rows = []
        for start in range(0, len(needs), BATCH // 10):
            batch = needs[start : start + BATCH // 10]
            results = matcher.match_many([tasks.doc(row) for row in batch], top=tasks.TOP * 3)
            for row, result in zip(batch, results, strict=True):
                seen = near(row["region_id"])
                visible = [
                    s
                    for s in tasks.good(result)
                    if s.offer_id in shared or region_of[s.offer_id] in seen
                ]
                for suggestion in visible[: tasks.TOP]:
                    strong = tasks.is_strong(suggestion, result)
                    at = max(row["created_at"], created[suggestion.offer_id])
                    rows.append(
                        Match(
                            need_id=row["pk"],
                            offer_id=int(suggestion.offer_id),
                            score=round(float(suggestion.score), 4),
                            reasons=tasks.reasons_of(suggestion),
                            strong=strong,
                            computed_at=at,
                            strong_since=at if strong else None,
                            notified=strong,
                        )
                    )
            self.progress.advance(len(batch))
        self.progress.finish()
        self.progress.start("matches", len(rows))
        _bulk(Match, rows, self.progress)
        self.progress.finish()

    def _notifications(self) -> None:
        """What the year's work told people, as the workflows write it: being added to a thread
        (everyone but its creator) and being mentioned; read, but for the last week's."""
        unread_since = _at(YEAR_DAYS - 7)
        names = {
            a.user.pk: {"uk": a.user.get_full_name("uk"), "en": a.user.get_full_name("en")}
            for a in self.world.accounts
        }
        first, last = self.thread_range
        added = Participant.objects.filter(
            thread__gte=first, thread__lte=last, user__isnull=False
        ).exclude(user=models.F("added_by"))
        rows = [
            Notification(
                user_id=user_id,
                kind="thread.added",
                params={"thread": thread_id, "subject": subject, "by": names.get(by_id, "")},
                url=f"/messages/{thread_id}/",
                key=f"thread.added:{pk}",
                created_at=at,
                read=at < unread_since,
            )
            for pk, user_id, thread_id, subject, by_id, at in added.values_list(
                "pk", "user_id", "thread_id", "thread__subject", "added_by_id", "added_at"
            ).order_by("pk")
        ]
        mentions = Mention.objects.filter(message__thread__gte=first, message__thread__lte=last)
        rows += [
            Notification(
                user_id=user_id,
                kind="message.mentioned",
                params={
                    "thread": thread_id,
                    "message": message_id,
                    "subject": subject,
                    "by": names.get(by_id, ""),
                },
                url=f"/messages/{thread_id}/#message-{message_id}",
                key=f"message.mentioned:{message_id}",
                created_at=at,
                read=at < unread_since,
            )
            for user_id, message_id, thread_id, subject, by_id, at in mentions.values_list(
                "user_id",
                "message_id",
                "message__thread_id",
                "message__thread__subject",
                "message__author_id",
                "message__created_at",
            ).order_by("pk")
        ]
        self.progress.start("notifications", len(rows))
        _bulk(Notification, rows, self.progress)
        self.progress.finish()

    def _tokens(self) -> None:
        rng, world = self.rng, self.world
        tokens = []
        for index, account in enumerate(world.accounts):
            if index % 10:
                continue
            plain = f"rb_{rng.getrandbits(256):064x}"
            created = account.user.date_joined + timedelta(days=rng.randint(1, 30))
            tokens.append(
                ApiToken(
                    user=account.user,
                    name=rng.choice(["reporting script", "sync", "dashboard"]),
                    prefix=plain[:10],
                    digest=hashlib.sha256(plain.encode()).hexdigest(),
                    created_at=created,
                    last_used_at=created + timedelta(days=rng.randint(0, 200)),
                    revoked_at=created + timedelta(days=200) if rng.random() < 0.1 else None,
                    expires_on=(created + timedelta(days=365)).date()
                    if rng.random() < 0.5
                    else None,
                    read_only=rng.random() < 0.3,
                )
            )
        ApiToken.objects.bulk_create(tokens, batch_size=BATCH)
        for token in tokens:
            world.audit.append(
                _audit(
                    token.user, "token.issued", token, token.created_at, read_only=token.read_only
                )
            )


def sample_accounts(run: int = 1) -> list[str]:
    """The first account of each role of a run: handy for signing in to a generated database."""
    suffix = "" if run == 1 else f".r{run}"
    return [f"{role}-1{suffix}@{GENERATED_DOMAIN}" for role in Role.values]


__all__ = [
    "GENERATED_DOMAIN",
    "GENERATED_PASSWORD",
    "GenerateRefused",
    "Plan",
    "Progress",
    "generate",
    "sample_accounts",
]
