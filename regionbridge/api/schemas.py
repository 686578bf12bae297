from datetime import date
from typing import Annotated, Any

from django.utils import timezone
from ninja import Field, Schema
from ninja.errors import ValidationError
from pydantic import AfterValidator

from regionbridge.lib import files
from regionbridge.lib.i18n import by_script, has_bidi_controls
from regionbridge.partnerships.forms import FUTURE_DAY
from regionbridge.partnerships.models import EARLIEST_DATE, LATEST_DATE

# A date the registry takes (1950-01-01 … 2100-12-31): 9999-12-31 is a 422, not a stored typo.
DATE_RANGE = f"From {EARLIEST_DATE.isoformat()} to {LATEST_DATE.isoformat()}."
RegistryDate = Annotated[
    date, Field(ge=EARLIEST_DATE, le=LATEST_DATE, json_schema_extra={"description": DATE_RANGE})
]


def refuse_future(user, as_of: date | None) -> None:
    """A day to come is refused (422), as the pages refuse it: its figures are not known, and
    today's under tomorrow's date would mislead. "Today" is where the caller is (the API reads
    its token after the middleware that sets the pages' time zone)."""
    with timezone.override(user.timezone):
        today = timezone.localdate()
    if as_of is not None and as_of > today:
        raise ValidationError([{"loc": ["query", "as_of"], "msg": str(FUTURE_DAY)}])


def _no_bidi_controls(value: str | None) -> str | None:
    if value and has_bidi_controls(value):
        raise ValueError("Remove the characters that change the direction of the text.")
    return value


def Text(max_length: int, **kwargs: Any) -> Any:
    """A text field of a bilingual value: at most `max_length`, no direction overrides."""
    return Annotated[str, Field(max_length=max_length, **kwargs), AfterValidator(_no_bidi_controls)]


def bilingual_input(data: dict[str, Any], *stems: str) -> dict[str, Any]:
    """`<stem>_uk` and `<stem>_en` from an input, for each stem: as given, or, from the old
    single field `<stem>` (still accepted, so scripts keep working), by its letters (Cyrillic:
    Ukrainian, otherwise English), as the data migration moved stored values. Fields not sent
    (None) stay out; the single field leaves out too."""
    names = {f"{stem}{suffix}" for stem in stems for suffix in ("", "_uk", "_en")}
    result = {key: value for key, value in data.items() if value is not None or key not in names}
    for stem in stems:
        single = result.pop(stem, None)
        if single is None:
            continue
        uk, en = by_script(single.strip())
        result.setdefault(f"{stem}_uk", uk)
        result.setdefault(f"{stem}_en", en)
    return result


class Message(Schema):
    """Every error the API answers: a JSON object with a human-readable `message`."""

    message: str


class Refusal(Message):
    """400: the request was refused as it stands; a domain rule's reasons are in `errors`."""

    errors: list[str] = []


class FieldError(Schema):
    loc: list[str]
    msg: str


class InvalidInput(Message):
    """422: the input does not fit the schema; each entry says where (`loc`) and why."""

    errors: list[FieldError]


class CountryOut(Schema):
    code: str
    name_en: str
    name_uk: str


class RegionOut(Schema):
    code: str
    country: str
    kind: str
    iso_type: str
    name_en: str
    name_uk: str
    aliases: list[str]
    timezone: str
    parent: str | None

    @staticmethod
    def resolve_country(obj) -> str:
        return obj.country.code

    @staticmethod
    def resolve_aliases(obj) -> list[str]:
        return obj.alias_list

    @staticmethod
    def resolve_parent(obj) -> str | None:
        return obj.parent.code if obj.parent_id else None


class OrganizationRef(Schema):
    id: int
    name_en: str
    name_uk: str


class OrganizationOut(Schema):
    id: int
    key: str | None
    kind: str
    name_en: str
    name_uk: str
    short_name_en: str
    short_name_uk: str
    country: str
    region: str | None
    parent_id: int | None
    website: str
    is_demo: bool

    @staticmethod
    def resolve_country(obj) -> str:
        return obj.country.code

    @staticmethod
    def resolve_region(obj) -> str | None:
        return obj.region.code if obj.region_id else None


class ContactOut(Schema):
    kind: str
    value: str
    note: str


class PersonOut(Schema):
    id: int
    name_en: str
    name_uk: str
    title_en: str
    title_uk: str
    organization: OrganizationRef
    region: str | None
    languages: list[str]
    timezone: str
    is_demo: bool
    contacts: list[ContactOut]

    @staticmethod
    def resolve_region(obj) -> str | None:
        region = obj.organization.region
        return region.code if region else None

    @staticmethod
    def resolve_languages(obj) -> list[str]:
        return obj.language_list

    @staticmethod
    def resolve_contacts(obj) -> list:
        return obj.visible_contacts


class RoleOut(Schema):
    role: str
    region: str | None
    organization_id: int | None

    @staticmethod
    def resolve_region(obj) -> str | None:
        return obj.region.code if obj.region_id else None


class MeOut(Schema):
    email: str
    full_name: str
    full_name_uk: str
    full_name_en: str
    language: str
    timezone: str
    roles: list[RoleOut]


class AuditOut(Schema):
    id: int
    at: str
    actor: str
    action: str
    target_type: str
    target_id: str
    target_label: str
    changes: dict
    source: str

    @staticmethod
    def resolve_at(obj) -> str:
        return obj.at.isoformat()

    @staticmethod
    def resolve_actor(obj) -> str:
        return obj.actor_label


# A stored upload sent back (`lib.files.download`): the type it was checked as, as an attachment.
DOWNLOAD = {
    "responses": {
        200: {
            "description": "The file, as an attachment.",
            "content": {
                content_type: {"schema": {"type": "string", "format": "binary"}}
                for content_type in (files.PDF, files.DOCX, files.ODT)
            },
        }
    }
}
