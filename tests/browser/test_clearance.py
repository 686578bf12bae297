"""A memorandum from the negotiating table to the signing, as three people see it in a browser.

Sumy's regional officer drafts a memorandum with Kentucky and submits it; the MFA returns it once
with comments, then has no objection; the Ministry for Development approves it by order; the
officer records the signing. Each person has their own browser context; every page on the way
is checked with axe (serious and critical violations fail the test).
"""

import re
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from playwright.sync_api import Browser, ConsoleMessage, Page, expect

from regionbridge.accounts.models import User
from regionbridge.accounts.services import role_assign, user_create
from regionbridge.demo.data import DEMO_DOMAIN, DEMO_PASSWORD
from regionbridge.organizations.models import Organization
from regionbridge.partnerships import clearance
from regionbridge.partnerships.models import Document, Partnership
from regionbridge.regions.models import Region
from tests.browser.conftest import ARTIFACTS, check_a11y

pytestmark = pytest.mark.browser

SUMY_OFFICER = f"sumy@{DEMO_DOMAIN}"
SUMY_OFFICER_NAME = "Olena Hrytsenko"
MFA = f"mfa@{DEMO_DOMAIN}"
MINDEV = f"mindev@{DEMO_DOMAIN}"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"
TITLE_EN = "Memorandum on cooperation in reconstruction and energy"
TITLE_UK = "Меморандум про співробітництво у сферах відбудови та енергетики"
MFA_COMMENT = "Article 4: name the Ministry for Development as the coordinating body."
ORDER_NUMBER = "417-р"
DOCUMENT_URL = re.compile(r"/partnerships/documents/\d+/$")


@pytest.fixture
def media(settings, tmp_path: Path) -> Path:
    """Uploaded texts go to the test's own folder, not to var/media."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def sumy_officer(demo_site: str) -> None:
    """The demo has a regional officer for Zhytomyr only: add one for Sumy Oblast."""
    user = user_create(
        email=SUMY_OFFICER, password=DEMO_PASSWORD, full_name=SUMY_OFFICER_NAME, language="en"
    )
    role_assign(user=user, role="regional", region=Region.objects.get(code="UA-59"))


@pytest.fixture
def new_page(
    request, browser: Browser, demo_site: str, page_errors: list[str]
) -> Iterator[Callable[[], Page]]:
    """Open a page in a browser context of its own (another person), like conftest's `page`."""
    opened: list[Page] = []

    def open_page() -> Page:
        context = browser.new_context(
            base_url=demo_site, locale="en-US", viewport={"width": 1280, "height": 900}
        )
        context.set_default_timeout(5_000)
        page = context.new_page()

        def on_console(message: ConsoleMessage) -> None:
            if message.type == "error":
                page_errors.append(f"console: {message.text} ({page.url})")

        page.on("console", on_console)
        page.on("pageerror", lambda error: page_errors.append(f"page error: {error} ({page.url})"))
        opened.append(page)
        return page

    yield open_page
    report = getattr(request.node, "rep_call", None)
    for number, page in enumerate(opened, start=1):
        if report is not None and report.failed:
            ARTIFACTS.mkdir(exist_ok=True)
            path = ARTIFACTS / f"failed-{request.node.name}-{number}.png"
            page.screenshot(path=path, full_page=True)
        page.context.close()


def html_lang(page: Page, lang: str) -> None:
    expect(page.locator("html")).to_have_attribute("lang", lang)


def sign_in(page: Page, email: str) -> None:
    """Sign in from the login page (ids, not labels: either language)."""
    page.goto("/accounts/login/")
    page.locator("#id_username").fill(email)
    page.locator("#id_password").fill(DEMO_PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page.locator("header form[action$='/logout/'] button")).to_be_visible()


def to_english(page: Page) -> None:
    page.locator("header button[name=language][value=en]").click()
    html_lang(page, "en")


def document_status(page: Page):
    return page.locator("#document-status")


def submit(page: Page, action: str) -> None:
    """Press the button of the document page's form that posts to .../<action>/."""
    page.locator(f"main form[action$='/{action}/'] button[type=submit]").click()


def upload_text(page: Page, path: Path) -> None:
    page.locator("#id_language").select_option("uk")
    page.locator("#id_file").set_input_files(path)
    submit(page, "upload")
    expect(page).to_have_url(DOCUMENT_URL)
    expect(page.locator(".messages")).to_contain_text("Text uploaded.")


def open_from_review_queue(page: Page, document: Document) -> None:
    page.locator("header nav a[href='/partnerships/reviews/']").click()
    expect(page).to_have_url(re.compile(r"/partnerships/reviews/$"))
    row = page.locator("main tbody tr").filter(
        has=page.locator(f"a[href='/partnerships/documents/{document.pk}/']")
    )
    expect(row).to_have_count(1)
    check_a11y(page)
    row.locator("a").click()
    expect(page).to_have_url(re.compile(rf"/partnerships/documents/{document.pk}/$"))
    expect(page.locator("main form[action$='/review/']")).to_be_visible()
    # One clearing ministry per account: no choice of ministry to make.
    expect(page.locator("#id_ministry")).to_have_count(0)


def record_decision(
    page: Page, document: Document, decision: str, *, comments: str = "", order: str = ""
) -> None:
    # Radios with none chosen: the decision is made on purpose.
    radios = page.locator("main input[name=decision]")
    expect(radios.first).to_be_visible()
    for radio in radios.all():
        expect(radio).not_to_be_checked()
    page.locator(f"main input[name=decision][value={decision}]").check()
    if order:
        page.locator("#id_order_number").fill(order)
    if comments:
        page.locator("#id_comments").fill(comments)
    submit(page, "review")
    # On to the next draft waiting for a decision, or to the queue when none waits.
    expect(page).to_have_url(re.compile(r"/partnerships/(documents/\d+|reviews)/$"))
    expect(page.locator(".messages .msg-success")).to_be_visible()
    page.goto(f"/partnerships/documents/{document.pk}/")


def test_memorandum_goes_from_negotiating_through_clearance_to_signed(
    page: Page,
    new_page: Callable[[], Page],
    sumy_officer: None,
    media: Path,
    tmp_path: Path,
    page_errors: list[str],
):
    partnership = Partnership.objects.get(
        ukrainian_region__code="UA-59", partner_region__code="US-KY"
    )
    assert partnership.stage == "negotiating"
    draft = tmp_path / "memorandum-sumy-kentucky.pdf"
    draft.write_bytes(PDF)
    revised = tmp_path / "memorandum-sumy-kentucky-rev2.pdf"
    revised.write_bytes(PDF.replace(b"1 0 obj", b"1 0 obj %rev2"))

    # --- The Sumy officer (an English-speaking account) finds the negotiation. ---------------
    officer = page
    sign_in(officer, SUMY_OFFICER)
    html_lang(officer, "en")
    officer.locator("header nav a[href='/partnerships/']").click()
    expect(officer).to_have_url(re.compile(r"/partnerships/$"))
    officer.locator("#id_region").select_option("UA-59")
    officer.locator("main form[role=search] button[type=submit]").click()
    expect(officer).to_have_url(re.compile(r"/partnerships/\?.*region=UA-59"))
    row = officer.locator("main tbody tr").filter(has_text="Kentucky")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Sumy Oblast")
    expect(row.locator(".stage")).to_have_text("negotiating")
    check_a11y(officer)
    row.locator(f"a[href='/partnerships/{partnership.pk}/']").click()

    expect(officer).to_have_url(re.compile(rf"/partnerships/{partnership.pk}/$"))
    expect(officer.get_by_role("heading", level=1)).to_have_text("Sumy Oblast – Kentucky")
    expect(officer.locator("main h1 + p .stage")).to_have_text("negotiating")
    expect(officer.locator("#h-docs + *")).to_contain_text("No documents yet.")
    check_a11y(officer)

    # A new document: a memorandum of understanding, titled in both languages.
    officer.locator(f"main a[href='/partnerships/{partnership.pk}/documents/new/']").click()
    expect(officer).to_have_url(re.compile(rf"/partnerships/{partnership.pk}/documents/new/$"))
    check_a11y(officer)
    officer.locator("#id_kind").select_option("memorandum")
    officer.locator("#id_title_0").fill(TITLE_UK)
    officer.locator("#id_title_1").fill(TITLE_EN)
    officer.locator("main form button[type=submit]").click()
    expect(officer).to_have_url(DOCUMENT_URL)
    document = Document.objects.get(partnership=partnership)
    expect(officer.get_by_role("heading", level=1)).to_have_text(TITLE_EN)
    expect(document_status(officer)).to_have_text("draft")
    check_a11y(officer)

    # Its Ukrainian text, then off to the ministries.
    upload_text(officer, draft)
    expect(officer.locator("main")).to_contain_text(draft.name)
    submit(officer, "submit")
    expect(officer.locator(".messages")).to_contain_text("Sent to the ministries for review.")
    expect(document_status(officer)).to_have_text("under review")
    expect(officer.locator("main")).to_contain_text("review round 1")
    # Under review: no new text, no second submission.
    expect(officer.locator("main form[action$='/upload/']")).to_have_count(0)
    expect(officer.locator("main form[action$='/submit/']")).to_have_count(0)
    check_a11y(officer)

    # --- The MFA (a Ukrainian-speaking account) returns the draft with comments. -------------
    mfa = new_page()
    sign_in(mfa, MFA)
    html_lang(mfa, "uk")
    open_from_review_queue(mfa, document)
    check_a11y(mfa)
    record_decision(mfa, document, "returned", comments=MFA_COMMENT)
    document.refresh_from_db()
    assert document.status == "returned"
    expect(mfa.locator("main form[action$='/review/']")).to_have_count(0)
    expect(mfa.locator("main")).to_contain_text(MFA_COMMENT)
    check_a11y(mfa)
    # Nothing waits for the MFA any more.
    mfa.goto("/partnerships/reviews/")
    expect(mfa.locator(f"main a[href='/partnerships/documents/{document.pk}/']")).to_have_count(0)

    # --- The officer reads the comments, uploads a revised text and submits again. ----------
    officer.reload()
    expect(document_status(officer)).to_have_text("returned with comments")
    returned = officer.locator("main .card[role=status]")
    expect(returned.get_by_role("heading", level=2)).to_have_text("Returned with comments")
    expect(returned).to_contain_text(MFA_COMMENT)
    check_a11y(officer)
    upload_text(officer, revised)
    expect(officer.locator("main")).to_contain_text(revised.name)
    expect(officer.locator("main")).to_contain_text("v2")
    submit(officer, "submit")
    expect(document_status(officer)).to_have_text("under review")
    expect(officer.locator("main")).to_contain_text("review round 2")

    # --- The MFA has no objection to the revised draft. --------------------------------------
    open_from_review_queue(mfa, document)
    record_decision(mfa, document, "no_objection")
    document.refresh_from_db()
    assert document.status == "under_review"  # the Ministry for Development is still to decide

    # --- The Ministry for Development approves it by order (in English). ---------------------
    mindev = new_page()
    sign_in(mindev, MINDEV)
    to_english(mindev)
    open_from_review_queue(mindev, document)
    expect(document_status(mindev)).to_have_text("under review")
    check_a11y(mindev)
    record_decision(mindev, document, "approved", order=ORDER_NUMBER)
    expect(document_status(mindev)).to_have_text("cleared")
    expect(mindev.locator("main form[action$='/review/']")).to_have_count(0)
    reviews = mindev.locator("main h2:has-text('Reviews') + ul li")
    expect(reviews).to_have_count(3)
    expect(reviews.filter(has_text="approved by order")).to_contain_text(
        f"Order No. {ORDER_NUMBER}"
    )
    expect(reviews.filter(has_text="no objection")).to_contain_text("Round 2")
    expect(reviews.filter(has_text="returned with comments")).to_contain_text(MFA_COMMENT)
    check_a11y(mindev)
    mindev.goto("/partnerships/reviews/")
    expect(mindev.locator("main tbody")).to_contain_text("Nothing waits for you.")
    check_a11y(mindev)

    # --- The officer records the signing. -----------------------------------------------------
    today = timezone.localdate()
    officer.reload()
    expect(document_status(officer)).to_have_text("cleared")
    check_a11y(officer)
    officer.locator("#id_signed_on").fill(today.isoformat())
    # Names and places in English (the second of each pair: Ukrainian, English).
    officer.locator("#id_place_1").fill("Frankfort, Kentucky")
    officer.locator("#id_valid_until").fill((today + timedelta(days=5 * 365)).isoformat())
    officer.locator("#id_ukrainian_signatory_1").fill("Petro Kovalenko")
    officer.locator("#id_ukrainian_title_1").fill("Head of the Sumy Oblast Military Administration")
    officer.locator("#id_partner_signatory_1").fill("Mark Ellison")
    officer.locator("#id_partner_title_1").fill("Governor of Kentucky")
    submit(officer, "sign")
    expect(officer).to_have_url(DOCUMENT_URL)
    expect(officer.locator(".messages")).to_contain_text("Signing recorded.")
    expect(document_status(officer)).to_have_text("signed")
    facts = officer.locator("main dl.facts")
    expect(facts).to_contain_text(f"{today.isoformat()}, Frankfort, Kentucky")
    expect(facts).to_contain_text("Petro Kovalenko")
    expect(facts).to_contain_text("Mark Ellison, Governor of Kentucky")
    expect(officer.locator("main form[action$='/sign/']")).to_have_count(0)
    check_a11y(officer)

    # The partnership: memorandum signed, with the clearance and the signing in its timeline.
    officer.locator(f"main a[href='/partnerships/{partnership.pk}/']").click()
    expect(officer).to_have_url(re.compile(rf"/partnerships/{partnership.pk}/$"))
    stage = officer.locator("main h1 + p .stage")
    expect(stage).to_have_text("memorandum signed")
    expect(stage).to_have_class(re.compile(r"\bstage-memorandum_signed\b"))
    timeline = officer.locator("main ol.timeline > li")
    approved = timeline.filter(has_text="draft approved by the ministry")
    expect(approved).to_have_count(1)
    expect(approved).to_contain_text(ORDER_NUMBER)
    signed = timeline.filter(has_text=re.compile(r"· signed →"))
    expect(signed).to_have_count(1)
    expect(signed).to_contain_text("memorandum signed")
    expect(signed).to_contain_text("Mark Ellison (Governor of Kentucky)")
    expect(signed).to_contain_text("Frankfort, Kentucky")
    # Newest first: the signing, then the clearance, then the negotiations reported in the demo.
    expect(timeline.first).to_contain_text("signed")
    expect(timeline.last).to_contain_text("negotiations reported")
    documents = officer.locator("#h-docs + ul li")
    expect(documents).to_have_count(1)
    expect(documents).to_contain_text(f"{TITLE_EN} · signed · {today.isoformat()}")
    check_a11y(officer)
    ARTIFACTS.mkdir(exist_ok=True)
    officer.screenshot(path=ARTIFACTS / "partnership-signed.png", full_page=True)

    partnership.refresh_from_db()
    assert partnership.stage == "memorandum_signed"
    versions = document.versions.order_by("number").values_list("language", "original_name")
    assert list(versions) == [("uk", draft.name), ("uk", revised.name)]
    assert page_errors == []


def test_ministry_that_has_decided_gets_no_second_decision_form(
    page: Page, sumy_officer: None, media: Path, page_errors: list[str]
):
    partnership = Partnership.objects.get(
        ukrainian_region__code="UA-59", partner_region__code="US-KY"
    )
    officer = User.objects.get(email=SUMY_OFFICER)
    document = clearance.document_create(
        partnership=partnership, kind="memorandum", by=officer, title_en=TITLE_EN
    )
    clearance.document_add_version(
        document=document,
        language="uk",
        upload=SimpleUploadedFile("memorandum.pdf", PDF, content_type="application/pdf"),
        by=officer,
    )
    clearance.document_submit(document=document, by=officer)
    clearance.document_review(
        document=document,
        ministry=Organization.objects.get(key="mfa"),
        decision="no_objection",
        by=User.objects.get(email=MFA),
    )

    sign_in(page, MFA)
    page.goto(f"/partnerships/documents/{document.pk}/")
    expect(document_status(page)).to_be_visible()
    # Still under review (the Ministry for Development has not decided), but not by the MFA.
    expect(page.locator("main form[action$='/review/']")).to_have_count(0)
    assert page_errors == []
