"""The Settings page in Chromium: a person finds it in the header, picks a zone from the
searchable list, and from then on reads every time in it (issue 12)."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from escalations.services import escalate
from notifications.models import EmailMode, Preferences

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_customer_picks_berlin_time_and_the_digest_and_reads_every_time_in_it(
    page, sign_in, screenshot, customer, make_case
):
    case = make_case(subject="Reports time out", created_at=timezone.now() - timedelta(days=3))
    escalate(case, customer, "other", "Our launch is today.")
    sign_in(page, customer)
    page.goto(case.get_absolute_url())
    expect(page.locator("#escalate")).to_contain_text("UTC")

    page.get_by_role("link", name="Settings").click()
    expect(page.get_by_role("heading", name="Settings", level=1)).to_be_visible()
    zone = page.get_by_label("Time zone")
    # The field offers the names to search as one types (its datalist), and says the default.
    assert zone.get_attribute("list") == "time-zone-names"
    assert page.locator("#time-zone-names option[value='Europe/Berlin']").count() == 1
    expect(zone).to_have_attribute("placeholder", "UTC")
    zone.fill("europe/berlin")
    page.get_by_label("One daily digest email").check()
    screenshot(page, "settings")
    page.get_by_role("button", name="Save settings").click()

    expect(page.get_by_role("status")).to_contain_text("Your settings are saved.")
    expect(page.get_by_label("Time zone")).to_have_value("Europe/Berlin")
    preferences = Preferences.objects.get(user=customer)
    assert (preferences.time_zone, preferences.email_mode) == ("Europe/Berlin", EmailMode.DIGEST)
    page.goto(case.get_absolute_url())
    panel = page.locator("#escalate")
    expect(panel).to_contain_text(re.compile(r"\d\d:\d\d CES?T"))
    expect(panel).to_contain_text("of business time left")
    expect(panel).not_to_contain_text("UTC")
    screenshot(page, "review-pending-in-berlin")


def test_a_zone_that_does_not_exist_is_explained_next_to_the_field(page, sign_in, customer):
    sign_in(page, customer)
    page.goto("/account/settings/")

    page.get_by_label("Time zone").fill("Berlin, Germany")
    page.get_by_role("button", name="Save settings").click()

    expect(page.locator(".errorlist")).to_contain_text("is not a time zone we know")
    expect(page.get_by_label("Time zone")).to_have_attribute("aria-invalid", "true")
    assert not Preferences.objects.filter(user=customer).exists()
