"""The admin finds a person in a large clinic and acts on them, in Chromium at 390 and
1280 px: the search, the filters and the pages, by keyboard as well."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from exercise_app.extensions import db
from exercise_app.models import CareRelationship, Clinic, Role
from tests.browser.conftest import screenshot
from tests.browser.test_accounts import sign_in
from tests.conftest import add_user

pytestmark = pytest.mark.browser


@pytest.fixture
def clinic(live_app):
    """A clinic of 80 patients, two physios and an admin: Rita Physio cares for Zoë
    Ødegaard."""
    with live_app.app_context():
        place = Clinic(name="Large Clinic")
        db.session.add(place)
        db.session.flush()
        admin = add_user(place, Role.ADMIN, "Abe Admin")
        rita = add_user(place, Role.PHYSIO, "Rita Physio")
        add_user(place, Role.PHYSIO, "Otto Other")
        add_user(place, Role.PATIENT, "Zoë Ødegaard", physio=rita)
        for n in range(1, 80):
            patient = add_user(place, Role.PATIENT, f"Patient {n:02}")
            db.session.add(CareRelationship(patient_id=patient.id, physio_id=rita.id,
                                            clinic_id=place.id))
        db.session.commit()
        return {"admin": admin.email}


def test_the_admin_searches_pages_and_hands_over_a_physios_patients(page, clinic):
    sign_in(page, clinic["admin"])
    expect(page.get_by_role("heading", name="Large Clinic")).to_be_visible()
    expect(page.get_by_text("83 people in the clinic.")).to_be_visible()
    expect(page.get_by_text("Page 1 of 2")).to_be_visible()
    screenshot(page, "admin-people-first-page")
    page.get_by_role("link", name="Next").click()
    expect(page.get_by_text("Page 2 of 2")).to_be_visible()
    expect(page.get_by_role("rowheader")).to_have_count(33)

    # The search by keyboard: typed, then Enter.
    search = page.get_by_label("Search by name or e-mail")
    search.fill("zoë")
    search.press("Enter")
    expect(page.get_by_role("rowheader")).to_have_count(1)
    expect(page.get_by_role("rowheader")).to_contain_text("Zoë Ødegaard")
    expect(page.get_by_text("1 matches the search")).to_be_visible()

    # Physios only; Rita's 80 patients go to Otto.
    search.fill("")
    page.get_by_role("group", name="Role").get_by_label("Physios").check()
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_role("rowheader")).to_have_count(2)
    screenshot(page, "admin-people-physios")
    page.get_by_label("Who takes over Rita Physio's 80 patients").select_option(
        label="Otto Other")
    page.get_by_role("button", name="Deactivate Rita Physio").click()
    expect(page.get_by_text("Rita Physio is deactivated and signed out everywhere. Their "
                            "80 patients are now in Otto Other's care.")).to_be_visible()
    # Back on the physios, as filtered before.
    expect(page.get_by_role("group", name="Role").get_by_label("Physios")).to_be_checked()
    expect(page.get_by_role("rowheader")).to_have_count(2)
    expect(page.get_by_role("row").filter(has_text="Rita Physio")).to_contain_text(
        "Deactivated")
    expect(page.get_by_role("row").filter(has_text="Otto Other")).to_contain_text(
        "80 patients")
