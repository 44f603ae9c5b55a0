"""Safety in the browser: a yes to a red-flag question stops the routine and puts the patient at
the top of the physio's caseload with a critical alert; the physio resolves it; handout."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from exercise_app.domain.red_flags import Occasion, question, questions_for
from exercise_app.extensions import db
from exercise_app.models import Clinic, Role, now_utc
from tests.browser.conftest import screenshot
from tests.browser.test_accounts import sign_in, sign_out
from tests.conftest import add_user
from tests.factories import add_alert, assign, log

pytestmark = pytest.mark.browser


@pytest.fixture
def caseload(live_app, synced_library):
    with live_app.app_context():
        clinic = Clinic(name="Safety Clinic")
        db.session.add(clinic)
        db.session.flush()
        physio = add_user(clinic, Role.PHYSIO, "Nia Physio")
        new = add_user(clinic, Role.PATIENT, "Zed Newcomer", physio=physio)
        steady = add_user(clinic, Role.PATIENT, "Abe Steady", physio=physio)
        worried = add_user(clinic, Role.PATIENT, "Bea Sore", physio=physio)
        db.session.commit()
        ids = {"physio": physio.email, "physio_id": physio.id, "new": new.email,
               "new_id": new.id, "steady_id": steady.id, "steady_email": steady.email,
               "worried_id": worried.id}
    start = (now_utc() - timedelta(days=10)).date()
    assign(live_app, ids["new_id"], ids["physio_id"], start=start, screened=False)
    for patient_id in (ids["steady_id"], ids["worried_id"]):
        assign(live_app, patient_id, ids["physio_id"], start=start)
        for back in (3, 2, 1):
            log(live_app, patient_id, pain=(2, 3, 2),
                started_at=now_utc() - timedelta(days=back))
    add_alert(live_app, ids["worried_id"], level="high")
    return ids


def test_a_red_flag_blocks_the_routine_and_tops_the_caseload(page, caseload):
    sign_in(page, caseload["new"])
    page.get_by_role("link", name="Answer the safety questions").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Safety check")
    bladder = question("ce_bladder")
    for q in questions_for(Occasion.ONBOARDING):
        group = page.get_by_role("group", name=q.text)
        group.get_by_label("Yes" if q is bladder else "No", exact=True).check()
    screenshot(page, "safety-check")
    page.get_by_role("button", name="Send my answers").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Get emergency help now")
    expect(page.get_by_role("link", name="Call 999")).to_have_attribute("href", "tel:999")
    screenshot(page, "safety-blocked")
    page.goto("/routine")
    expect(page.get_by_role("heading", level=1)).to_have_text("Get emergency help now")
    page.goto("/today")
    expect(page.get_by_text("Your exercises are paused")).to_be_visible()
    sign_out(page)

    sign_in(page, caseload["physio"])
    page.get_by_role("link", name="Patients", exact=True).click()
    rows = page.locator("table.caseload tbody tr")
    expect(rows.first).to_contain_text("Zed Newcomer")
    expect(rows.first).to_contain_text("Critical")
    expect(rows.first).to_contain_text("new bladder problem")
    expect(rows.nth(1)).to_contain_text("Bea Sore")  # a high alert comes next
    expect(page.get_by_text("1 with a critical alert")).to_be_visible()
    screenshot(page, "caseload")
    rows.first.get_by_role("link", name="Zed Newcomer").click()
    alert = page.locator(".alert-item").filter(has_text="red-flag")
    alert.get_by_label("Note (needed to resolve)").fill("Phoned: sent to A&E, cleared there.")
    alert.get_by_role("button", name="Resolve").click()
    expect(page.get_by_text("Alert resolved.")).to_be_visible()
    resolved = page.locator(".alert-item").filter(has_text="red-flag")
    expect(resolved).to_contain_text("resolved by Nia Physio")
    expect(resolved.get_by_role("button", name="Resolve")).to_have_count(0)
    page.get_by_label("Note to the patient").fill("Glad you are OK. Restart gently.")
    page.get_by_role("button", name="Send the note").click()
    expect(page.get_by_text("Note saved")).to_be_visible()
    screenshot(page, "physio-patient-alerts")
    sign_out(page)

    sign_in(page, caseload["new"])
    expect(page.get_by_text("Glad you are OK. Restart gently.")).to_be_visible()
    expect(page.get_by_text("Your exercises are paused")).to_have_count(0)
    page.goto("/routine")
    expect(page.locator(".routine-step").first).to_be_visible()


def test_filters_and_the_handout(page, caseload):
    sign_in(page, caseload["physio"])
    page.get_by_role("link", name="Patients", exact=True).click()
    page.get_by_label("Search by name or e-mail").fill("abe")
    page.get_by_role("button", name="Show").click()
    expect(page.locator("table.caseload tbody tr")).to_have_count(1)
    expect(page.locator("table.caseload")).to_contain_text("Abe Steady")
    page.get_by_role("link", name="Abe Steady").click()
    page.get_by_role("link", name="Print a handout").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Your exercise programme, Abe Steady")
    expect(page.locator(".handout-qr svg")).to_be_visible()
    expect(page.locator(".handout-exercise")).to_have_count(3)
    screenshot(page, "handout")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the PDF").click()
    assert download.value.suggested_filename == "exercise-programme.pdf"


def test_a_patient_prints_their_programme(page, caseload):
    sign_in(page, caseload["steady_email"])
    page.get_by_role("link", name="My programme").first.click()
    page.get_by_role("link", name="Print my programme").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Your exercise programme, Abe Steady")
    expect(page.locator(".handout-exercise")).to_have_count(3)
    screenshot(page, "patient-handout")
