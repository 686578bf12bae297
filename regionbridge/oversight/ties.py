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

from django.db.models import Count, Q, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import ngettext

from regionbridge.lib.collation import name_order
from regionbridge.lib.i18n import pick, reader_language
from regionbridge.partnerships.lifecycle import Stage
from regionbridge.partnerships.models import PartnerKind, Partnership
from regionbridge.partnerships.selectors import with_state_on
from regionbridge.regions.models import Country, Region

UKRAINE = "UA"
TILES_FILE = Path(__file__).parent / "data" / "tiles.json"
TITLE_TIES = 12  # ties named in a tile's tooltip; the list under the picture names them all


@dataclass(frozen=True)
class Look:
    """How a stage's lines look: colour, width and dash pattern (never colour alone)."""

    colour: str
    width: float
    dashes: str  # stroke-dasharray; "" is a solid line

    @property
    def highlight(self) -> float:
        """The width of the line when its tile is hovered or focused."""
        return self.width + 2


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
    def highlight(self) -> float:
        return self.width + 2

    @property
    def partner_region_name(self) -> str:
        return self.ties[0].partner_region_name

    @property
    def single(self) -> Tie | None:
        return self.ties[0] if len(self.ties) == 1 else None

    @cached_property
    def stages_text(self) -> str:
        """ "memorandum signed 1, exploring 2": the pair's ties per stage, furthest first."""
        counts = Counter(tie.stage for tie in self.ties)
        return ", ".join(
            f"{stage.label} {counts[stage.value]}" for stage in PROMINENCE if counts[stage.value]
        )


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


def _ties(partnerships: QuerySet[Partnership], country_code: str, as_of: date | None) -> tuple:
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
        region = pick(row["partner_region__name_uk"], row["partner_region__name_en"])
        partner = region
        if row["partner_kind"] != PartnerKind.REGION:
            partner = pick(row["partner_name_uk"], row["partner_name_en"]) or partner
        ties.append(
            Tie(
                pk=row["pk"],
                ukrainian=row["ukrainian_region__code"],
                partner=row["partner_region__code"],
                ukrainian_name=pick(
                    row["ukrainian_region__name_uk"], row["ukrainian_region__name_en"]
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
    ties, counts = _ties(partnerships, country.code, as_of)
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


def _n(value: float) -> str:
    """A coordinate as SVG wants it whatever the locale: a dot, no needless digits."""
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _place(tiles: list[Tile], x0: float, y0: float, s: Shape) -> None:
    for tile in tiles:
        tile.x = x0 + tile.column * s.pitch
        tile.y = y0 + tile.row * s.pitch
        tile.side = s.tile


def _size(tiles: list[Tile], s: Shape) -> tuple[float, float]:
    if not tiles:
        return 0, 0
    columns = max(t.column for t in tiles) + 1
    rows = max(t.row for t in tiles) + 1
    return columns * s.pitch - (s.pitch - s.tile), rows * s.pitch - (s.pitch - s.tile)


def _tooltip(tile: Tile, side_ukrainian: bool) -> str:
    """A tile's ties in words, by the region on the other side (tiles without ties are named by
    their label only: a picture names no region it has nothing to say about)."""
    if not tile.ties:
        return ""
    lines = [
        f"{tile.name}: "
        + ngettext("%(count)s tie", "%(count)s ties", len(tile.ties)) % {"count": len(tile.ties)}
    ]
    for pair in tile.pairs[:TITLE_TIES]:
        lines.append(f"{_other(pair, side_ukrainian)} — {_pair_text(pair)}")
    if len(tile.pairs) > TITLE_TIES:
        more = len(tile.pairs) - TITLE_TIES
        lines.append(
            ngettext("and %(count)s more region", "and %(count)s more regions", more)
            % {"count": more}
        )
    return "\n".join(lines)


def _other(pair: Pair, side_ukrainian: bool) -> str:
    """The pair's other side as the reader knows it: the partner itself (a county, a city) when
    the pair is one tie, else its region."""
    tie = pair.ties[0]
    if side_ukrainian:
        return tie.partner_name if pair.single else pair.partner_region_name
    return tie.ukrainian_name


def _pair_text(pair: Pair) -> str:
    if pair.single:
        return pair.single.stage_label
    n = len(pair.ties)
    counted = ngettext("%(count)s tie", "%(count)s ties", n) % {"count": n}
    return f"{counted} ({pair.stages_text})"


def _curve(a: tuple[float, float], b: tuple[float, float], bend: float) -> str:
    """A line from a to b, bowed sideways by `bend` (ties between the same two tiles fan out)."""
    (x1, y1), (x2, y2) = a, b
    dx, dy = x2 - x1, y2 - y1
    length = (dx * dx + dy * dy) ** 0.5 or 1
    cx = (x1 + x2) / 2 - dy / length * bend
    cy = (y1 + y2) / 2 + dx / length * bend
    return f"M{_n(x1)} {_n(y1)}Q{_n(cx)} {_n(cy)} {_n(x2)} {_n(y2)}"


def drawing(picture: Picture, *, shape: str = "wide", href=None) -> dict:
    """Everything the SVG template writes, placed for `shape`; `href(tile)` gives a tile's
    link (an anchor in the list below, or the region's page)."""
    s = SHAPES[shape]
    ua_w, ua_h = _size(picture.ukrainian, s)
    pa_w, pa_h = _size(picture.partner, s)
    top = s.margin + s.heading + 10
    if shape == "wide":
        body_h = max(ua_h, pa_h)
        ua_x, ua_y = s.margin, top + (body_h - ua_h) / 2
        pa_x, pa_y = s.margin + ua_w + s.gap, top + (body_h - pa_h) / 2 if pa_h else top
        width = pa_x + max(pa_w, 8 * s.pitch) + s.margin
        headings = [
            (ua_x, ua_y - 10, picture.ukraine_name),
            (pa_x, pa_y - 10, picture.country_name),
        ]
        legend_y = top + body_h + 30
    else:
        width_inner = max(ua_w, pa_w, 8 * s.pitch)
        ua_x, ua_y = s.margin + (width_inner - ua_w) / 2, top
        pa_top = top + ua_h + s.gap
        pa_x, pa_y = s.margin + (width_inner - pa_w) / 2, pa_top + s.heading + 10
        width = width_inner + 2 * s.margin
        headings = [(ua_x, top - 10, picture.ukraine_name), (pa_x, pa_y - 10, picture.country_name)]
        legend_y = pa_y + pa_h + 30
    _place(picture.ukrainian, ua_x, ua_y, s)
    _place(picture.partner, pa_x, pa_y, s)
    by_code = {t.code: t for t in (*picture.ukrainian, *picture.partner)}

    lines = {}
    for pair in picture.pairs:
        a, b = by_code.get(pair.ukrainian), by_code.get(pair.partner)
        if a is None or b is None:
            continue
        tie = pair.ties[0]
        name = tie.partner_name if pair.single else pair.partner_region_name
        lines[(pair.ukrainian, pair.partner)] = {
            "d": _curve(a.centre, b.centre, 0),
            "pair": pair,
            "title": f"{tie.ukrainian_name} — {name}: {_pair_text(pair)}",
        }
    link_list = list(lines.values())

    legend = []
    column_w = (width - 2 * s.margin) / s.legend_columns
    for i, (stage, count) in enumerate(picture.counts.items()):
        x = s.margin + (i % s.legend_columns) * column_w
        y = legend_y + (i // s.legend_columns) * s.legend_row
        legend.append(
            {
                "look": LOOKS[stage],
                "x1": _n(x),
                "x2": _n(x + 30),
                "y": _n(y),
                "tx": _n(x + 38),
                "ty": _n(y + 4),
                "text": f"{Stage(stage).label} ({count})",
            }
        )
    rows = (len(legend) + s.legend_columns - 1) // s.legend_columns or 1
    height = legend_y + rows * s.legend_row

    def tiles(group: list[Tile], ukrainian: bool) -> list[dict]:
        drawn = []
        for tile in group:
            cx, cy = tile.centre
            drawn.append(
                {
                    "tile": tile,
                    "x": _n(tile.x),
                    "y": _n(tile.y),
                    "cx": _n(cx),
                    "ty": _n(cy + (s.label if len(tile.label) < 4 else s.small_label) * 0.35),
                    "size": s.label if len(tile.label) < 4 else s.small_label,
                    "own": tile.code == picture.focus,
                    "tooltip": _tooltip(tile, ukrainian),
                    "href": href(tile) if href and tile.ties else "",
                    "links": [
                        lines[key]
                        for key in ((p.ukrainian, p.partner) for p in tile.pairs)
                        if key in lines
                    ],
                }
            )
        return drawn

    return {
        "picture": picture,
        "shape": shape,
        "width": _n(width),
        "height": _n(height),
        "tile": s.tile,
        "headings": [{"x": _n(x), "y": _n(y), "text": t} for x, y, t in headings],
        "heading_size": s.heading,
        "tiles": [*tiles(picture.ukrainian, True), *tiles(picture.partner, False)],
        "links": link_list,
        "legend": legend,
        "legend_size": s.label,
        "empty_y": _n(legend_y + 4),
    }


def render_svg(picture: Picture, *, shape: str = "wide", href=None) -> str:
    """The picture as one SVG element (well-formed XML: every name escaped)."""
    return render_to_string(
        "oversight/_ties_svg.html", drawing(picture, shape=shape, href=href)
    ).strip()


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


def picture_context(
    partnerships: QuerySet[Partnership],
    country: Country,
    *,
    as_of: date | None = None,
    focus: str = "",
    tie_links: bool = True,
    prefix: str = "",
) -> dict:
    """What `oversight/_ties_picture.html` shows: the picture in both shapes (side by side, and
    stacked for a phone) and the list of each region's ties, from one read of the ties."""
    picture = picture_of(partnerships, country, as_of=as_of, focus=focus)
    anchor = f"ties-{prefix}{country.code}-"

    def href(tile: Tile) -> str:
        return f"#{anchor}{tile.code}"

    return {
        "picture": picture,
        "wide": render_svg(picture, shape="wide", href=href),
        "tall": render_svg(picture, shape="tall", href=href),
        "anchor": anchor,
        "tie_base": reverse("partnerships:detail", args=[0]).removesuffix("0/")
        if tie_links
        else "",
    }


def partner_countries(partnerships: QuerySet[Partnership]) -> QuerySet[Country]:
    """The countries of the partners in `partnerships`: those the picture can be drawn for."""
    return (
        Country.objects.filter(pk__in=partnerships.order_by().values("partner_region__country"))
        .exclude(code=UKRAINE)
        .order_by(name_order(), "code")
        .only("code", "name_uk", "name_en", "sort_uk", "sort_en")
    )
