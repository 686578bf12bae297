"""Throwaway: walk the meeting pages at 360 and 1280 px, check width and axe, keep screenshots."""
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page

from regionbridge.accounts.models import User
from regionbridge.demo.data import DEMO_DOMAIN
from regionbridge.meetings import services as meetings
from regionbridge.organizations.models import Organization
from regionbridge.partnerships.models import Partnership
from tests.browser.conftest import check_a11y
from tests.browser.test_directory import sign_in

pytestmark = pytest.mark.browser
OUT = Path("/tmp/meeting-shots")


def setup_meetings():
    z = User.objects.get(email=f"zhytomyr@{DEMO_DOMAIN}")
    i = User.objects.get(email=f"indiana@{DEMO_DOMAIN}")
    i.timezone = "America/Indiana/Indianapolis"
    i.save()
    tie = Partnership.objects.filter(ukrainian_region__code="UA-18", partner_region__code="US-IN").first()
    if tie is None:
        from regionbridge.partnerships.services import partnership_create
        from regionbridge.regions.models import Region
        tie = partnership_create(by=None, ukrainian_region=Region.objects.get(code="UA-18"), partner_region=Region.objects.get(code="US-IN"))
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    up = meetings.meeting_create(
        by=z, title="Обмін лікарями: перша зустріч з Індіаною", starts_at=now + timedelta(days=5, hours=3),
        ends_at=now + timedelta(days=5, hours=4), users=[i], partnership=tie,
        people=["international.cooperation.department@partner-hospital.example.org"],
        organizations=[Organization.objects.get(key="embassy-us")],
        purpose="Домовитися про перший обмін лікарями між лікарнями Житомира та Індіанаполіса.",
        place="Житомирська ОВА, зала 4", online_link="https://meet.example.org/zhytomyr-indiana-exchange",
        agenda=["Вітання", "Обмін лікарями: строки й кількість", "Наступні кроки"],
    )
    meetings.meeting_respond(meeting=up, answer="accepted", by=i)
    past = meetings.meeting_create(
        by=z, title="Підготовка меморандуму", starts_at=now - timedelta(days=3),
        ends_at=now - timedelta(days=3) + timedelta(hours=1), users=[i], partnership=tie,
    )
    meetings.minutes_save(meeting=past, by=z, text="**Домовилися** підготувати проєкт.\n\n- текст українською\n- текст англійською")
    meetings.decision_add(meeting=past, by=z, text="Надіслати проєкт меморандуму до МЗС.")
    meetings.action_add(by=z, title="Надіслати проєкт до МЗС", owner=z, due=date.today() - timedelta(days=1), meeting=past)
    meetings.action_add(by=z, title="Send the English text", owner=i, due=date.today() + timedelta(days=7), meeting=past)
    return up, past, tie


def walk(page: Page, name: str, path: str, who: str, language: str):
    for width in (360, 1280):
        page.set_viewport_size({"width": width, "height": 800})
        page.goto(path)
        sideways = page.evaluate("document.scrollingElement.scrollWidth - window.innerWidth")
        assert sideways <= 0, (name, width, sideways)
        if width == 360:
            check_a11y(page)
        OUT.mkdir(exist_ok=True)
        page.screenshot(path=OUT / f"meeting-{name}-{who}-{language}-{width}.png", full_page=True)


def test_walk(page: Page, page_errors):
    up, past, tie = setup_meetings()
    page.goto("/accounts/login/")
    sign_in(page, f"zhytomyr@{DEMO_DOMAIN}")
    walk(page, "list", "/meetings/", "zhytomyr", "uk")
    walk(page, "detail", f"/meetings/{up.pk}/", "zhytomyr", "uk")
    walk(page, "past", f"/meetings/{past.pk}/", "zhytomyr", "uk")
    walk(page, "new", f"/meetings/new/?partnership={tie.pk}", "zhytomyr", "uk")
    walk(page, "edit", f"/meetings/{up.pk}/edit/", "zhytomyr", "uk")
    walk(page, "cancel", f"/meetings/{up.pk}/cancel/", "zhytomyr", "uk")
    walk(page, "partnership", f"/partnerships/{tie.pk}/", "zhytomyr", "uk")
    # errors
    page.set_viewport_size({"width": 360, "height": 800})
    page.goto("/meetings/new/")
    page.locator("#id_title").fill("Test")
    page.locator("#id_day").fill("2031-01-15")
    page.locator("#id_start").fill("11:00")
    page.locator("#id_end").fill("10:00")
    page.locator("#id_people").fill("not-an-address")
    page.locator("button[name=save]").click()
    check_a11y(page)
    page.screenshot(path=OUT / "meeting-errors-zhytomyr-uk-360.png", full_page=True)
    page.locator("header form[action$='/logout/'] button").click()
    page.goto("/accounts/login/")
    sign_in(page, f"indiana@{DEMO_DOMAIN}")
    walk(page, "detail", f"/meetings/{up.pk}/", "indiana", "en")
    walk(page, "list", "/meetings/", "indiana", "en")
    page.get_by_role("link", name=up.title).first.click()
    page.locator("button[value=tentative]").click()
    assert "may attend" in page.content()
    assert not page_errors, page_errors
