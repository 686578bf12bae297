"""The picture of ties (issue 13, point 2): tile maps of Ukraine and the partner country, a line
per tie coloured and patterned by stage, for overseers (page and API), on a region's page (its
own part) and in the public registry (signed, non-confidential ties only)."""

import xml.etree.ElementTree as ET
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from regionbridge import policy
from regionbridge.accounts.services import token_issue
from regionbridge.oversight import ties
from regionbridge.oversight.part import overseen_partnerships
from regionbridge.partnerships import services as partnerships
from regionbridge.partnerships.models import Partnership
from regionbridge.regions.models import Country, Region, RegionKind
from tests.test_partnership_lists import bulk_ties
from tests.test_policy import chernihiv_minnesota, partnership, region_at, zhytomyr_indiana

pytestmark = pytest.mark.django_db

SVG = "{http://www.w3.org/2000/svg}"
API = "/api/v1/oversight/ties.svg"


def parsed(svg: str | bytes) -> ET.Element:
    return ET.fromstring(svg)


def tiles_of(root: ET.Element) -> list[str]:
    group = root.find(f"{SVG}g[@class='tiles']")
    return [tile.get("data-code") for tile in group.iter(f"{SVG}rect")]


def links_of(root: ET.Element) -> list[ET.Element]:
    return list(root.find(f"{SVG}g[@class='links']").iter(f"{SVG}path"))


def stages_of(root: ET.Element) -> list[str]:
    """The stage each line is drawn in: its group's (one group per look)."""
    links = root.find(f"{SVG}g[@class='links']")
    return [group.get("data-stage") for group in links for _path in group]


def title_of(root: ET.Element, code: str) -> str:
    """A tile's tooltip: the title of the link (or group) that holds its tile."""
    for holder in root.find(f"{SVG}g[@class='tiles']"):
        rect = holder.find(f"{SVG}rect")
        if rect is not None and rect.get("data-code") == code:
            return holder.find(f"{SVG}title").text or ""
    raise AssertionError(f"no titled tile {code}")


def first_picture(html: str) -> ET.Element:
    start = html.index('<svg xmlns="http://www.w3.org/2000/svg" class="ties-svg')
    return parsed(html[start : html.index("</svg>", start) + 6])


def us() -> Country:
    return Country.objects.get(code="US")


def svg_for(user, *, country: str = "US", as_of: date | None = None, language: str = "en"):
    return parsed(
        ties.ties_svg(
            overseen_partnerships(user),
            Country.objects.get(code=country),
            language=language,
            as_of=as_of,
        )
    )


def signed(tie: Partnership, on: date | None = None) -> Partnership:
    partnerships.partnership_record_event(
        partnership=tie,
        kind="signed",
        on=on or timezone.localdate(),
        by=None,
        signed_stage="memorandum_signed",
    )
    tie.refresh_from_db()
    return tie


# --- the maps -------------------------------------------------------------------------------


def test_the_layouts_hold_every_subdivision_of_ukraine_and_the_states_and_dc(reference):
    ukraine = set(Region.objects.filter(country__code="UA").values_list("code", flat=True))
    states = set(
        Region.objects.filter(
            country__code="US", kind__in=[RegionKind.STATE, RegionKind.FEDERAL_DISTRICT]
        ).values_list("code", flat=True)
    )
    assert set(ties.layout_of("UA")) == ukraine and len(ukraine) == 27
    assert set(ties.layout_of("US")) == states and len(states) == 51
    for code in ("UA", "US"):
        places = list(ties.layout_of(code).values())
        assert len(places) == len(set(places)), f"two tiles in one place in {code}"


def test_the_svg_parses_and_holds_one_tile_per_region_and_one_line_per_tie(coordinator):
    zhytomyr_indiana(), chernihiv_minnesota()
    root = svg_for(coordinator)
    codes = tiles_of(root)
    assert len(codes) == len(set(codes)) == 27 + 51
    assert len(links_of(root)) == 2
    assert root.get("viewBox", "").startswith("0 0 ")
    # Nothing from elsewhere: no images, fonts or links off the site.
    text = ET.tostring(root, encoding="unicode")
    assert "http" not in text.replace("http://www.w3.org/2000/svg", "")
    assert "<image" not in text and "@font-face" not in text


def test_ties_between_the_same_two_regions_are_one_line_drawn_as_the_furthest_along(
    coordinator,
):
    """A county's tie counts under its state: Zhytomyr – Indiana (signed) and Zhytomyr – Marion
    County, Indiana (exploring) are one wider line, solid as the memorandum, named both ways."""
    signed(zhytomyr_indiana())
    partnerships.partnership_create(
        by=None,
        ukrainian_region=region_at("UA-18"),
        partner_region=region_at("US-IN"),
        partner_kind="county",
        partner_name_en="Marion County",
        partner_name_uk="Округ Маріон",
    )
    root = svg_for(coordinator)
    assert len(links_of(root)) == 1
    (group,) = root.find(f"{SVG}g[@class='links']")
    assert group.get("data-stage") == "memorandum_signed"
    assert float(group.get("stroke-width")) > ties.LOOKS["memorandum_signed"].width
    title = title_of(root, "US-IN")
    assert "2 ties" in title and "memorandum signed 1" in title and "exploring 1" in title
    assert "Zhytomyr Oblast (2)" in title
    picture = ties.picture_of(overseen_partnerships(coordinator), us())
    indiana = next(t for t in picture.partner if t.code == "US-IN")
    assert len(indiana.ties) == 2 and len(indiana.pairs) == 1


def test_the_phone_shape_holds_the_same_tiles_and_lines(coordinator):
    zhytomyr_indiana()
    picture = ties.picture_of(overseen_partnerships(coordinator), us())
    wide = parsed(ties.render_svg(picture, shape="wide"))
    tall = parsed(ties.render_svg(picture, shape="tall"))
    assert tiles_of(wide) == tiles_of(tall)
    assert len(links_of(wide)) == len(links_of(tall)) == 1
    # Stacked: narrower than tall, to fit 360 px.
    _x, _y, width, height = map(float, tall.get("viewBox").split())
    assert width < 400 < height


def test_lines_are_told_apart_by_pattern_and_width_not_colour_alone():
    looks = list(ties.LOOKS.values())
    assert len({(look.width, look.dashes) for look in looks}) == len(looks)


def test_a_territory_with_a_tie_gets_a_tile_on_an_extra_row(coordinator):
    partnership("UA-51", "US-PR")
    root = svg_for(coordinator)
    assert "US-PR" in tiles_of(root) and len(tiles_of(root)) == 27 + 52
    picture = ties.picture_of(overseen_partnerships(coordinator), us())
    puerto_rico = next(t for t in picture.partner if t.code == "US-PR")
    assert puerto_rico.row > max(row for _column, row in ties.layout_of("US").values())


def test_a_country_without_a_layout_shows_only_its_regions_with_ties(coordinator):
    partnership("UA-18", "CA-ON", confidential=True)
    partnership("UA-46", "CA-BC")
    root = svg_for(coordinator, country="CA")
    partner_tiles = [code for code in tiles_of(root) if not code.startswith("UA-")]
    assert sorted(partner_tiles) == ["CA-BC", "CA-ON"]
    assert len(links_of(root)) == 2


def test_hostile_names_are_escaped_and_the_svg_still_parses(coordinator):
    nasty = "<script>alert(1)</script> & \"Ind\" 'iana'"
    Region.objects.filter(code="US-IN").update(name_en=nasty)
    zhytomyr_indiana()
    svg = ties.ties_svg(overseen_partnerships(coordinator), us(), language="en")
    assert "<script>" not in svg
    root = parsed(svg)
    titles = [t.text or "" for t in root.iter(f"{SVG}title")]
    assert any(nasty in title for title in titles)


def test_a_past_day_drops_the_ties_that_came_later(coordinator):
    partnerships.partnership_create(
        by=None,
        ukrainian_region=region_at("UA-18"),
        partner_region=region_at("US-OH"),
        first_event_on=date(2024, 2, 1),
    )
    assert len(links_of(svg_for(coordinator, as_of=date(2024, 1, 31)))) == 0
    assert len(links_of(svg_for(coordinator, as_of=date(2024, 2, 1)))) == 1


def test_the_stage_drawn_is_the_stage_on_the_day(coordinator):
    tie = partnerships.partnership_create(
        by=None,
        ukrainian_region=region_at("UA-18"),
        partner_region=region_at("US-OH"),
        first_event_on=date(2024, 2, 1),
    )
    signed(tie, date(2024, 5, 1))
    before = links_of(svg_for(coordinator, as_of=date(2024, 4, 30)))
    after = links_of(svg_for(coordinator, as_of=date(2024, 5, 2)))
    assert len(before) == len(after) == 1
    assert stages_of(svg_for(coordinator, as_of=date(2024, 4, 30))) == ["exploring"]
    assert stages_of(svg_for(coordinator, as_of=date(2024, 5, 2))) == ["memorandum_signed"]


def test_the_picture_reads_in_a_few_queries_whatever_the_number_of_ties(coordinator):
    for code in ("US-OH", "US-IN", "US-IA", "US-CA", "US-TX", "US-NY"):
        partnership("UA-18", code)
        partnership("UA-46", code)
    seen, country = overseen_partnerships(coordinator), us()
    with CaptureQueriesContext(connection) as queries:
        picture = ties.picture_of(seen, country)
        ties.render_svg(picture)
    assert picture.total == 12
    assert len(queries) <= 4, "\n".join(q["sql"][:150] for q in queries)


def test_the_text_is_in_the_readers_language(coordinator):
    zhytomyr_indiana()
    svg_uk = ties.ties_svg(overseen_partnerships(coordinator), us(), language="uk")
    svg_en = ties.ties_svg(overseen_partnerships(coordinator), us(), language="en")
    assert "ЖИТ" in svg_uk and "Індіана" in svg_uk
    assert "ZHY" in svg_en and "Indiana" in svg_en


# --- the page -------------------------------------------------------------------------------


def test_an_overseer_sees_the_picture_and_its_list(client, coordinator):
    tie = zhytomyr_indiana()
    secret = chernihiv_minnesota()
    client.force_login(coordinator)
    response = client.get(reverse("oversight:ties"), {"partner_country": "US"})
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('<svg xmlns="http://www.w3.org/2000/svg" class="ties-svg') == 1
    assert "oversight/ties" in html and ".css" in html  # the highlighting's stylesheet
    assert 'id="ties-US-UA-18"' in html and 'href="#ties-US-UA-18"' in html
    # Each region of Ukraine's entry links to its page of ties; the confidential tie is there
    # for whoever may see it.
    assert 'href="/oversight/regions/UA-18/"' in html and 'href="/oversight/regions/UA-74/"' in html
    listed = html.split('class="ties-list"')[1]
    assert tie.partner_region.name_en in listed and secret.partner_region.name_en in listed
    # The confidential one says so, in the list and in its tiles' tooltips.
    marked = f"{secret.partner_region.name_en} (confidential)"
    assert marked in listed and html.split('class="ties-list"')[0].count(marked) >= 1
    assert f"{tie.partner_region.name_en} (confidential)" not in html
    # A partner region's tile links to its own page.
    assert 'href="/regions/US-IN/"' in html


def test_the_embassy_sees_only_its_own_countrys_ties(client, embassy):
    zhytomyr_indiana()
    partnership("UA-46", "CA-BC")
    client.force_login(embassy)
    response = client.get(reverse("oversight:ties"))
    assert response.status_code == 200
    assert response.context["country"].code == "US"
    assert [c.code for c in response.context["form"].countries.values()] == ["US"]
    refused = client.get(reverse("oversight:ties"), {"partner_country": "CA"})
    assert refused.status_code == 400
    assert b"error-summary" in refused.content and b"ties-svg" not in refused.content


@pytest.mark.parametrize(
    "query",
    [
        {"as_of": "9999-12-31"},
        {"as_of": "yesterday"},
        {"partner_country": "ZZ"},
        {"partner_country": "US\x00"},
        {"partner_country": "x" * 200_000},
    ],
)
def test_values_that_cannot_be_drawn_are_said_with_a_400(client, coordinator, query):
    zhytomyr_indiana()
    client.force_login(coordinator)
    response = client.get(reverse("oversight:ties"), query)
    assert response.status_code == 400
    assert b"ties-svg" not in response.content
    # A NUL byte is refused before any view, by core's middleware (plain text).
    if "\x00" not in "".join(query.values()):
        assert b"error-summary" in response.content


def test_a_regional_officer_and_the_anonymous_may_not_open_the_page(client, zhytomyr):
    response = client.get(reverse("oversight:ties"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    client.force_login(zhytomyr)
    assert client.get(reverse("oversight:ties")).status_code == 403


def test_with_no_ties_the_page_says_so(client, ministry):
    client.force_login(ministry)
    response = client.get(reverse("oversight:ties"))
    assert response.status_code == 200 and b"ties-svg" not in response.content


# --- a region's page: its own part ----------------------------------------------------------


def test_a_regions_page_shows_its_own_ties_only(client, coordinator):
    zhytomyr_indiana()
    partnership("UA-46", "US-OH")
    client.force_login(coordinator)
    html = client.get(reverse("regions:detail", args=["UA-18"])).content.decode()
    assert 'id="ties-r-US-UA-18"' in html
    assert 'id="ties-r-US-UA-46"' not in html and 'id="ties-r-US-US-OH"' not in html


def test_a_confidential_tie_stays_off_the_page_of_whoever_may_not_see_it(
    client, zhytomyr, chernihiv
):
    chernihiv_minnesota()
    client.force_login(zhytomyr)
    html = client.get(reverse("regions:detail", args=["UA-74"])).content.decode()
    assert "ties-r-US-UA-74" not in html and "Minnesota" not in html
    client.force_login(chernihiv)
    html = client.get(reverse("regions:detail", args=["UA-74"])).content.decode()
    assert 'id="ties-r-US-UA-74"' in html


def test_a_visitor_sees_only_signed_open_ties_on_a_regions_page(client):
    signed(zhytomyr_indiana())
    partnership("UA-18", "US-OH")  # exploring
    html = client.get(reverse("regions:detail", args=["UA-18"])).content.decode()
    root = first_picture(html)
    assert len(links_of(root)) == 1
    assert "/partnerships/" not in html  # no links into the registry's inside


# --- the public registry ----------------------------------------------------------------------


def test_the_public_picture_shows_only_signed_open_ties(client):
    signed(zhytomyr_indiana())
    partnership("UA-46", "US-OH")  # exploring
    signed(chernihiv_minnesota())  # signed, but confidential
    response = client.get(reverse("public:index"))
    assert response.status_code == 200
    html = response.content.decode()
    root = first_picture(html)
    assert len(tiles_of(root)) == 27 + 51
    assert stages_of(root) == ["memorandum_signed"]
    assert "Minnesota" not in html and "Чернігів" not in html.split("ties-list")[-1]
    assert 'id="ties-p-US-UA-74"' not in html and 'id="ties-p-US-UA-46"' not in html


def test_the_public_picture_follows_the_filter(client):
    signed(zhytomyr_indiana())
    signed(partnership("UA-46", "US-OH"))
    html = client.get(reverse("public:index"), {"region": "UA-46"}).content.decode()
    root = first_picture(html)
    assert len(links_of(root)) == 1


# --- the API --------------------------------------------------------------------------------


def bearer(user) -> dict[str, str]:
    return {"Authorization": f"Bearer {token_issue(user=user, name='t')[1]}"}


def test_the_api_answers_the_picture_as_svg(client, coordinator):
    zhytomyr_indiana(), chernihiv_minnesota()
    response = client.get(API, {"partner_country": "us"}, headers=bearer(coordinator))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("image/svg+xml")
    root = parsed(response.content)
    assert len(tiles_of(root)) == 78 and len(links_of(root)) == 2
    assert b'href="/regions/UA-18/"' in response.content
    tall = client.get(API, {"layout": "tall"}, headers=bearer(coordinator))
    assert tall.status_code == 200 and len(links_of(parsed(tall.content))) == 2


def test_the_api_keeps_to_the_pages_policy(client, zhytomyr, embassy):
    assert client.get(API).status_code == 401
    assert client.get(API, headers=bearer(zhytomyr)).status_code == 403
    partnership("UA-46", "CA-BC")
    response = client.get(API, {"partner_country": "CA"}, headers=bearer(embassy))
    assert response.status_code == 200 and len(links_of(parsed(response.content))) == 0


@pytest.mark.parametrize(
    "query",
    [
        {"partner_country": "ZZ"},
        {"partner_country": "UA"},
        {"partner_country": "U\x00"},
        {"partner_country": "x" * 200_000},
        {"as_of": "9999-12-31"},
        {"as_of": "0001-01-01"},
        {"layout": "round"},
    ],
)
def test_the_api_refuses_values_it_cannot_draw_with_a_422(client, coordinator, query):
    response = client.get(API, query, headers=bearer(coordinator))
    assert response.status_code in (400, 422), response.content[:200]
    assert response["Content-Type"].startswith("application/json")


def test_the_picture_and_the_policy_agree_on_what_each_overseer_sees(
    coordinator, ministry, embassy
):
    zhytomyr_indiana(), chernihiv_minnesota()
    for user in (coordinator, ministry, embassy):
        visible = policy.visible(user, Partnership).filter(partner_region__country__code="US")
        assert len(links_of(svg_for(user))) == visible.count()


# --- compact at scale -----------------------------------------------------------------------


def test_the_svg_holds_each_line_once_and_stays_within_a_budget_per_pair(coordinator):
    """At scale the picture stays small: one short path per pair and no copy of it (a tile's
    lines stand out through their classes), the tooltips and the list capped."""
    bulk_ties(300)  # 300 pairs of regions
    picture = ties.picture_of(overseen_partnerships(coordinator), us())
    svg = ties.render_svg(picture, shape="tall", href=lambda tile: f"#t-{tile.code}")
    assert svg.count("<path") == len(picture.pairs) == 300
    fixed = len(ties.render_svg(ties.picture_of(Partnership.objects.none(), us())).encode())
    assert len(svg.encode()) < fixed + 120 * 300, len(svg.encode())
    lines = links_of(parsed(svg))
    assert all(len(ET.tostring(line)) < 120 for line in lines)
    # The list names at most LIST_TIES partner regions per region of Ukraine.
    context = ties.picture_context(overseen_partnerships(coordinator), us())
    for entry in context["entries"]:
        named = sum(names.count(",") + 1 for _stage, _label, names in entry.groups)
        assert named == min(len(entry.tile.pairs), ties.LIST_TIES)
        assert entry.more == len(entry.tile.pairs) - named


def test_a_tiles_lines_carry_the_classes_its_highlight_rule_names(coordinator):
    zhytomyr_indiana(), chernihiv_minnesota()
    partnership("UA-18", "US-OH")
    picture = ties.picture_of(overseen_partnerships(coordinator), us())
    root = parsed(ties.render_svg(picture, href=lambda tile: f"#t-{tile.code}"))
    index = {code: i for i, code in enumerate(tiles_of(root))}
    links = {link.get("href"): link.get("class") for link in root.iter(f"{SVG}a")}
    assert links["#t-UA-18"] == f"t{index['UA-18']}" and links["#t-US-IN"] == f"t{index['US-IN']}"
    ends = sorted(sorted(line.get("class").split()) for line in links_of(root))
    expected = [
        sorted([f"a{index[u]}", f"a{index[p]}"])
        for u, p in (("UA-18", "US-IN"), ("UA-18", "US-OH"), ("UA-74", "US-MN"))
    ]
    assert ends == sorted(expected)
    # The stylesheet (generated, kept in step) has a rule for every tile, well past the US's.
    css = ties.STYLESHEET.read_text(encoding="utf-8")
    assert css == ties.stylesheet(), "run ties.write_stylesheet()"
    i = index["US-IN"]
    assert f".ties-svg:has(.t{i}:hover,.t{i}:focus) .a{i}" in css
    assert ties.HIGHLIGHTS > 27 + 60
    for stage in ties.LOOKS:
        assert f".tk-{stage}{{" in css


def test_a_dense_picture_s_tooltips_give_only_counts(coordinator, monkeypatch):
    """Past DENSE_PAIRS lines the tooltips say how many ties per stage, not whom (the list under
    the picture and the regions' pages name them): the page stays light."""
    zhytomyr_indiana()
    partnership("UA-18", "US-OH")
    us = Country.objects.get(code="US")

    def titles() -> list[str]:
        svg = ties.ties_svg(overseen_partnerships(coordinator), us, language="en")
        return [t.text for t in ET.fromstring(svg).iter("{http://www.w3.org/2000/svg}title")]

    assert any("Indiana" in title for title in titles() if title.startswith("Zhytomyr"))
    monkeypatch.setattr(ties, "DENSE_PAIRS", 1)
    zhytomyr = [title for title in titles() if title.startswith("Zhytomyr")]
    assert zhytomyr and all("\n" not in t and "Indiana" not in t for t in zhytomyr), zhytomyr
    assert "2 ties" in zhytomyr[0]
