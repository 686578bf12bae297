"""Browser fixtures: Debian's chromium driven by Playwright (sync API), checked with axe.

The browser starts once per module; every test gets a fresh context (no cookies), the demo data
and a live server. Nothing is downloaded: chromium comes from Debian, axe from its wheel.
"""

from collections.abc import Iterator
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, ConsoleMessage, Page, sync_playwright

from regionbridge.demo.services import demo_load
from tests.conftest import ensure_reference

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
BLOCKING_IMPACTS = {"serious", "critical"}

_axe = Axe()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    # The page fixture reads this to keep a screenshot of a failed test.
    setattr(item, f"rep_{report.when}", report)
    return report


def _describe(violation: dict) -> str:
    lines = [
        f"- {violation['id']} ({violation['impact']}): {violation['help']}",
        f"  {violation['helpUrl']}",
    ]
    for node in violation["nodes"]:
        lines.append(f"    target: {', '.join(map(str, node['target']))}")
        lines.append(f"      html: {' '.join(node['html'].split())}")
        summary = " ".join(node.get("failureSummary", "").split())
        if summary:
            lines.append(f"      why: {summary}")
    return "\n".join(lines)


def check_a11y(page: Page) -> list[dict]:
    """Run axe on the page as it is now; fail on serious or critical violations.

    Minor and moderate ones are printed (shown with -rA or on failure) and returned.
    """
    violations = _axe.run(page).response["violations"]
    blocking = [v for v in violations if v["impact"] in BLOCKING_IMPACTS]
    others = [v for v in violations if v["impact"] not in BLOCKING_IMPACTS]
    where = f"{page.url} (lang={page.locator('html').get_attribute('lang')})"
    if others:
        print(f"axe, minor/moderate on {where}:\n" + "\n".join(map(_describe, others)))
    if blocking:
        report = "\n".join(map(_describe, blocking))
        pytest.fail(f"accessibility violations on {where}:\n{report}", pytrace=False)
    return others


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    # The sync API runs an event loop in this thread; Django would then refuse ORM calls
    # (fixtures, teardown flush) with SynchronousOnlyOperation. The ORM is used between
    # browser calls only, never concurrently with them.
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
            )
            yield browser
            browser.close()


@pytest.fixture
def demo_site(live_server, monkeypatch) -> Iterator[str]:
    """The live server's address, with the reference and demo data loaded.

    live_server uses transactional_db: the database is flushed after every such test.
    """
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    ensure_reference()
    demo_load()
    yield live_server.url
    # The live bus of this test goes with it: its poll thread reads messages every few seconds,
    # and on the tests' shared-cache in-memory SQLite a read at the moment the next test writes
    # fails that write at once ("database table is locked"; no busy wait in a shared cache).
    from regionbridge.messaging import live

    if live._hub is not None:
        live._hub.stop()
        live._hub = None


@pytest.fixture
def page_errors() -> list[str]:
    """Console errors (CSP refusals included) and uncaught exceptions of the test's page."""
    return []


@pytest.fixture
def page(request, browser: Browser, demo_site: str, page_errors: list[str]) -> Iterator[Page]:
    # An English-speaking browser: the site must still default to Ukrainian.
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
    yield page
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=ARTIFACTS / f"failed-{request.node.name}.png", full_page=True)
    context.close()
