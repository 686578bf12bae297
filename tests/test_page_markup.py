"""Markup every page shares, checked without a browser (issue 11, point 6): no emoji or other
pictograph (government machines often lack an emoji font: icons are inline SVG, `{% icon %}`),
htmx loaded by exactly the pages that use it, and every table cell labelled for the stacked
cards phones show. The browser half (widths, menu, tap targets, axe) is
tests/browser/test_small_screens.py.
"""

import re
from functools import cache
from pathlib import Path

import pytest
from django.template import Context, Template
from django.test import Client
from django.urls import reverse

from regionbridge.core.templatetags.icons import ICONS
from tests.conftest import close_response
from tests.test_routes_permissions import (  # noqa: F401  (fixtures the sample URLs ask for)
    ROUTES,
    media,
    meeting,
    open_tie,
    persona,
    talk,
)

ROOT = Path(__file__).resolve().parents[1] / "regionbridge"
# Emoji and the symbol blocks they come from (dingbats, miscellaneous symbols and technical
# signs, arrows and stars of U+2B00, the emoji presentation selector, flags' regional letters).
PICTOGRAPH = re.compile(
    "[\U0001f000-\U0001faff\u2300-\u23ff\u2600-\u27bf\u2b00-\u2bff\ufe0f\U0001f1e6-\U0001f1ff]"
)
HX_ATTRIBUTE = re.compile(r"\shx-[a-z-]+=")
COMMENT = re.compile(r"\{#.*?#\}|\{% comment %\}.*?\{% endcomment %\}", re.S)
LOADS_HTMX = '{% block htmx %}{% include "_htmx.html" %}{% endblock %}'
HTMX_SCRIPT = "js/htmx.min.js"
NOT_HTML = ("healthz", "readyz")


def _templates() -> dict[str, Path]:
    """Every template of the project, by the name a view or an {% include %} uses."""
    found = {}
    for path in ROOT.rglob("templates/**/*"):
        if path.is_file() and path.suffix in (".html", ".txt"):
            name = path.relative_to(next(p for p in path.parents if p.name == "templates"))
            found[name.as_posix()] = path
    return found


TEMPLATES = _templates()


@cache
def _source(name: str) -> str:
    return COMMENT.sub("", TEMPLATES[name].read_text(encoding="utf-8"))


def _extends(name: str) -> str | None:
    match = re.search(r'\{% extends "([^"]+)" %\}', _source(name))
    return match and match.group(1)


def _includes(name: str) -> list[str]:
    return re.findall(r'\{% include "([^"]+)"', _source(name))


def loads_htmx(name: str) -> bool:
    parent = _extends(name)
    return LOADS_HTMX in _source(name) or (parent is not None and loads_htmx(parent))


def uses_htmx(name: str) -> bool:
    """The template (or one it includes) has an hx-* attribute."""
    return bool(HX_ATTRIBUTE.search(_source(name))) or any(
        uses_htmx(included) for included in _includes(name) if included in TEMPLATES
    )


# --- icons ------------------------------------------------------------------------------------


def render(source: str, **context) -> str:
    return Template("{% load icons %}" + source).render(Context(context))


def test_an_icon_is_inline_svg_hidden_from_screen_readers():
    html = render('{% icon "paperclip" %}')
    assert html.startswith('<svg aria-hidden="true" focusable="false" class="icon icon-paperclip"')
    assert 'stroke="currentColor"' in html
    assert "visually-hidden" not in html


def test_an_icon_that_means_something_says_it_in_text():
    html = render('{% icon "bell" label=label size=24 %}', label="Notifications <new>")
    assert 'width="24" height="24"' in html
    assert html.endswith('<span class="visually-hidden">Notifications &lt;new&gt;</span>')


def test_an_unknown_icon_fails_loudly():
    with pytest.raises(ValueError, match="No icon named 'smiley'"):
        render('{% icon "smiley" %}')


def test_every_icon_draws_with_the_text_colour():
    for name in ICONS:
        assert "fill=" not in ICONS[name] and "style=" not in ICONS[name], name


# --- no pictographs ---------------------------------------------------------------------------


def _sources_shown_to_people() -> list[Path]:
    """Templates, Python (which renders HTML and e-mails too), our own scripts, translations."""
    paths = [*TEMPLATES.values(), *ROOT.rglob("*.py"), *ROOT.rglob("locale/*/LC_MESSAGES/*.po")]
    paths += [p for p in (ROOT / "static" / "js").glob("*.js") if p.name != "htmx.min.js"]
    return paths


def test_no_template_or_module_holds_an_emoji():
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in _sources_shown_to_people()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if PICTOGRAPH.search(line)
    ]
    assert found == [], "use {% icon %} (inline SVG) instead:\n" + "\n".join(found)


# --- htmx only where it is used ---------------------------------------------------------------


def test_htmx_is_loaded_by_the_pages_that_use_it_and_by_no_other():
    pages = [name for name in TEMPLATES if _extends(name)]
    assert "regions/index.html" in pages  # the scan does find the pages
    wrong = [
        f"{name}: {'uses htmx without loading it' if uses_htmx(name) else 'loads htmx unused'}"
        for name in pages
        if uses_htmx(name) != loads_htmx(name)
    ]
    assert wrong == [], f'fill {{% block htmx %}} with {{% include "_htmx.html" %}}: {wrong}'


def test_the_base_page_loads_no_htmx_itself():
    assert HTMX_SCRIPT not in _source("base.html")
    assert "{% block htmx %}{% endblock %}" in _source("base.html")


# --- table cells labelled for phones ----------------------------------------------------------


def test_every_table_cell_in_the_templates_is_labelled_by_its_column():
    unlabelled = [
        f"{name}: {cell}"
        for name in TEMPLATES
        for cell in re.findall(r"<td\b[^>]*>", _source(name))
        if "data-label=" not in cell and "colspan=" not in cell
    ]
    assert unlabelled == [], "give each <td> data-label=<its column's heading>"


# --- the rendered pages -----------------------------------------------------------------------


def _html_pages() -> list:
    """Each page a GET shows as HTML, with the first persona who sees it (the coordinator if
    they do)."""
    params = []
    for route, row in ROUTES.items():
        seers = [name for name, expected in row.expected.items() if expected == 200]
        not_html = row.content_type or row.name.endswith("download") or route in NOT_HTML
        if not seers or not_html:
            continue
        name = "coordinator" if "coordinator" in seers else seers[-1]
        params.append(pytest.param(row, name, id=f"{row.name}-as-{name}"))
    return params


def _check_markup(html: str, where: str) -> None:
    assert not PICTOGRAPH.search(html), f"{where} shows {PICTOGRAPH.findall(html)}"
    uses = bool(HX_ATTRIBUTE.search(html))
    assert uses == (HTMX_SCRIPT in html), f"{where}: hx-* attributes {uses}, htmx loaded {not uses}"
    for cell in re.findall(r"<td\b[^>]*>", html):
        assert "data-label=" in cell or "colspan=" in cell, f"{where}: {cell}"
    assert 'class="menu-toggle"' in html and 'aria-controls="main-nav"' in html, where


@pytest.mark.django_db
@pytest.mark.parametrize(("row", "name"), _html_pages())
def test_a_rendered_page_has_no_emoji_and_htmx_only_if_used(client: Client, request, row, name):
    user = persona(request, name)
    if user.is_authenticated:
        client.force_login(user)
    url = reverse(row.name, kwargs=row.kwargs(request, user))
    response = client.get(url)
    try:
        assert response.status_code == 200
        _check_markup(response.content.decode(), url)
    finally:
        close_response(response)


@pytest.mark.django_db
def test_the_error_pages_have_no_emoji_and_no_htmx(client: Client, outsider, reference):
    missing = client.get("/no-such-page/")
    assert missing.status_code == 404
    _check_markup(missing.content.decode(), "404")
    client.force_login(outsider)
    refused = client.get(reverse("audit:index"))
    assert refused.status_code == 403
    _check_markup(refused.content.decode(), "403")
