"""Needs and offers in a browser (issue 14), with the demo's posts.

Each side of the article's example in its own language: Zhytomyr's rehabilitation center in
Ukrainian, Indiana's liaison in English, at 360 and 1280 px: the list, the need's page with its
suggestions and their reasons in the reader's language, a new need (empty, then valid), Connect
landing on the thread, and an import whose preview shows a bad row. The coordinator's overview
and the taxonomy. No page scrolls sideways on a phone, axe finds nothing serious, the console
stays clean. Screenshots go to docs/screenshots/matching-<page>-<persona>-<lang>-<width>.png.
"""

import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from regionbridge.matching.models import Post
from regionbridge.matching.tasks import refresh
from regionbridge.partnerships.facts import facts_load
from tests.browser.conftest import check_a11y
from tests.browser.test_small_screens import sideways, signed_in, speak

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
WIDTHS = (360, 1280)
PERSONAS = [("institution", "uk"), ("indiana", "en")]
NEED = "Протезування верхніх кінцівок для ветеранів"
OFFER = "Upper-limb prosthetics fitting and training"
# What the reasons say of the pair, in the reader's language.
REASON = {"uk": "протезування", "en": "prosthetics"}
CONNECT = {"uk": "Зв'язатися", "en": "Connect"}


@pytest.fixture
def with_facts(demo_site: str) -> str:
    """The demo as `load-demo` sees it, with the real ties (Zhytomyr–Indiana among them), its
    needs matched again so that their reasons name the partnership."""
    facts_load()
    refresh(everything=True)  # as `regionbridge refresh-matches` after ties change
    return demo_site


def looked_at(page: Page, name: str, persona: str, language: str, *, top: int = 0) -> None:
    """At both widths: no sideways scroll on the phone, a screenshot (of its `top` pixels
    only when given: a long page), and axe."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": top or 900})
        assert sideways(page) <= 0, f"{name} ({persona}, {language}) scrolls sideways at {width}"
        page.screenshot(
            path=SCREENSHOTS / f"matching-{name}-{persona}-{language}-{width}.png",
            full_page=not top,
            timeout=20_000,
        )
        check_a11y(page)


@pytest.mark.parametrize(("persona", "language"), PERSONAS)
def test_each_side_finds_the_other_and_connects_in_its_own_language(
    browser: Browser, with_facts: str, page_errors: list[str], persona: str, language: str
):
    page = signed_in(browser, with_facts, page_errors, persona)
    page.goto("/matching/")
    speak(page, language)
    page.goto("/matching/")
    expect(page.locator("table.posts")).to_contain_text(NEED)
    expect(page.locator("table.posts")).to_contain_text(OFFER)
    looked_at(page, "list", persona, language)

    # The need's page: the Indiana offer suggested, its reasons in the reader's language.
    need = Post.objects.get(title=NEED)
    page.goto(f"/matching/{need.pk}/")
    suggestion = page.locator(".suggestion", has_text=OFFER)
    expect(suggestion).to_be_visible()
    expect(suggestion.locator(".reasons")).to_contain_text(REASON[language])
    looked_at(page, "need", persona, language)

    # A new need: empty, the error summary; then a valid one, its own page.
    page.goto("/matching/needs/new/")
    looked_at(page, "form", persona, language)
    page.locator("#post-form button[type=submit]").click()
    expect(page.locator(".error-summary")).to_be_visible()
    looked_at(page, "form-errors", persona, language)
    title = {
        "uk": "Обладнання для ерготерапії",
        "en": "Occupational therapy equipment for a children's ward",
    }[language]
    page.fill("#id_title", title)
    page.fill(
        "#id_description",
        {
            "uk": "Потрібні тренажери для відновлення дрібної моторики рук після поранень.",
            "en": "Hand therapy kits and training for two therapists, for 30 children a year.",
        }[language],
    )
    # The topics wait folded under their disclosure.
    topic = page.locator("input[name=topics][value=occupational_therapy]")
    expect(topic).to_be_hidden()
    page.locator(".topics-pick summary").click()
    topic.check()
    page.locator("#post-form button[type=submit]").click()
    expect(page.locator("h1")).to_have_text(title)
    assert re.search(r"/matching/\d+/$", page.url), page.url

    # Connect on the suggestion: the thread between both organizations opens.
    page.goto(f"/matching/{need.pk}/")
    page.locator(".suggestion", has_text=OFFER).get_by_role(
        "button", name=re.compile(CONNECT[language])
    ).click()
    expect(page).to_have_url(re.compile(r"/messages/\d+/$"))
    expect(page.locator("main")).to_contain_text(OFFER)
    looked_at(page, "thread", persona, language)
    page.context.close()
    # The empty form's 400 is the only error the browser may report.
    assert [e for e in page_errors if "status of 400" not in e] == []


CSV = (
    "kind,title,description,sphere,topics,institution_type,region,scale,timing,audience\n"
    "need,Протези для дітей,Потрібні дитячі протези рук і навчання батьків.,healthcare,,"
    "rehabilitation,UA-18,10 дітей,2026,members\n"
    "wish,Something odd,A row whose kind is neither need nor offer.,healthcare,,,US-IN,,,members\n"
    "offer,Wheelchair repair training,We train technicians to repair wheelchairs.,healthcare,,,"
    "UA-18,,,partners\n"
)


@pytest.mark.parametrize(("persona", "language"), PERSONAS)
def test_an_import_shows_each_bad_row_before_anything_is_saved(
    browser: Browser, demo_site: str, page_errors: list[str], persona: str, language: str, tmp_path
):
    page = signed_in(browser, demo_site, page_errors, persona)
    page.goto("/matching/import/")
    speak(page, language)
    page.goto("/matching/import/")
    looked_at(page, "import", persona, language)
    upload = tmp_path / "posts.csv"
    upload.write_text(CSV, encoding="utf-8")
    page.set_input_files("#id_file", upload)
    before = Post.objects.count()
    page.locator("#import-form button[type=submit]").click()
    expect(page.locator("table.import-rows")).to_be_visible()
    rows = page.locator("table.import-rows tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.nth(0).locator(".errorlist")).to_have_count(0)
    expect(rows.nth(1).locator(".errorlist")).to_be_visible()
    expect(rows.nth(2).locator(".errorlist")).to_have_count(0)
    looked_at(page, "import-preview", persona, language)
    assert Post.objects.count() == before
    page.context.close()
    assert page_errors == []


def test_the_coordinator_sees_unmatched_needs_and_the_taxonomy(
    browser: Browser, with_facts: str, page_errors: list[str]
):
    page = signed_in(browser, with_facts, page_errors, "coordinator")
    for language in ("uk", "en"):
        page.goto("/matching/overview/")
        speak(page, language)
        page.goto("/matching/overview/")
        expect(page.locator("main")).to_contain_text(
            {"uk": "Житомирська", "en": "Zhytomyr"}[language]
        )
        looked_at(page, "overview", "coordinator", language)
        page.goto("/matching/taxonomy/?q=prosthetics")
        expect(page.locator("#topic-prosthetics")).to_be_visible()
        page.goto("/matching/taxonomy/")
        looked_at(page, "taxonomy", "coordinator", language, top=2400)
    page.context.close()
    assert page_errors == []
