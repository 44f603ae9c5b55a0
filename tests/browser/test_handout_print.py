"""The handout page printed from Chromium keeps each exercise whole on one page, as the PDF
does (tests/web/test_handout_pages.py): the print style's ``break-inside: avoid``."""

from __future__ import annotations

import io

import pytest
from playwright.sync_api import expect

from exercise_app.extensions import db
from exercise_app.models import Clinic, Role
from tests.browser.test_accounts import sign_in
from tests.conftest import add_user
from tests.web.test_handout_pages import long_programme, split_exercises

pytestmark = pytest.mark.browser


# Printed on A4 whatever the window's width: one width is enough.
@pytest.mark.parametrize("page", ["desktop"], indirect=True)
def test_the_printed_handout_keeps_each_exercise_on_one_page(page, live_app, synced_library):
    from pypdf import PdfReader

    with live_app.app_context():
        clinic = Clinic(name="Print Clinic")
        db.session.add(clinic)
        db.session.flush()
        physio = add_user(clinic, Role.PHYSIO, "Penny Physio")
        patient = add_user(clinic, Role.PATIENT, "Pia Patient", physio=physio)
        db.session.commit()
        ids = (patient.id, physio.id, patient.email)
    names = long_programme(live_app, ids[0], ids[1], synced_library)
    sign_in(page, ids[2])
    page.goto("/programme/handout")
    expect(page.get_by_role("heading", name=f"1. {names[0]}")).to_be_visible()
    page.wait_for_load_state("load")
    printed = page.pdf(format="A4")
    pages = [p.extract_text() for p in PdfReader(io.BytesIO(printed)).pages]
    assert len(pages) >= 3
    assert split_exercises(pages, names) == []
