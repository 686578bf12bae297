from ninja import Schema


class Message(Schema):
    message: str


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
