"""The handout page printed from Chromium keeps each exercise whole on one page, as the PDF
does (tests/web/test_handout_pages.py): the print style's ``break-inside: avoid``."""

from __future__ import annotations

import io

import pytest
from playwright.sync_api import expect

from tests.browser.test_accounts import sign_in
from tests.browser.test_routine import patient_with
from tests.web.test_handout_pages import long_programme, split_exercises

pytestmark = pytest.mark.browser


# Printed on A4 whatever the window's width: one width is enough.
@pytest.mark.parametrize("page", ["desktop"], indirect=True)
def test_the_printed_handout_keeps_each_exercise_on_one_page(page, live_app, synced_library):
    from pypdf import PdfReader

    rows, names = long_programme(synced_library)
    sign_in(page, patient_with(live_app, "Print Clinic", rows))
    page.goto("/programme/handout")
    expect(page.get_by_role("heading", name=f"1. {names[0]}")).to_be_visible()
    printed = page.pdf(format="A4")
    pages = [p.extract_text() for p in PdfReader(io.BytesIO(printed)).pages]
    assert len(pages) >= 3
    assert split_exercises(pages, names) == []
