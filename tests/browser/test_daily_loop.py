"""A physio assigns a programme in the browser; the patient sees Today, the programme and the
history after logging."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from exercise_app.extensions import db
from exercise_app.models import Clinic, Role, User
from tests.browser.conftest import screenshot
from tests.browser.test_accounts import sign_in, sign_out
from tests.conftest import add_user
from tests.factories import log, pass_safety_check

pytestmark = pytest.mark.browser


@pytest.fixture
def clinic_people(live_app, synced_library):
    with live_app.app_context():
        clinic = Clinic(name="Loop Clinic")
        db.session.add(clinic)
        db.session.flush()
        physio = add_user(clinic, Role.PHYSIO, "Lena Physio")
        patient = add_user(clinic, Role.PATIENT, "Omar Patient", physio=physio)
        db.session.commit()
        return {"physio": physio.email, "patient": patient.email, "patient_id": patient.id}


def test_physio_assigns_and_patient_logs_and_sees_history(page, live_app, clinic_people,
                                                          synced_library):
    sign_in(page, clinic_people["physio"])
    page.get_by_role("link", name="Omar Patient").click()
    page.get_by_label("Early after a posterior-approach hip replacement").check()
    page.get_by_role("button", name="Save precautions").click()
    expect(page.get_by_text("Precautions saved.")).to_be_visible()
    page.get_by_role("link", name="Assign a programme").click()
    template = synced_library.programmes["hip-and-back-starter"]
    page.get_by_label("Template", exact=True).select_option("hip-and-back-starter")
    page.get_by_role("button", name="Load the template").click()
    first = synced_library.exercises[template.stages[0].exercises[0].exercise]
    expect(page.locator("#exercises-0-exercise")).to_have_value(first.id)
    page.get_by_label("Note to the patient").fill("Little and often this week.")
    screenshot(page, "programme-editor")
    page.get_by_role("button", name="Save the programme").click()
    expect(page.get_by_text("programme is saved")).to_be_visible()
    expect(page.get_by_text("Little and often this week.")).to_be_visible()
    screenshot(page, "physio-patient")
    sign_out(page)
    log(live_app, clinic_people["patient_id"], pain=(3, 4, 2))  # yesterday's routine, say
    with live_app.app_context():  # and the onboarding safety check before it
        pass_safety_check(db.session.get(User, clinic_people["patient_id"]))
        db.session.commit()

    sign_in(page, clinic_people["patient"])
    expect(page.get_by_role("heading", level=1)).to_have_text("Today")
    # Walking, five days a week on any days, says how the week is going.
    expect(page.locator(".due-list").get_by_text("done this week")).to_be_visible()
    screenshot(page, "patient-today")
    page.get_by_role("link", name="My programme").first.click()
    expect(page.get_by_text("Little and often this week.")).to_be_visible()
    expect(page.get_by_role("link", name=first.name)).to_be_visible()
    screenshot(page, "patient-programme")
    page.get_by_role("link", name="Today").first.click()
    expect(page.get_by_text("Done today")).to_be_visible()
    page.locator("a[href^='/routine']").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Today's routine")
    page.get_by_role("link", name="History").first.click()
    expect(page.get_by_role("heading", name="Calendar")).to_be_visible()
    expect(page.locator(".chart svg")).to_be_visible()
    page.get_by_text("Show the pain scores as a table").click()
    expect(page.locator("details table tbody td").first).to_have_text("3")
    # The worst pain during, which the rules step down on, is in the table too.
    expect(page.locator("details table tbody td[data-label='Worst during']").first).to_be_visible()
    done = page.locator(".day-done").first  # today's session
    if page.width_name == "phone":  # the words are hidden: a mark and a key, not colour alone
        mark = done.locator(".day-number").evaluate(
            "el => getComputedStyle(el, '::after').content")
        assert "\u2713" in mark, mark
        expect(page.locator(".calendar-key")).to_be_visible()
        expect(page.locator(".calendar-key")).to_contain_text("\u2713 done")
    else:
        expect(done.locator(".day-status")).to_be_visible()
        expect(page.locator(".calendar-key")).to_be_hidden()
    screenshot(page, "patient-history")
