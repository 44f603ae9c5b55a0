"""Found by a review of the physio's progression page in Chromium (390 and 1280 px, mouse and
keyboard only). Each test fails on the code as reviewed and says what the physio meets."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser import test_progression as progression
from tests.browser.conftest import screenshot
from tests.browser.test_progression import settled_patient

pytestmark = pytest.mark.browser


@pytest.fixture
def people(live_app, synced_library):
    """A physio and their patient on the default three exercises (bridge, clam, knee to
    chest), with three settled sessions (``decisions_page`` then runs the rules)."""
    return settled_patient(live_app, "Ladder Clinic", "Lena Physio", "Owen Patient")


def decisions_page(page, people):
    progression.decisions_page(page, people, "Owen Patient")


def latest_item(page, name: str):
    return page.locator("section[aria-labelledby='latest-title']").get_by_role(
        "listitem").filter(has_text=name)


def test_an_override_refused_for_a_missing_part_of_the_dose_says_so_by_that_field(page, people):
    """The knee to chest is held for 30 s. The physio opens "Override with your own dose",
    clears "Hold (s)" (meaning: no hold) and says why. The page comes back with "Give the same
    parts of the dose as the exercise has now (reps, hold time or both)." at the very top,
    screens away from the form on a phone, while the Hold field itself carries no error, is
    not marked invalid, and nothing in the knee to chest's own form says what went wrong:
    a screen-reader user hears the form again as if nothing had been refused."""
    decisions_page(page, people)
    knee = latest_item(page, "Knee to chest")
    knee.get_by_text("Override with your own dose").click()
    knee.get_by_label("Sets").fill("2")
    knee.get_by_label("Hold (s)").fill("")
    knee.get_by_label("Why").fill("Sore after the weekend")
    knee.get_by_role("button", name="Override").click()
    expect(page.locator(".error-summary")).to_contain_text("Give the same parts of the dose")
    knee = latest_item(page, "Knee to chest")
    screenshot(page, "review-override-missing-hold")
    hold = knee.get_by_label("Hold (s)")
    expect(hold).to_be_visible()
    expect(hold).to_have_attribute("aria-invalid", "true")
    expect(knee).to_contain_text("Give the same parts of the dose")


def test_after_a_refused_override_the_keyboard_lands_on_the_problem(page, people):
    """With the keyboard only: the physio types Sets 0 in the clam's override and presses
    Enter. The page reloads with the error by the Sets field, but focus is back at the top of
    the document (the settings form, by contrast, puts focus on its error summary): the
    physio must tab through the navigation, every waiting decision and the other overrides to
    get back to the field they have to correct, and a screen reader announces nothing of it
    where they are."""
    decisions_page(page, people)
    clam = latest_item(page, "Clam")
    clam.get_by_text("Override with your own dose").focus()
    page.keyboard.press("Enter")  # opens the <details>
    clam.get_by_label("Sets").focus()
    page.keyboard.press("Control+a")
    page.keyboard.type("0")
    clam.get_by_label("Why").focus()
    page.keyboard.type("Fewer sets this week")
    page.keyboard.press("Enter")
    expect(page.locator(".error-summary")).to_contain_text("not saved")
    screenshot(page, "review-override-refused-focus")
    focused = page.evaluate(
        "() => [document.activeElement.tagName, document.activeElement.id,"
        " document.activeElement.className]")
    on_problem = page.evaluate(
        "() => { const a = document.activeElement;"
        " return !!(a && (a.closest('.error-summary') || a.getAttribute('aria-invalid')"
        " === 'true')); }")
    assert on_problem, f"focus is on {focused}"
