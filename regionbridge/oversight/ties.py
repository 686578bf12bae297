"""The picture of ties: Ukraine's regions and a partner country's side by side as tile-grid
maps, a line for each tie, coloured and patterned by its stage, drawn as SVG on the server.

One function serves every door: the overseers' page and the API (`overseen_partnerships`), a
region's page (what its viewer may see of that region's ties) and the public registry (signed,
non-confidential ties). They differ only in the queryset they give; whatever it leaves out is in
no tile, line, title or list.

The maps are data (`data/tiles.json`): one tile per region in its rough geographic place, for
Ukraine's 27 subdivisions and the US's 50 states and DC. A partner region outside the layout (a
territory with a tie) gets a tile on an extra row; a country without a layout gets a plain grid
of its regions that have ties, by name. Each picture comes in two shapes: `wide` (the maps side
by side) and `tall` (stacked, for a phone's 360 px), both with a viewBox so they scale.

Colour is never the only sign of a stage: each has its own dash pattern and width, named in the
legend; each tile's `<title>` names its ties (hover), each tile with ties is a link (tap), and
the list under the picture says the same in words.
"""

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from functools import cache, cached_property
from pathlib import Path
from urllib.parse import quote

from django.db.models import Count, Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from regionbridge.lib.collation import name_order
from regionbridge.lib.i18n import pick, reader_language
from regionbridge.partnerships.lifecycle import Stage
from regionbridge.partnerships.models import PartnerKind, Partnership
from regionbridge.partnerships.selectors import with_state_on
from regionbridge.regions.models import Country, Region

UKRAINE = "UA"
TILES_FILE = Path(__file__).parent / "data" / "tiles.json"
TITLE_TIES = 8  # regions on the other side named in a tile's tooltip
DENSE_PAIRS = 400  # past this many lines, tooltips give only the counts (the page stays light)
LIST_TIES = 12  # and in a region's entry in the list under the picture


@dataclass(frozen=True)
class Look:
    """How a stage's lines look: colour, width and dash pattern (never colour alone)."""

    colour: str
    width: float
    dashes: str  # stroke-dasharray; "" is a solid line


# Dark enough for 3:1 against white; told apart without colour by width and pattern.
LOOKS: dict[str, Look] = {
    Stage.EXPLORING: Look("#8a5300", 2, "1 4"),
    Stage.NEGOTIATING: Look("#a1005a", 2, "8 4"),
    Stage.MEMORANDUM_SIGNED: Look("#00734f", 2.5, ""),
    Stage.AGREEMENT_SIGNED: Look("#0b4f9c", 4.5, ""),
    Stage.DORMANT: Look("#5c5c5c", 2, "10 3 2 3"),
    Stage.ENDED: Look("#9b2226", 1.5, "3 3"),
}


@dataclass(frozen=True)
class Shape:
    """The geometry of one shape of the picture, in viewBox units."""

    pitch: int  # from one tile to the next
    tile: int  # a tile's side
    label: int  # font size of a tile's label
    small_label: int  # for labels of 4 letters
    heading: int  # font size of a map's heading
    gap: int  # between the two maps
    margin: int
    legend_columns: int
    legend_row: int


SHAPES = {
    "wide": Shape(44, 40, 13, 11, 16, 150, 10, 3, 24),
    "tall": Shape(30, 27, 11, 9, 14, 90, 8, 2, 22),
}
GRID_COLUMNS = 8  # of a plain grid: a country without a layout


@cache
def _tiles() -> dict:
    with TILES_FILE.open(encoding="utf-8") as f:
        return json.load(f)


def layout_of(country_code: str) -> dict[str, tuple[int, int]]:
    """ISO 3166-2 code -> (column, row) of the country's tile map; {} when it has none."""
    return {code: tuple(place) for code, place in _tiles()["layouts"].get(country_code, {}).items()}


def has_layout(country_code: str) -> bool:
    return country_code in _tiles()["layouts"]


# --- the data -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tie:
    pk: int
    ukrainian: str  # region codes
    partner: str
    ukrainian_name: str
    partner_name: str  # the partner as lists show it (a county or city by its own name)
    partner_region_name: str  # its region's (a county's state)
    stage: str
    since: date | None
    confidential: bool

    @property
    def stage_label(self) -> str:
        return str(Stage(self.stage).label)

    @property
    def look(self) -> Look:
        return LOOKS[self.stage]


# Which of a pair's ties gives its line its look: the furthest along first.
PROMINENCE = (
    Stage.AGREEMENT_SIGNED,
    Stage.MEMORANDUM_SIGNED,
    Stage.NEGOTIATING,
    Stage.EXPLORING,
    Stage.DORMANT,
    Stage.ENDED,
)


RANK = {stage.value: i for i, stage in enumerate(PROMINENCE)}


@dataclass
class Pair:
    """The ties between one Ukrainian region and one partner region (a county's or a city's
    tie counts under its state): one line, drawn as the furthest along of them."""

    ukrainian: str
    partner: str
    ties: list[Tie] = field(default_factory=list)

    @cached_property
    def stage(self) -> str:
        stages = {tie.stage for tie in self.ties}
        return next(stage.value for stage in PROMINENCE if stage.value in stages)

    @cached_property
    def look(self) -> Look:
        return LOOKS[self.stage]

    @property
    def width(self) -> float:
        """Wider with more ties (up to 3 more units), so a busy pair stands out."""
        return self.look.width + min(len(self.ties) - 1, 3) * 0.75

    @property
    def partner_region_name(self) -> str:
        return self.ties[0].partner_region_name

    @property
    def single(self) -> Tie | None:
        return self.ties[0] if len(self.ties) == 1 else None

    @cached_property
    def stages_text(self) -> str:
        """ "memorandum signed 1, exploring 2": the pair's ties per stage, furthest first."""
        return _stages_text(Counter(tie.stage for tie in self.ties))


@dataclass
class Tile:
    code: str
    name: str
    label: str
    column: int
    row: int
    ties: list[Tie] = field(default_factory=list)
    pairs: list[Pair] = field(default_factory=list)  # its ties by the other side's region
    # Where the tile is drawn, set by `drawing` for the shape drawn:
    x: float = 0
    y: float = 0
    side: float = 0

    @property
    def centre(self) -> tuple[float, float]:
        return self.x + self.side / 2, self.y + self.side / 2

    @cached_property
    def stages_text(self) -> str:
        """ "memorandum signed 1, exploring 2": its ties per stage, furthest first."""
        return _stages_text(Counter(tie.stage for tie in self.ties))

    @cached_property
    def foremost(self) -> list[Pair]:
        """Its pairs, the furthest along first (the signed ones), then those with most ties (in
        the order of the codes when as many): the ones named when not all are."""
        return sorted(self.pairs, key=lambda pair: (RANK[pair.stage], -len(pair.ties)))


@dataclass
class Picture:
    """What is drawn, in the reader's language: both maps' tiles, the ties, the counts."""

    country_code: str
    ukraine_name: str
    country_name: str
    as_of: date
    ukrainian: list[Tile]
    partner: list[Tile]
    ties: list[Tie]
    pairs: list[Pair]
    counts: dict[str, int]  # per stage, of the ties drawn
    focus: str = ""  # the region whose page shows the picture

    @property
    def total(self) -> int:
        return len(self.ties)

    @property
    def sides(self) -> list[tuple[str, list[Tile], bool]]:
        """(heading, tiles, Ukrainian?) of each map, Ukraine's first."""
        return [(self.ukraine_name, self.ukrainian, True), (self.country_name, self.partner, False)]

    @property
    def with_ties(self) -> list[Tile]:
        return [tile for tile in (*self.ukrainian, *self.partner) if tile.ties]


def _ties(
    partnerships: QuerySet[Partnership], country_code: str, as_of: date | None, language: str
) -> tuple:
    """The ties with the partner country, with their stage on `as_of`: one query for the ties,
    one for the counts per stage."""
    qs = with_state_on(
        partnerships.filter(partner_region__country__code=country_code), as_of
    ).filter(day_stage__isnull=False)
    counts = dict(qs.order_by().values_list("day_stage").annotate(n=Count("pk")))
    rows = qs.order_by("ukrainian_region__code", "partner_region__code", "pk").values(
        "pk",
        "ukrainian_region__code",
        "ukrainian_region__name_uk",
        "ukrainian_region__name_en",
        "partner_region__code",
        "partner_region__name_uk",
        "partner_region__name_en",
        "partner_kind",
        "partner_name_uk",
        "partner_name_en",
        "day_stage",
        "day_since",
        "confidential",
    )
    ties = []
    for row in rows:
        region = pick(row["partner_region__name_uk"], row["partner_region__name_en"], language)
        partner = region
        if row["partner_kind"] != PartnerKind.REGION:
            partner = pick(row["partner_name_uk"], row["partner_name_en"], language) or partner
        ties.append(
            Tie(
                pk=row["pk"],
                ukrainian=row["ukrainian_region__code"],
                partner=row["partner_region__code"],
                ukrainian_name=pick(
                    row["ukrainian_region__name_uk"], row["ukrainian_region__name_en"], language
                ),
                partner_name=partner,
                partner_region_name=region,
                stage=row["day_stage"],
                since=row["day_since"],
                confidential=row["confidential"],
            )
        )
    return ties, counts


def _suffix(code: str) -> str:
    return code.split("-", 1)[-1]


def _grid(codes: list[str], columns: int) -> dict[str, tuple[int, int]]:
    return {code: (i % columns, i // columns) for i, code in enumerate(codes)}


def picture_of(
    partnerships: QuerySet[Partnership],
    country: Country,
    *,
    as_of: date | None = None,
    focus: str = "",
) -> Picture:
    """The picture's content for the ties in `partnerships` with `country`'s regions, in the
    active language: four queries whatever the number of ties (ties, counts, regions,
    Ukraine's name)."""
    language = reader_language()
    ties, counts = _ties(partnerships, country.code, as_of, language)
    layout = layout_of(country.code)
    tied = {tie.partner for tie in ties}
    regions = {
        r.code: r
        for r in Region.objects.filter(
            Q(country__code=UKRAINE) | Q(code__in=[*layout, *tied])
        ).only("code", "name_uk", "name_en", "sort_uk", "sort_en", "country_id")
    }
    ukraine = Country.objects.filter(code=UKRAINE).only("name_uk", "name_en").first()
    labels = _tiles()["labels"]

    def tile(code: str, place: tuple[int, int], label: str) -> Tile:
        region = regions.get(code)
        name = pick(region.name_uk, region.name_en) if region else code
        return Tile(code=code, name=name, label=label, column=place[0], row=place[1])

    ukrainian = [
        tile(code, place, labels.get(code, {}).get(language, _suffix(code)))
        for code, place in layout_of(UKRAINE).items()
    ]
    if layout:
        places = dict(layout)
        extra = sorted(tied - set(layout), key=lambda c: _sort_key(regions.get(c), language, c))
        last_row = max(row for _column, row in layout.values()) + 1
        places.update(_grid(extra, max(col for col, _row in layout.values()) + 1))
        for code in extra:
            column, row = places[code]
            places[code] = (column, row + last_row)
    else:
        codes = sorted(tied, key=lambda c: _sort_key(regions.get(c), language, c))
        places = _grid(codes, GRID_COLUMNS)
    partner = [tile(code, place, _suffix(code)) for code, place in places.items()]
    by_code = {t.code: t for t in (*ukrainian, *partner)}
    pairs: dict[tuple[str, str], Pair] = {}
    for tie in ties:
        key = (tie.ukrainian, tie.partner)
        if key not in pairs:
            pairs[key] = Pair(ukrainian=tie.ukrainian, partner=tie.partner)
            for code in key:
                if code in by_code:
                    by_code[code].pairs.append(pairs[key])
        pairs[key].ties.append(tie)
        for code in key:
            if code in by_code:
                by_code[code].ties.append(tie)
    return Picture(
        country_code=country.code,
        ukraine_name=ukraine.name if ukraine else UKRAINE,
        country_name=country.name,
        as_of=as_of or timezone.localdate(),
        ukrainian=ukrainian,
        partner=partner,
        ties=ties,
        pairs=list(pairs.values()),
        counts={stage: counts[stage] for stage in Stage.values if counts.get(stage)},
        focus=focus,
    )


def _sort_key(region: Region | None, language: str, code: str) -> tuple[str, str]:
    if region is None:
        return ("", code)
    return (region.sort_uk if language == "uk" else region.sort_en, code)


# --- drawing --------------------------------------------------------------------------------
#
# Written as text, not through a template: at scale (a thousand lines and more) the picture is
# drawn in a few milliseconds. Compact by design: one path per pair of regions, its look given
# once by the group of its stage and width (presentation attributes, so that the picture looks
# the same where no stylesheet comes with it: the briefing, the API's file), integer coordinates;
# a tile's lines are marked by the classes of both ends (`a<i>`), and the stylesheet
# (`stylesheet()`, static/oversight/ties.css) makes the lines of the tile pointed at or focused
# (`t<i>`) stand out, with one short rule per tile: no copy of any line.

HIGHLIGHTS = 160  # tiles the stylesheet can highlight: Ukraine's 27 and up to 133 partner regions
STYLESHEET = Path(__file__).parent / "static" / "oversight" / "ties.css"
# Lines are drawn from the least to the furthest along stage: signed ties lie on top.
SAFE = " ='/:.-"  # left as they are in the keys' data: URLs
DRAW_ORDER = {stage.value: i for i, stage in enumerate(reversed(PROMINENCE))}


def escape(text: str) -> str:
    """Text for the SVG, inside an element or a double-quoted attribute (an apostrophe, common
    in Ukrainian, stays as it is)."""
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )


def _n(value: float) -> str:
    """A number as SVG wants it whatever the locale: a dot, no needless digits."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _place(tiles: list[Tile], x0: int, y0: int, s: Shape) -> None:
    for tile in tiles:
        tile.x = x0 + tile.column * s.pitch
        tile.y = y0 + tile.row * s.pitch
        tile.side = s.tile


def _size(tiles: list[Tile], s: Shape) -> tuple[int, int]:
    if not tiles:
        return 0, 0
    columns = max(t.column for t in tiles) + 1
    rows = max(t.row for t in tiles) + 1
    return columns * s.pitch - (s.pitch - s.tile), rows * s.pitch - (s.pitch - s.tile)


def _count(n: int) -> str:
    return ngettext("%(count)s tie", "%(count)s ties", n) % {"count": n}


def _stages_text(stages: Counter) -> str:
    """ "memorandum signed 1, exploring 2": ties per stage, furthest first."""
    return ", ".join(
        f"{stage.label} {stages[stage.value]}" for stage in PROMINENCE if stages[stage.value]
    )


def _tooltip(tile: Tile, side_ukrainian: bool, named: int = TITLE_TIES) -> str:
    """A tile's ties in words, as its entry in the list says them: how many, per stage, then
    the regions on the other side by the stage of their line (up to `named`). Tiles without
    ties are named by their label only: a picture names no region it has nothing to say about."""
    if not tile.ties:
        return ""
    if not named:  # a dense picture: the list under it and the regions' pages say the rest
        return f"{tile.name}: {_count(len(tile.ties))}"
    lines = [f"{tile.name}: {_count(len(tile.ties))} ({tile.stages_text})"]
    groups, more = _groups(tile, side_ukrainian, named)
    lines += [f"{label}: {names}" for _stage, label, names in groups]
    if more:
        lines.append(_more(more))
    return "\n".join(lines)


def _groups(tile: Tile, side_ukrainian: bool, cap: int) -> tuple[list[tuple[str, str, str]], int]:
    """The regions on the other side, the furthest along first, up to `cap`, by the stage
    of their line: [(stage, its label, "Ohio (3), Indiana")], and how many are left unnamed."""
    by_stage: dict[str, list[str]] = {}
    for pair in tile.foremost[:cap]:
        notes = [] if pair.single else [str(len(pair.ties))]
        if any(tie.confidential for tie in pair.ties):
            notes.append(_("confidential"))  # never mistaken for a public tie when shared
        other = _other(pair, side_ukrainian)
        by_stage.setdefault(pair.stage, []).append(
            f"{other} ({', '.join(notes)})" if notes else other
        )
    groups = [
        (stage.value, str(stage.label), ", ".join(by_stage[stage.value]))
        for stage in PROMINENCE
        if stage.value in by_stage
    ]
    return groups, max(len(tile.pairs) - cap, 0)


def _more(n: int) -> str:
    return ngettext("and %(count)s more region", "and %(count)s more regions", n) % {"count": n}


def _other(pair: Pair, side_ukrainian: bool) -> str:
    """The pair's other side as the reader knows it: the partner itself (a county, a city) when
    the pair is one tie, else its region."""
    tie = pair.ties[0]
    if side_ukrainian:
        return tie.partner_name if pair.single else pair.partner_region_name
    return tie.ukrainian_name


def render_svg(picture: Picture, *, shape: str = "wide", href=None) -> str:
    """The picture as one SVG element, placed for `shape` (well-formed XML: every name
    escaped); `href(tile)` gives a tile's link (an anchor in the list, or the region's page)."""
    s = SHAPES[shape]
    ua_w, ua_h = _size(picture.ukrainian, s)
    pa_w, pa_h = _size(picture.partner, s)
    top = s.margin + s.heading + 10
    if shape == "wide":
        body_h = max(ua_h, pa_h)
        ua_x, ua_y = s.margin, top + (body_h - ua_h) // 2
        pa_x, pa_y = s.margin + ua_w + s.gap, top + (body_h - pa_h) // 2 if pa_h else top
        width = pa_x + max(pa_w, 8 * s.pitch) + s.margin
        headings = [
            (ua_x, ua_y - 10, picture.ukraine_name),
            (pa_x, pa_y - 10, picture.country_name),
        ]
        legend_y = top + body_h + 30
    else:
        width_inner = max(ua_w, pa_w, 8 * s.pitch)
        ua_x, ua_y = s.margin + (width_inner - ua_w) // 2, top
        pa_x = s.margin + (width_inner - pa_w) // 2
        pa_y = top + ua_h + s.gap + s.heading + 10
        width = width_inner + 2 * s.margin
        headings = [(ua_x, top - 10, picture.ukraine_name), (pa_x, pa_y - 10, picture.country_name)]
        legend_y = pa_y + pa_h + 30
    _place(picture.ukrainian, ua_x, ua_y, s)
    _place(picture.partner, pa_x, pa_y, s)
    legend_rows = (len(picture.counts) + s.legend_columns - 1) // s.legend_columns or 1
    height = legend_y + legend_rows * s.legend_row

    tiles = [*picture.ukrainian, *picture.partner]
    index = {tile.code: i for i, tile in enumerate(tiles)}
    half = s.tile // 2
    name = escape(
        ngettext(
            "Picture of ties: %(counter)s tie with %(country)s",
            "Picture of ties: %(counter)s ties with %(country)s",
            picture.total,
        )
        % {"counter": picture.total, "country": picture.country_name}
    )
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="ties-svg ties-svg-{shape}" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'font-family="sans-serif" role="group" aria-label="{name}">',
        f"<title>{name} ({picture.as_of:%Y-%m-%d})</title>",
    ]
    # The tiles: a tile with ties is a link (or a group, without links) titled with its ties.
    out.append('<g class="tiles" fill="#ececec" stroke="#c4c4c4">')
    for i, tile in enumerate(tiles):
        rect = (
            f'<rect data-code="{escape(tile.code)}" x="{tile.x}" y="{tile.y}" '
            f'width="{s.tile}" height="{s.tile}" rx="3"'
        )
        if tile.code == picture.focus:
            rect += ' fill="#fff" stroke="#000" stroke-width="3"'
        elif tile.ties:
            rect += ' fill="#fff" stroke="#3a3a3a"'
        rect += "/>"
        if not tile.ties:
            out.append(rect)
            continue
        named = TITLE_TIES if len(picture.pairs) <= DENSE_PAIRS else 0
        title = escape(_tooltip(tile, i < len(picture.ukrainian), named))
        link = href(tile) if href else ""
        if link:
            out.append(f'<a href="{escape(link)}" class="t{i}"><title>{title}</title>{rect}</a>')
        else:
            out.append(f'<g class="t{i}"><title>{title}</title>{rect}</g>')
    out.append("</g>")

    # The lines: one per pair of regions, grouped by look.
    groups: dict[tuple[str, float], list[str]] = {}
    for pair in picture.pairs:
        a, b = index.get(pair.ukrainian), index.get(pair.partner)
        if a is None or b is None:
            continue
        x1, y1 = tiles[a].x + half, tiles[a].y + half
        x2, y2 = tiles[b].x + half, tiles[b].y + half
        groups.setdefault((pair.stage, pair.width), []).append(
            f'<path class="a{a} a{b}" d="M{x1} {y1}L{x2} {y2}"/>'
        )
    out.append('<g class="links" fill="none" stroke-linecap="round" pointer-events="none">')
    for stage, line_width in sorted(groups, key=lambda key: (DRAW_ORDER[key[0]], key[1])):
        look = LOOKS[stage]
        dashes = f' stroke-dasharray="{look.dashes}"' if look.dashes else ""
        out.append(
            f'<g data-stage="{stage}" stroke="{look.colour}" '
            f'stroke-width="{_n(line_width)}"{dashes}>'
        )
        out.append("".join(groups[(stage, line_width)]))
        out.append("</g>")
    out.append("</g>")

    # The labels, over the lines; the pointer goes through them to the tile.
    out.append(
        f'<g class="labels" text-anchor="middle" font-size="{s.label}" fill="#595959" '
        'stroke="#fff" stroke-width="3" paint-order="stroke" stroke-linejoin="round" '
        'pointer-events="none">'
    )
    for tile in tiles:
        small = len(tile.label) >= 4
        size = s.small_label if small else s.label
        attrs = f' font-size="{size}"' if small else ""
        if tile.ties:
            attrs += ' font-weight="bold" fill="#000"'
        out.append(
            f'<text x="{tile.x + half}" y="{tile.y + half + round(size * 0.35)}"{attrs}>'
            f"{escape(tile.label)}</text>"
        )
    out.append("</g>")
    # The maps' headings, over the lines too.
    out += [
        f'<text x="{x}" y="{y}" font-size="{s.heading}" font-weight="bold" fill="#1a1a1a" '
        'stroke="#fff" stroke-width="4" paint-order="stroke" pointer-events="none">'
        f"{escape(text)}</text>"
        for x, y, text in headings
    ]

    out.append(f'<g class="legend" font-size="{s.label}" fill="#1a1a1a">')
    column_w = (width - 2 * s.margin) // s.legend_columns
    for i, (stage, count) in enumerate(picture.counts.items()):
        look = LOOKS[stage]
        x = s.margin + (i % s.legend_columns) * column_w
        y = legend_y + (i // s.legend_columns) * s.legend_row
        dashes = f' stroke-dasharray="{look.dashes}"' if look.dashes else ""
        out.append(
            f'<line x1="{x}" x2="{x + 30}" y1="{y}" y2="{y}" stroke="{look.colour}" '
            f'stroke-width="{_n(look.width)}"{dashes} stroke-linecap="round"/>'
            f'<text x="{x + 38}" y="{y + 4}">{escape(str(Stage(stage).label))} ({count})</text>'
        )
    if not picture.counts:
        out.append(
            f'<text x="{headings[0][0]}" y="{legend_y + 4}">{escape(_("No ties to show."))}</text>'
        )
    out.append("</g></svg>")
    return "\n".join(out)


def ties_svg(
    partnerships: QuerySet[Partnership],
    country: Country,
    *,
    language: str,
    as_of: date | None = None,
    shape: str = "wide",
    href=None,
) -> str:
    """The picture of the ties in `partnerships` with `country`, in `language`, as SVG."""
    with translation.override(language):
        picture = picture_of(partnerships, country, as_of=as_of)
        return render_svg(picture, shape=shape, href=href)


def stylesheet() -> str:
    """static/oversight/ties.css: how the picture answers the pointer and the keyboard, and the
    keys of the list under it (each stage's line, drawn as in the picture). Generated: a test
    keeps the file equal to this (`write_stylesheet` writes it)."""
    rules = [
        "/* Generated by regionbridge.oversight.ties.stylesheet(): do not edit by hand. */",
        ".ties-svg a rect{cursor:pointer}",
        ".ties-svg a:hover rect,.ties-svg a:focus rect{stroke:#0b0c0c;stroke-width:2.5}",
        ".ties-svg a:focus-visible{outline:none}",
        ".ties-svg a:focus-visible rect{stroke:#003078;stroke-width:4}",
        ".ties-svg .links path{transition:opacity .15s}",
        # While a tile is pointed at or focused, every line fades but its own.
        ".ties-svg:has(a:hover,a:focus) .links path{opacity:.1}",
        ",\n".join(f".ties-svg:has(.t{i}:hover,.t{i}:focus) .a{i}" for i in range(HIGHLIGHTS))
        + "{opacity:1}",
        ".tk{display:inline-block;width:30px;height:10px;margin-right:.3rem;"
        "vertical-align:middle;background:no-repeat center}",
    ]
    for stage, look in LOOKS.items():
        dashes = f" stroke-dasharray='{look.dashes}'" if look.dashes else ""
        line = (
            "<svg xmlns='http://www.w3.org/2000/svg' width='30' height='10'>"
            f"<line x1='2' x2='28' y1='5' y2='5' stroke='{look.colour}' "
            f"stroke-width='{_n(look.width)}'{dashes} stroke-linecap='round'/></svg>"
        )
        rules.append(
            f'.tk-{stage}{{background-image:url("data:image/svg+xml,{quote(line, safe=SAFE)}")}}'
        )
    return "\n".join(rules) + "\n"


# --- the list under the picture -------------------------------------------------------------


@dataclass
class Summary:
    """A region's ties in words, the text alternative of its tile (and its tooltip's words): how
    many, per stage, and the regions on the other side by the stage their line is drawn in,
    each with its number of ties; the furthest along first, `more` left unnamed."""

    tile: Tile
    href: str
    groups: list[tuple[str, str, str]]  # (stage, its label, "Ohio (3), Indiana")
    more: int

    @property
    def more_text(self) -> str:
        return _more(self.more)


def summaries(
    tiles: list[Tile], *, ukrainian: bool = True, href=None, named: int = LIST_TIES
) -> list[Summary]:
    """The list's entries: one per tile with ties, each naming up to `named` regions."""
    entries = []
    for tile in tiles:
        if tile.ties:
            groups, more = _groups(tile, ukrainian, named)
            entries.append(Summary(tile, href(tile) if href else "", groups, more))
    return entries


def picture_context(
    partnerships: QuerySet[Partnership],
    country: Country,
    *,
    as_of: date | None = None,
    focus: str = "",
    region_href=None,
    prefix: str = "",
) -> dict:
    """What `oversight/_ties_picture.html` shows, from one read of the ties: the picture (one
    SVG, stacked: it fits a phone and sits beside its list on a wide screen; the API and the
    briefing draw the maps side by side) and, under it, each Ukrainian region's ties in words
    (its text alternative; a partner region's are on its own page). `region_href(tile)` links a
    region's entry and a partner region's tile (nowhere when it gives "")."""
    picture = picture_of(partnerships, country, as_of=as_of, focus=focus)
    anchor = f"ties-{prefix}{country.code}-"

    def href(tile: Tile) -> str:
        """Ukraine's tiles: the region's entry in the list; the partner's: `region_href`."""
        if tile.code.startswith(UKRAINE + "-"):
            return f"#{anchor}{tile.code}"
        return region_href(tile) if region_href else ""

    return {
        "picture": picture,
        "svg": render_svg(picture, shape="tall", href=href),
        "anchor": anchor,
        "entries": summaries(
            picture.ukrainian,
            href=region_href,
            # A dense picture's list names fewer: each region's page names them all.
            named=LIST_TIES if len(picture.pairs) <= DENSE_PAIRS else LIST_TIES // 2,
        ),
    }


def partner_countries(partnerships: QuerySet[Partnership]) -> QuerySet[Country]:
    """The countries of the partners in `partnerships`: those the picture can be drawn for."""
    return (
        Country.objects.filter(pk__in=partnerships.order_by().values("partner_region__country"))
        .exclude(code=UKRAINE)
        .order_by(name_order(), "code")
        .only("code", "name_uk", "name_en", "sort_uk", "sort_en")
    )


def write_stylesheet() -> None:
    """Write static/oversight/ties.css anew (`manage.py shell -c "from regionbridge.oversight
    import ties; ties.write_stylesheet()"`)."""
    STYLESHEET.parent.mkdir(parents=True, exist_ok=True)
    STYLESHEET.write_text(stylesheet(), encoding="utf-8")
