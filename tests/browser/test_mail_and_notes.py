"""In Chromium at 390 and 1280 px: the admin's notice of critical e-mails still unsent, and a
physio's note that its form already sent with other words coming back in the box."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from exercise_app.extensions import db
from exercise_app.models import Clinic, PatientMessage, QueuedMail, Role, now_utc
from tests.browser.conftest import screenshot
from tests.browser.test_accounts import sign_in
from tests.browser.test_progression import settled_patient
from tests.conftest import add_user

pytestmark = pytest.mark.browser


@pytest.fixture
def people(live_app, synced_library):
    ids = settled_patient(live_app, "Mail Clinic", "Mo Physio", "Sal Patient")
    with live_app.app_context():
        clinic = db.session.scalar(db.select(Clinic).where(Clinic.name == "Mail Clinic"))
        ids["admin"] = add_user(clinic, Role.ADMIN, "Ann Admin").email
        ids["clinic_id"] = clinic.id
        db.session.commit()
    return ids


def test_the_admin_sees_the_critical_emails_still_waiting(page, live_app, people):
    with live_app.app_context():
        queued = now_utc() - timedelta(minutes=20)
        db.session.add(QueuedMail(
            clinic_id=people["clinic_id"], to_address=people["physio"],
            subject="Critical alert: a patient needs you", body="...", created_at=queued,
            next_attempt_at=now_utc() + timedelta(minutes=8), attempts=4,
            last_error="SMTPAuthenticationError: (535, b'5.7.8 Bad credentials')"))
        db.session.commit()
    sign_in(page, people["admin"])
    page.goto("/admin/users")
    notice = page.get_by_role("status").filter(has_text="critical alert e-mail")
    expect(notice).to_contain_text("1 critical alert e-mail has not been sent yet")
    expect(notice).to_contain_text("SMTPAuthenticationError")
    expect(notice).to_contain_text("mail send-pending")
    box = notice.bounding_box()
    assert box is not None and box["width"] <= page.viewport_size["width"]
    screenshot(page, "admin-mail-waiting")


def test_a_note_its_form_already_sent_comes_back_in_the_box(page, live_app, people):
    """The page sent a note (a first click whose answer never came, say), then other words
    from the same page: they come back in the box, with the error by it and the focus on
    it, and go as a new note when sent again."""
    sign_in(page, people["physio"])
    page.get_by_role("link", name="Sal Patient").click()
    client_id = page.locator('input[name="client_id"]').input_value()
    csrf = page.locator('form:has(textarea[name="text"]) input[name="csrf_token"]').input_value()
    first = page.request.post(page.url.rstrip("/") + "/message", form={
        "csrf_token": csrf, "client_id": client_id, "text": "Lovely week."},
        max_redirects=0)
    assert first.status == 303
    box = page.get_by_label("Note to the patient")
    box.fill("Lovely week: rest on Sunday.")
    page.get_by_role("button", name="Send the note").click()
    expect(page.get_by_text("This page already sent a note with other words")).to_be_visible()
    expect(box).to_have_value("Lovely week: rest on Sunday.")
    expect(box).to_be_focused()
    expect(box).to_have_attribute("aria-invalid", "true")
    screenshot(page, "physio-note-sent-already")
    page.get_by_role("button", name="Send the note").click()
    expect(page.get_by_text("Note saved")).to_be_visible()
    with live_app.app_context():
        texts = list(db.session.scalars(db.select(PatientMessage.text).order_by(
            PatientMessage.id)))
    assert texts == ["Lovely week.", "Lovely week: rest on Sunday."]
    expect(page.locator("p.muted").filter(has_text="Latest,")).to_contain_text(
        "Lovely week: rest on Sunday.")
