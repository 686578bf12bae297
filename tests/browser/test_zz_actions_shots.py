"""Throwaway (helper "actions"): walk the action pages and the desk at 360 and 1280 px."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page

from regionbridge.accounts.models import User
from regionbridge.demo.data import DEMO_DOMAIN
from regionbridge.meetings import services as meetings
from regionbridge.messaging import services as messaging
from regionbridge.organizations.models import Organization
from tests.browser.conftest import check_a11y
from tests.browser.test_directory import sign_in

pytestmark = pytest.mark.browser
OUT = Path("/tmp/action-shots")


def setup():
    z = User.objects.get(email=f"zhytomyr@{DEMO_DOMAIN}")
    i = User.objects.get(email=f"indiana@{DEMO_DOMAIN}")
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    m = meetings.meeting_create(
        by=z, title="Обмін лікарями: перша зустріч з Індіаною", starts_at=now + timedelta(days=2),
        ends_at=now + timedelta(days=2, hours=1), users=[i],
        organizations=[Organization.objects.get(key="embassy-us")],
    )
    today = timezone.localdate()
    late = meetings.action_add(by=z, title="Надіслати проєкт меморандуму до МЗС і погодити англійський текст з партнерами в Індіані", owner=z, due=today - timedelta(days=3), meeting=m)
    meetings.action_add(by=z, title="Забронювати залу", owner=z, due=today + timedelta(days=4), meeting=m)
    meetings.action_add(by=z, title="Send the English text", owner=i, due=today - timedelta(days=1), meeting=m)
    thread = messaging.thread_create(by=z, subject="Лікарні", users=[i], body="Треба купити квитки для делегації\n\nі готель")
    return m, late, thread.messages.get()


def walk(page: Page, name: str, path: str):
    for width in (360, 1280):
        page.set_viewport_size({"width": width, "height": 800})
        page.goto(path)
        sideways = page.evaluate("document.scrollingElement.scrollWidth - window.innerWidth")
        assert sideways <= 0, (name, width, sideways)
        if width == 360:
            check_a11y(page)
        OUT.mkdir(exist_ok=True)
        page.screenshot(path=OUT / f"{name}-{width}.png", full_page=True)


def test_walk(page: Page, page_errors):
    m, late, message = setup()
    page.goto("/accounts/login/")
    sign_in(page, f"zhytomyr@{DEMO_DOMAIN}")
    walk(page, "desk", "/")
    walk(page, "list", "/meetings/actions/")
    walk(page, "list-overdue", "/meetings/actions/?status=overdue")
    walk(page, "detail", f"/meetings/actions/{late.pk}/")
    walk(page, "new", f"/meetings/{m.pk}/actions/new/")
    walk(page, "from-message", f"/meetings/actions/from-message/{message.pk}/")
    walk(page, "thread", f"/messages/{message.thread_id}/")
    walk(page, "bad-filter", "/meetings/actions/?status=burnt")
    page.set_viewport_size({"width": 360, "height": 800})
    page.goto(f"/meetings/{m.pk}/actions/new/")
    page.locator("#id_due").fill("2025-02-28")
    page.locator("main form#action-form button[type=submit]").click()
    check_a11y(page)
    page.screenshot(path=OUT / "new-errors-360.png", full_page=True)
    page.goto("/accounts/logout/") if False else None
    assert not page_errors, page_errors


def test_walk_coordinator(page: Page, page_errors):
    setup()
    page.goto("/accounts/login/")
    sign_in(page, f"coordinator@{DEMO_DOMAIN}")
    walk(page, "desk-coordinator", "/")
    walk(page, "list-everyone", "/meetings/actions/?show=everyone")
    assert not page_errors, page_errors
