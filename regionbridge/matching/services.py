"""Needs and offers: the only way they are posted, changed and connected.

Each function asks the policy itself, checks its input (lengths, control characters, codes that
exist), writes in one transaction, audits, and asks the worker to recompute the post's matches
after commit (`tasks.recompute_matches`: a run matches every post changed since the last, so a
burst of changes costs one or two runs): a page view never matches anything.
"""

import unicodedata
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from regionbridge import policy
from regionbridge.audit.services import audit_record
from regionbridge.lib.i18n import has_bidi_controls
from regionbridge.lib.text import search_blob
from regionbridge.matching import engine, taxonomy
from regionbridge.matching.models import (
    Audience,
    Connection,
    Post,
    PostKind,
    PostStatus,
)
from regionbridge.messaging import services as messaging
from regionbridge.organizations.models import InstitutionType, Organization
from regionbridge.partnerships.models import Sphere
from regionbridge.regions.models import Region

TITLE_MAX = 200
DESCRIPTION_MAX = 5000
SHORT_MAX = 200  # scale, timing
TOPICS_MAX = 20
# Fields a change may touch (status has its own function, which post_update also calls).
EDITABLE = (
    "title",
    "description",
    "sphere",
    "topics",
    "institution_type",
    "region",
    "organization",
    "scale",
    "timing",
    "audience",
)


# --- checks -----------------------------------------------------------------------------------


def clean_text(value: Any, what: str, limit: int, *, lines: bool = False) -> str:
    """Stripped text within `limit`. Refused: what is not text, control characters (line breaks
    and tabs allowed where `lines`), and the invisible direction overrides that make a text
    read differently from what it holds."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValidationError(_("The %(what)s must be text.") % {"what": what})
    value = value.replace("\r\n", "\n").replace("\r", "\n").strip()
    allowed = "\n\t" if lines else ""
    if has_bidi_controls(value) or any(
        unicodedata.category(char) == "Cc" and char not in allowed for char in value
    ):
        raise ValidationError(
            _("The %(what)s contains a character that is not allowed.") % {"what": what}
        )
    if len(value) > limit:
        raise ValidationError(
            _("The %(what)s can have at most %(limit)s characters.")
            % {"what": what, "limit": limit}
        )
    return value


def topic_codes() -> set[str]:
    """The codes of the current taxonomy's topics."""
    return {str(entry.get("code")) for entry in taxonomy.export().get("topics", [])}


def _clean_topics(topics: Any) -> list[str]:
    if topics is None:
        return []
    if isinstance(topics, str) or not isinstance(topics, Iterable):
        raise ValidationError(_("Give the topics as a list of codes."))
    codes = list(dict.fromkeys(str(code).strip() for code in topics))
    codes = [code for code in codes if code]
    if len(codes) > TOPICS_MAX:
        raise ValidationError(_("Choose at most %(limit)s topics.") % {"limit": TOPICS_MAX})
    unknown = sorted(set(codes) - topic_codes())
    if unknown:
        raise ValidationError(
            _("Unknown topic: %(codes)s") % {"codes": ", ".join(code[:60] for code in unknown)}
        )
    return codes


def _check_choice(value: Any, choices: Any, message: str) -> str:
    value = "" if value is None else value
    if not isinstance(value, str) or value not in choices:
        raise ValidationError(message)
    return value


def _check_fields(fields: dict[str, Any]) -> dict[str, Any]:
    """Every field of a post checked and normalized; a ValidationError names the first problem."""
    clean = dict(fields)
    clean["title"] = clean_text(fields["title"], _("title"), TITLE_MAX)
    if not clean["title"]:
        raise ValidationError(_("Give it a title."))
    clean["description"] = clean_text(
        fields["description"], _("description"), DESCRIPTION_MAX, lines=True
    )
    if not clean["description"]:
        raise ValidationError(_("Describe it: what, for whom, how much."))
    if fields["sphere"] is not None and not isinstance(fields["sphere"], Sphere):
        raise ValidationError(_("Unknown sphere."))
    if not isinstance(fields["region"], Region):
        raise ValidationError(_("Choose the region it is about."))
    if not isinstance(fields["organization"], Organization):
        raise ValidationError(_("Choose the organization it is posted for."))
    clean["topics"] = _clean_topics(fields["topics"])
    clean["institution_type"] = _check_choice(
        fields["institution_type"],
        ("", *InstitutionType.values),
        _("Unknown type of institution."),
    )
    clean["scale"] = clean_text(fields["scale"], _("scale"), SHORT_MAX)
    clean["timing"] = clean_text(fields["timing"], _("timing"), SHORT_MAX)
    clean["audience"] = _check_choice(
        fields["audience"], Audience.values, _("Choose who may see it.")
    )
    return clean


def _language(title: str, description: str) -> str:
    return engine.detect_language(f"{title}\n{description}")


def post_search_text(post: Post) -> str:
    """What the list's text search reads: the words of the post, its organization and region."""
    organization, region = post.organization, post.region
    return search_blob(
        post.title,
        post.description,
        organization.name_uk,
        organization.name_en,
        organization.short_name_uk,
        organization.short_name_en,
        region.search_text,
    )


def _recompute_on_commit(post: Post) -> None:
    from regionbridge.matching import tasks

    post_id, revision = post.pk, post.revision
    transaction.on_commit(lambda: tasks.recompute_matches.enqueue(post_id, revision))


# --- posts ------------------------------------------------------------------------------------


def can_post_for(user: Any) -> QuerySet[Organization]:
    """The organizations `user` may post needs and offers for (the policy's rule)."""
    return policy.post_organizations(user)


@transaction.atomic
def post_create(
    *,
    by: Any,
    kind: str,
    title: str,
    description: str,
    region: Region,
    organization: Organization,
    sphere: Sphere | None = None,
    topics: Iterable[str] = (),
    institution_type: str = "",
    scale: str = "",
    timing: str = "",
    audience: str = Audience.MEMBERS,
) -> Post:
    """Post a need or an offer for `organization` (one the author may post for); its language
    is detected from its text; its matches follow from the worker."""
    kind = _check_choice(kind, PostKind.values, _("A post is a need or an offer."))
    if not isinstance(organization, Organization):
        raise ValidationError(_("Choose the organization it is posted for."))
    policy.require(by, policy.Action.POST_CREATE, organization)
    fields = _check_fields(
        {
            "title": title,
            "description": description,
            "sphere": sphere,
            "topics": topics,
            "institution_type": institution_type,
            "region": region,
            "organization": organization,
            "scale": scale,
            "timing": timing,
            "audience": audience,
        }
    )
    post = Post(
        kind=kind,
        language=_language(fields["title"], fields["description"]),
        author=by if getattr(by, "pk", None) is not None else None,
        revision=1,
        **fields,
    )
    post.search_text = post_search_text(post)
    post.save()
    audit_record(actor=by, action=f"{kind}.created", target=post)
    _recompute_on_commit(post)
    return post


@transaction.atomic
def post_update(*, by: Any, post: Post, **changes: Any) -> Post:
    """Change a post's fields (those in EDITABLE; `status` goes through `post_set_status`).
    Moving it to another organization needs the right to post for that one."""
    unknown = set(changes) - {*EDITABLE, "status"}
    if unknown:
        raise ValidationError(
            _("These fields cannot be changed: %(fields)s") % {"fields": ", ".join(sorted(unknown))}
        )
    policy.require(by, policy.Action.POST_EDIT, post)
    status = changes.pop("status", None)
    post = Post.objects.select_for_update().get(pk=post.pk)
    fields = {name: getattr(post, name) for name in EDITABLE}
    fields.update(changes)
    organization = fields["organization"]
    if isinstance(organization, Organization) and organization.pk != post.organization_id:
        policy.require(by, policy.Action.POST_CREATE, organization)
    clean = _check_fields(fields)
    changed = {name: clean[name] for name in EDITABLE if clean[name] != getattr(post, name)}
    if changed:
        for name, value in changed.items():
            setattr(post, name, value)
        post.language = _language(post.title, post.description)
        post.search_text = post_search_text(post)
        post.updated_at = timezone.now()
        post.revision += 1
        post.save()
        audit_record(
            actor=by,
            action=f"{post.kind}.changed",
            target=post,
            changes={name: str(value)[:200] for name, value in changed.items()},
        )
        _recompute_on_commit(post)
    if status is not None:
        post = post_set_status(by=by, post=post, status=status)
    return post


@transaction.atomic
def post_set_status(*, by: Any, post: Post, status: str) -> Post:
    """Open, in talks, met or closed. A post no longer open drops out of everyone's suggestions
    (the worker deletes its matches); reopened, it is matched again."""
    status = _check_choice(status, PostStatus.values, _("Unknown status."))
    policy.require(by, policy.Action.POST_EDIT, post)
    post = Post.objects.select_for_update().get(pk=post.pk)
    if post.status == status:
        return post
    before = post.status
    post.status = status
    post.updated_at = timezone.now()
    post.revision += 1
    post.save(update_fields=["status", "updated_at", "revision"])
    audit_record(
        actor=by, action=f"{post.kind}.status", target=post, changes={"from": before, "to": status}
    )
    _recompute_on_commit(post)
    return post


# --- connecting a need with an offer ----------------------------------------------------------


def _link(post: Post) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("matching:detail", args=[post.pk])


def _first_message(need: Post, offer: Post) -> str:
    """The thread's first message, in both languages: both sides read it."""

    def title(post: Post) -> str:
        return post.title.replace("[", "(").replace("]", ")")

    return (
        f"Потреба / Need: [{title(need)}]({_link(need)})\n\n"
        f"Пропозиція / Offer: [{title(offer)}]({_link(offer)})"
    )


def connect(*, by: Any, need: Post, offer: Post) -> Connection:
    """Open a thread between the need's and the offer's organizations, its first message linking
    both posts; connecting the same pair again returns the same thread."""
    if not (
        isinstance(need, Post)
        and isinstance(offer, Post)
        and need.kind == PostKind.NEED
        and offer.kind == PostKind.OFFER
    ):
        raise ValidationError(_("Connect a need with an offer."))
    if by is None or not policy.can(by, policy.Action.POST_CONNECT, (need, offer)):
        raise PermissionDenied(_("You may not do this."))
    existing = Connection.objects.select_related("thread").filter(need=need, offer=offer).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            organizations = list(
                {
                    need.organization_id: need.organization,
                    offer.organization_id: offer.organization,
                }.values()
            )
            thread = messaging.thread_create(
                by=by,
                subject=f"{need.title} ↔ {offer.title}"[:200],
                organizations=organizations,
                body=_first_message(need, offer),
            )
            connection = Connection.objects.create(need=need, offer=offer, thread=thread, by=by)
            audit_record(
                actor=by, action="match.connected", target=need, changes={"offer": offer.pk}
            )
    except IntegrityError:  # the other side connected the same pair at the same moment
        return Connection.objects.select_related("thread").get(need=need, offer=offer)
    return connection
