"""Found by a review of the physio's pages in Chromium (each failed before its fix): reordering
by Order, errors tied to a row's field and named by row in the summary, focus on the summary,
a refused alert answer or override kept on the page as typed, and alert buttons that say which
alert they act on."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from exercise_app.extensions import db
from exercise_app.models import Alert, AlertStatus, now_utc
from exercise_app.triage.operations import recount_alerts
from tests.browser.conftest import screenshot
from tests.browser.test_accounts import sign_in
from tests.browser.test_progression import (
    decisions_page,
    settled_patient,
)

pytestmark = pytest.mark.browser


@pytest.fixture
def people(live_app, synced_library):
    """A physio and their patient on the default three exercises (bridge, clam, knee to
    chest), with three settled sessions."""
    return settled_patient(live_app, "Review Clinic", "Rita Physio", "Sam Patient")


def open_alert(live_app, patient_id: int, reason: str, code: str, days_ago: int) -> int:
    with live_app.app_context():
        alert = Alert(patient_id=patient_id, level="high", code=code, reason=reason,
                      evidence={}, day=now_utc().date() - timedelta(days=days_ago),
                      status=AlertStatus.OPEN)
        db.session.add(alert)
        recount_alerts(patient_id)
        db.session.commit()
        return alert.id


def open_editor(page, people) -> None:
    sign_in(page, people["physio"])
    page.get_by_role("link", name="Sam Patient").click()
    page.get_by_role("link", name="Change the programme").click()
    expect(page.locator("#exercises-0-exercise")).to_have_value("glute-bridge")


# The programme editor ---------------------------------------------------------------------------


def test_setting_a_rows_order_to_1_moves_it_to_the_top(page, people):
    """Typing Order 1 on the third row (as the hint says, "Change Order to reorder") saves it
    second, not first: ties are broken in favour of the row that already had that number."""
    open_editor(page, people)
    page.locator("#exercises-2-position").fill("1")  # knee to chest to the top
    page.get_by_role("button", name="Save the programme").click()
    expect(page.get_by_text("programme is saved")).to_be_visible()
    current = page.locator("section", has=page.get_by_role("heading", name="Current programme"))
    expect(current).to_contain_text("Version 2, since")  # the version just saved is in force
    expect(current.locator("ol > li").first).to_contain_text("Knee to chest")


def test_a_rows_field_error_is_tied_to_its_field(page, people):
    """An error on a row's dose field (Reps 0) is printed at the bottom of the row but the
    input gets neither aria-invalid nor aria-describedby, so a screen reader on the field
    hears nothing wrong."""
    open_editor(page, people)
    page.locator("#exercises-0-reps").fill("0")
    page.get_by_role("button", name="Save the programme").click()
    expect(page.locator("#error-summary")).to_be_visible()
    reps = page.locator("#exercises-0-reps")
    expect(reps).to_have_attribute("aria-invalid", "true")
    described = reps.get_attribute("aria-describedby") or ""
    assert described, "the reps input is not described by its error"
    text = " ".join(page.locator(f"[id='{i}']").inner_text() for i in described.split())
    assert "between 1 and 100" in text


def test_the_error_summary_says_which_row_is_wrong(page, people):
    """The error summary's link reads only "Reps: Number must be between 1 and 100." and
    does not say which of the exercises (rows) it is about."""
    open_editor(page, people)
    page.locator("#exercises-1-reps").fill("0")  # the clam, row 2
    page.get_by_role("button", name="Save the programme").click()
    link = page.locator("#error-summary").get_by_role("link")
    expect(link).to_have_count(1)
    expect(link).to_have_text(re.compile(r"Exercise 2|Clam"))


def test_a_refused_save_moves_focus_to_the_error_summary(page, people):
    """After a refused save focus stays at the top of the reloaded page rather than on the
    error summary (tabindex=-1 but nothing focuses it), so keyboard and screen-reader users
    are not told the save failed."""
    open_editor(page, people)
    page.locator("#exercises-0-reps").fill("0")
    page.get_by_role("button", name="Save the programme").click()
    expect(page.locator("#error-summary")).to_be_visible()
    expect(page.locator("#error-summary")).to_be_focused()


# Alerts and notes on the patient page -----------------------------------------------------------


def test_resolving_an_alert_without_a_note_keeps_the_physio_on_the_patient_page(
        page, live_app, people):
    """Pressing Resolve with the note left blank replaces the patient page with a bare
    "Error 409" page (link to the start page only) instead of showing "Say how the alert
    was resolved" beside the alert's note field."""
    open_alert(live_app, people["patient_id"], "Pain reached 8/10 after exercise.",
               "pain_severe", 2)
    sign_in(page, people["physio"])
    page.get_by_role("link", name="Sam Patient").click()
    alerts = page.locator("#alerts")
    alerts.get_by_role("button", name="Resolve").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sam Patient")
    expect(page.locator("#alerts")).to_contain_text("Say how the alert was resolved")
    page.locator("#alerts").scroll_into_view_if_needed()
    screenshot(page, "physio-alert-resolve-refused")


def test_each_alerts_buttons_say_which_alert_they_act_on(page, live_app, people):
    """With two open alerts the page has two buttons named just "Acknowledge" and two named
    "Resolve" (and two fields named "Note (needed to resolve)"): a screen-reader user listing
    buttons cannot tell which alert each one resolves."""
    open_alert(live_app, people["patient_id"], "Pain reached 8/10 after exercise.",
               "pain_severe", 2)
    open_alert(live_app, people["patient_id"], "No session logged for 5 days.",
               "missed_sessions", 1)
    sign_in(page, people["physio"])
    page.get_by_role("link", name="Sam Patient").click()
    alerts = page.locator("#alerts")
    expect(alerts.get_by_role("button", name="Resolve", exact=True)).to_have_count(0)
    expect(alerts.get_by_role("button", name=re.compile("Resolve.*Pain reached 8"))
           ).to_have_count(1)
    expect(alerts.get_by_role("button", name=re.compile("Resolve.*No session logged"))
           ).to_have_count(1)


# Progression controls ---------------------------------------------------------------------------


def test_a_refused_override_keeps_what_the_physio_typed(page, people):
    """An override refused for its dose (Sets 0) reloads the page with a general message at
    the top, the override form closed again and the physio's dose and "Why" reasoning thrown
    away, none of it tied to the field that was wrong."""
    decisions_page(page, people, "Sam Patient")
    latest = page.locator("section[aria-labelledby='latest-title']")
    clam = latest.get_by_role("listitem").filter(has_text="Clam")
    clam.get_by_text("Override with your own dose").click()
    clam.get_by_label("Sets").fill("0")
    clam.get_by_label("Why").fill("Flare after gardening; fewer sets this week")
    clam.get_by_role("button", name="Override").click()
    expect(page.locator(".error-summary")).to_contain_text("not saved")
    clam = page.locator("section[aria-labelledby='latest-title']").get_by_role(
        "listitem").filter(has_text="Clam")
    why = clam.get_by_label("Why")
    expect(why).to_be_visible()
    expect(why).to_have_value("Flare after gardening; fewer sets this week")
    expect(clam.get_by_label("Sets")).to_have_value("0")
    screenshot(page, "physio-override-refused")


def test_loading_a_template_over_typed_rows_asks_first(page, people):
    """"Load the template" replaced the rows typed below without asking: the physio's work was
    gone with one click. Once a row has changed, the browser asks; no keeps what is typed, yes
    loads the template. Untouched rows are replaced without a question."""
    open_editor(page, people)
    asked: list[str] = []

    def answer(dialog, accept: bool) -> None:
        asked.append(dialog.message)
        dialog.accept() if accept else dialog.dismiss()

    page.once("dialog", lambda dialog: answer(dialog, False))
    page.locator("#exercises-0-reps").fill("14")
    page.get_by_label("Template", exact=True).select_option("hip-and-back-starter")
    page.get_by_role("button", name="Load the template").click()
    expect(page.locator("#exercises-0-reps")).to_have_value("14")  # still here, as typed
    assert len(asked) == 1 and "replaces the exercises below" in asked[0]
    assert "template=" not in page.url

    page.once("dialog", lambda dialog: answer(dialog, True))
    page.get_by_role("button", name="Load the template").click()
    expect(page).to_have_url(re.compile(r"template=hip-and-back-starter"))
    expect(page.locator("#exercises-0-reps")).not_to_have_value("14")
    assert len(asked) == 2

    # Nothing typed on this page: the next template loads without a question.
    page.get_by_label("Template", exact=True).select_option("hip-and-back-starter")
    page.get_by_role("button", name="Load the template").click()
    expect(page.locator("#exercises-0-exercise")).not_to_have_value("")
    assert len(asked) == 2


def test_a_refused_save_still_counts_as_typed(page, people):
    """The page shown again after a refused save holds rows that are not saved: loading a
    template over them asks too."""
    open_editor(page, people)
    page.locator("#exercises-0-reps").fill("0")
    page.get_by_role("button", name="Save the programme").click()
    expect(page.locator("#error-summary")).to_be_visible()
    asked: list[str] = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    page.get_by_label("Template", exact=True).select_option("hip-and-back-starter")
    page.get_by_role("button", name="Load the template").click()
    expect(page.locator("#exercises-0-reps")).to_have_value("0")
    assert len(asked) == 1
