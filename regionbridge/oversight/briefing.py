"""The briefing for the Presidential Office: one or two pages of PDF, in Ukrainian or English,
with the figures, what changed since a date, the stalled negotiations, what comes next and the
picture of ties (decision 0011).

Everything in it is read from the viewer's own part (`oversight.part`, within the policy), so a
briefing holds nothing its reader may not see on the pages. The texts are composed here, in the
reader's language; `templates/oversight/briefing.typ` only lays them out. The data reaches Typst
as JSON (`sys.inputs`), never as markup, so no name can turn into Typst code.

The same data gives the same bytes: no creation date, no clock read; fonts are the ones shipped
in `fonts/` (DejaVu Sans, with Cyrillic), never the machine's.
"""

import json
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import typst
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, QuerySet
from django.utils import formats, timezone, translation
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from regionbridge import policy
from regionbridge.accounts.models import Role
from regionbridge.core import results
from regionbridge.oversight import selectors
from regionbridge.oversight.part import overseen_partnerships, oversees_everything
from regionbridge.partnerships.forms import FUTURE_DAY
from regionbridge.partnerships.models import (
    EARLIEST_DATE,
    LATEST_DATE,
    Partnership,
    PartnershipEvent,
)
from regionbridge.regions.models import Country, Region

LANGUAGES = ("uk", "en")
DEFAULT_SINCE_DAYS = 7
# Lines of each list; when the briefing would run past MAX_PAGES, fewer (then "and K more").
LIST_LINES = (8, 5, 3)
MAX_PAGES = 2
COMING_DAYS = 60  # "what comes next": the next two months

HERE = Path(__file__).resolve().parent
FONTS = HERE / "fonts"
TEMPLATE = HERE / "templates" / "oversight" / "briefing.typ"


# --- the request ----------------------------------------------------------------------------


def check_dates(*, as_of: date, since: date, today: date | None = None) -> None:
    """A briefing covers a real span: both days within the registry's dates, `as_of` not after
    `today` (the reader's; the active time zone's when not given: the future is not known, and
    its figures would be today's under tomorrow's date), `since` on or before `as_of`. Refused
    with a ValidationError whose codes name the field."""
    if not EARLIEST_DATE <= as_of <= LATEST_DATE:
        raise ValidationError(
            _("The date of the briefing must be from %(first)s to %(last)s.")
            % {"first": EARLIEST_DATE.isoformat(), "last": LATEST_DATE.isoformat()},
            code="as_of",
        )
    if as_of > (today or timezone.localdate()):
        raise ValidationError(str(FUTURE_DAY), code="as_of")
    if not EARLIEST_DATE <= since <= LATEST_DATE:
        raise ValidationError(
            _("The start of the changes must be from %(first)s to %(last)s.")
            % {"first": EARLIEST_DATE.isoformat(), "last": LATEST_DATE.isoformat()},
            code="since",
        )
    if since > as_of:
        raise ValidationError(
            _("The changes must start on or before the date of the briefing."), code="since"
        )


def default_since(as_of: date) -> date:
    """A week before `as_of` (never before the registry's first day)."""
    return max(as_of - timedelta(days=DEFAULT_SINCE_DAYS), EARLIEST_DATE)


def filename(*, language: str, as_of: date) -> str:
    return f"briefing-{as_of.isoformat()}-{language}.pdf"


# --- what it says ---------------------------------------------------------------------------


@dataclass
class Line:
    """One line of a list: `when` (a date, already written out) and what happened."""

    text: str
    when: str = ""


@dataclass
class Listing:
    """A list the briefing cuts to a few lines: `lines` in order, `total` however many."""

    lines: list[Line]
    total: int


@dataclass
class Facts:
    """What the briefing reports, read from the viewer's part; texts in the reader's language.

    The one place where the oversight selectors meet the briefing (`_facts`): the layout below
    takes only this."""

    part: str  # whose picture: "every partnership you may see", "Zhytomyr Oblast"
    figures: list[tuple[str, int, int]]  # (label, on as_of, on since)
    changes: Listing
    stalled: Listing
    coming: Listing
    regions: list[tuple[str, list[int]]] = field(default_factory=list)  # (region, figures)
    region_columns: list[str] = field(default_factory=list)


def _day(day: date) -> str:
    return formats.date_format(day, "j E Y")


def _short(day: date) -> str:
    return formats.date_format(day, "j E")


def _numeric(day: date) -> str:
    return formats.date_format(day, "d.m.Y")


def _tie(partnership: Any) -> str:
    return f"{partnership.ukrainian_region.name} – {partnership.partner_display}"


def _part_name(user: Any) -> str:
    """Whose picture the briefing is: everything the reader may see, or their region's part."""
    scope = policy.scope_of(user)
    if oversees_everything(user):
        return _("Every partnership you may see")
    if Role.EMBASSY in scope.roles and scope.host_country_ids:
        names = Country.objects.filter(pk__in=scope.host_country_ids).order_by("code")
        return _("Ties with %(countries)s") % {
            "countries": ", ".join(country.name for country in names)
        }
    regions = Region.objects.filter(pk__in=scope.region_ids).order_by("code")
    return ", ".join(region.name for region in regions)


def _facts(user: Any, *, as_of: date, since: date) -> Facts:
    """The briefing's facts: the dashboard's reads (`oversight.selectors`), and the events of
    the period, all from the viewer's part."""
    figures = selectors.figures(user, as_of=as_of, since=since)
    table = selectors.region_rows(user, as_of=as_of)
    return Facts(
        part=_part_name(user),
        figures=[
            *((capfirst(f.label), f.now, f.then) for f in figures.total.figures),
            (_("All ties"), figures.total.now, figures.total.then),
        ],
        changes=_changes(overseen_partnerships(user), as_of=as_of, since=since),
        stalled=_stalled(
            selectors.stalled(user, as_of=as_of, limit=LIST_LINES[0]) if table.stalled else [],
            table.stalled,
        ),
        coming=_coming(
            selectors.upcoming(user, as_of=as_of, days=COMING_DAYS),
            selectors.clearance_waits(user, as_of=as_of),
        ),
        regions=[
            (
                row.name,
                [row.ties, row.signed, row.stalled, row.overdue],
            )
            for row in sorted(table.regions, key=lambda row: -row.ties)
        ],
        region_columns=[
            _("Ties"),
            _("Signed"),
            _("Stalled"),
            _("Overdue"),
        ],
    )


def _changes(part: QuerySet[Partnership], *, as_of: date, since: date) -> Listing:
    """The events of the period (after `since`, up to `as_of`), the latest first."""
    events = PartnershipEvent.objects.filter(
        partnership__in=part.values("pk"), occurred_on__gt=since, occurred_on__lte=as_of
    )
    shown = events.select_related(
        "partnership__ukrainian_region", "partnership__partner_region"
    ).order_by("-occurred_on", "-id")[: LIST_LINES[0]]
    lines = [
        Line(f"{_tie(event.partnership)}: {event.get_kind_display()}", _short(event.occurred_on))
        for event in shown
    ]
    return Listing(lines, events.count())


def _stalled(rows: list[selectors.TieRow], count: int) -> Listing:
    lines = []
    for tie in rows[: LIST_LINES[0]]:
        idle = tie.days_idle or 0
        text = ngettext(
            "%(tie)s: %(stage)s, no contact for %(days)s day",
            "%(tie)s: %(stage)s, no contact for %(days)s days",
            idle,
        ) % {"tie": f"{tie.region} – {tie.partner}", "stage": tie.stage_label, "days": idle}
        lines.append(Line(text))
    return Listing(lines, count)


def _coming(coming: selectors.Upcoming, waits: selectors.ClearanceWaits) -> Listing:
    """One dated list of what comes next (meetings, next steps due, instruments running out),
    then the signings awaited and the drafts each ministry has to decide on."""
    dated: list[tuple[date, str]] = []
    for meeting in coming.meetings:
        day = timezone.localdate(meeting.starts_at)
        text = _("meeting “%(title)s”") % {"title": meeting.title}
        dated.append((day, f"{_tie(meeting.partnership)}: {text}"))
    for row in coming.next_steps:
        if row.next_step_due:
            dated.append((row.next_step_due, f"{row.region} – {row.partner}: {row.next_step}"))
    for document in coming.renewals:
        dated.append(
            (
                document.valid_until,
                _("%(tie)s: %(document)s runs out")
                % {"tie": _tie(document.partnership), "document": _document(document)},
            )
        )
    dated.sort(key=lambda item: item[0])
    lines = [Line(text, _short(day)) for day, text in dated]
    for document in coming.signings:
        lines.append(
            Line(
                ngettext(
                    "%(tie)s: %(document)s cleared, awaiting signature for %(days)s day",
                    "%(tie)s: %(document)s cleared, awaiting signature for %(days)s days",
                    document.waited,
                )
                % {
                    "tie": _tie(document.partnership),
                    "document": _document(document),
                    "days": document.waited,
                }
            )
        )
    for wait in waits.ministries:
        if wait.count:
            lines.append(
                Line(
                    ngettext(
                        "%(ministry)s: %(count)s draft to decide on, the oldest waiting "
                        "%(days)s days",
                        "%(ministry)s: %(count)s drafts to decide on, the oldest waiting "
                        "%(days)s days",
                        wait.count,
                    )
                    % {
                        "ministry": wait.ministry.short_name,
                        "count": wait.count,
                        "days": wait.longest,
                    }
                )
            )
    total = (
        coming.meetings_count
        + coming.next_steps_count
        + coming.renewals_count
        + coming.signings_count
        + sum(1 for wait in waits.ministries if wait.count)
    )
    # The selectors list a few of each kind; the first lines of the merged list are complete
    # up to the shortest of them.
    return Listing(lines, max(total, len(lines)))


def _document(document: Any) -> str:
    return document.title or document.get_kind_display()


def _ties_picture(user: Any, *, language: str, as_of: date) -> str:
    """The picture of ties (SVG) of the viewer's part with its main partner country, or ""
    when it has no tie abroad to draw."""
    try:
        from regionbridge.oversight.ties import ties_svg
    except ImportError:  # the picture's module is not there yet
        return ""
    part = overseen_partnerships(user)
    country = _picture_country(user, part)
    if country is None:
        return ""
    return str(ties_svg(part, country, language=language, as_of=as_of))


def _picture_country(user: Any, part: QuerySet[Partnership]) -> Country | None:
    """The partner country the picture draws: the embassy's host country, else the country of
    most of the viewer's ties (the first by code when two have as many)."""
    scope = policy.scope_of(user)
    if Role.EMBASSY in scope.roles and scope.host_country_ids and not oversees_everything(user):
        return Country.objects.filter(pk__in=scope.host_country_ids).order_by("code").first()
    most = (
        part.exclude(partner_region__country__code="UA")
        .order_by()
        .values("partner_region__country")
        .annotate(n=Count("pk"))
        .order_by("-n", "partner_region__country__code")
        .values_list("partner_region__country", flat=True)
        .first()
    )
    return Country.objects.filter(pk=most).first() if most else None


# --- the document ---------------------------------------------------------------------------


def _listing(listing: Listing, lines: int, *, empty: str) -> dict:
    shown = listing.lines[:lines]
    more = listing.total - len(shown)
    return {
        "items": [{"when": line.when, "text": line.text} for line in shown],
        "more": _more(more),
        "empty": empty,
    }


def content(facts: Facts, *, language: str, as_of: date, since: date, lines: int) -> dict:
    """The document's texts and numbers, ready for the template (plain JSON)."""
    figures = {
        "columns": [_("Stage"), _numeric(since), _numeric(as_of), _("Difference")],
        "rows": [
            [label, str(then), str(now), _change(now - then)] for label, now, then in facts.figures
        ],
    }
    regions = {
        "columns": [_("Region"), *facts.region_columns],
        "rows": [[name, *map(str, values)] for name, values in facts.regions[: lines + 4]],
        "more": _more(len(facts.regions) - (lines + 4)),
    }
    return {
        "lang": language,
        "title": _("Briefing on regional partnerships"),
        "subtitle": _("As of %(as_of)s; changes since %(since)s")
        % {"as_of": _day(as_of), "since": _day(since)},
        "part": facts.part,
        "footer": _("Region Bridge · briefing as of %(as_of)s") % {"as_of": as_of.isoformat()},
        "figures_heading": _("The figures"),
        "figures": figures,
        "regions_heading": _("By region"),
        "regions": regions if facts.regions else None,
        "changes_heading": _("What changed since %(since)s") % {"since": _day(since)},
        "changes": _listing(facts.changes, lines, empty=_("Nothing changed in this period.")),
        "stalled_heading": _("Stalled negotiations"),
        "stalled": _listing(facts.stalled, lines, empty=_("No negotiation has stalled.")),
        "coming_heading": _("What comes next"),
        "coming": _listing(facts.coming, lines, empty=_("Nothing is planned.")),
        "picture_heading": _("The picture of ties"),
        "picture_missing": _("The picture of ties is not available."),
    }


def _change(difference: int) -> str:
    """+2, −1 (a true minus sign) or 0."""
    return f"{difference:+d}".replace("-", "\u2212") if difference else "0"


def _more(count: int) -> str:
    if count <= 0:
        return ""
    return ngettext("and %(count)s more", "and %(count)s more", count) % {"count": count}


class _Typesetter:
    """Typst with the shipped fonts only, and no packages: the compiler reads nothing but the
    template and what it is given."""

    def compiler(self, inputs: dict[str, str]) -> typst.Compiler:
        return typst.Compiler(
            str(TEMPLATE),
            root=str(TEMPLATE.parent),
            font_paths=[str(FONTS)],
            ignore_system_fonts=True,
            sys_inputs=inputs,
        )

    def pages(self, compiler: typst.Compiler) -> int:
        return int(json.loads(compiler.query("<last-page>", field="value", one=True)))

    def pdf(self, compiler: typst.Compiler) -> bytes:
        out = compiler.compile(format="pdf", pdf_tags=True)
        assert isinstance(out, bytes)
        return out


def typeset(document: dict, picture: str) -> tuple[bytes, int]:
    """The PDF of one document and its number of pages."""
    setter = _Typesetter()
    compiler = setter.compiler(
        {"data": json.dumps(document, ensure_ascii=False, sort_keys=True), "picture": picture}
    )
    return setter.pdf(compiler), setter.pages(compiler)


def render(
    facts: Facts, picture: str, *, language: str, as_of: date, since: date
) -> tuple[bytes, int]:
    """The briefing's PDF: as many lines a list as fit in MAX_PAGES (then "and K more")."""
    with translation.override(language):
        for lines in LIST_LINES:
            document = content(facts, language=language, as_of=as_of, since=since, lines=lines)
            pdf, pages = typeset(document, picture)
            if pages <= MAX_PAGES:
                break
    return pdf, pages


def briefing_pdf(user: Any, *, language: str, as_of: date, since: date) -> bytes:
    """The briefing `user` may have, in `language` (uk or en), as of `as_of` with the changes
    since `since`: coordinators, ministries and the embassy the whole picture they may see,
    a region's staff their region's part, anyone else PermissionDenied."""
    if not policy.can(user, policy.Action.BRIEFING_VIEW):
        raise PermissionDenied
    if language not in LANGUAGES:
        raise ValidationError(_("Choose Ukrainian or English."), code="lang")
    with timezone.override(user.timezone):
        check_dates(as_of=as_of, since=since, today=timezone.localdate())
    # In the reader's language and time zone, whichever door asks (a meeting's day is theirs);
    # typeset once while the data under it is unchanged (decision 0013).
    with translation.override(language), timezone.override(user.timezone):
        today = timezone.localdate()
        return results.remember(
            "oversight.briefing",
            (results.viewer(user), as_of, since, today),
            lambda: _briefing(user, language=language, as_of=as_of, since=since),
        )


def _briefing(user: Any, *, language: str, as_of: date, since: date) -> bytes:
    facts = _facts(user, as_of=as_of, since=since)
    picture = _ties_picture(user, language=language, as_of=as_of)
    pdf, _pages = render(facts, picture, language=language, as_of=as_of, since=since)
    return pdf
