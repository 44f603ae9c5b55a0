"""In Chromium: the morning check-in on Today, changed after a mis-tap; and, in the guided
routine, what a screen reader hears after "Stop: this hurts" (kept here beside the check-in:
it belongs with tests/browser/test_routine.py, whose fixtures it uses)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from exercise_app.extensions import db
from exercise_app.models import ExerciseSession, User
from exercise_app.triage.operations import refresh_patient
from tests.browser.conftest import screenshot
from tests.browser.test_accounts import sign_in, sign_out
from tests.browser.test_routine import (  # noqa: F401 (routine: a fixture)
    STEPS,
    choose,
    expect_step,
    routine,
    trainer,
)
from tests.factories import log

pytestmark = pytest.mark.browser

END_HINT = "You can end the session here with the button above."


@pytest.fixture
def yesterday(live_app, routine):  # noqa: F811 (the fixture imported above)
    """The routine's patient logged a session yesterday; the check-in is open all day (the
    tests run at any hour: tests/conftest.py), and closes again afterwards as configured."""
    with live_app.app_context():
        patient_id = db.session.scalar(db.select(User.id).where(User.email == routine["email"]))
        db.session.remove()
    session_id = log(live_app, patient_id, rules=False)
    with live_app.app_context():
        session = db.session.get(ExerciseSession, session_id)
        session.local_date -= timedelta(days=1)
        refresh_patient(db.session.get(User, patient_id))
        db.session.commit()
        db.session.remove()
    hours = (live_app.config["MORNING_CHECK_IN_FROM_HOUR"],
             live_app.config["MORNING_CHECK_IN_UNTIL_HOUR"])
    live_app.config.update(MORNING_CHECK_IN_FROM_HOUR=0, MORNING_CHECK_IN_UNTIL_HOUR=24)
    yield session_id
    live_app.config.update(MORNING_CHECK_IN_FROM_HOUR=hours[0],
                           MORNING_CHECK_IN_UNTIL_HOUR=hours[1])


def test_a_mis_tapped_check_in_is_changed_on_today(page, routine, yesterday,  # noqa: F811
                                                   live_app):
    sign_in(page, routine["email"])
    card = page.locator("section.checkin")
    expect(card.get_by_role("heading")).to_have_text("This morning: how is your pain?")
    card.get_by_role("group", name="Pain this morning, 0 to 10").get_by_role(
        "button", name="8", exact=True).click()
    expect(page.get_by_text("this morning's pain is recorded")).to_be_visible()
    expect(card).to_contain_text("You said 8 out of 10.")
    change = card.get_by_text("Change it", exact=True)
    change.focus()
    page.keyboard.press("Enter")  # a disclosure: no JavaScript needed
    group = card.get_by_role("group", name="Change this morning\u2019s pain, 0 to 10")
    expect(group).to_be_visible()
    expect(group.get_by_role("button", name="8", exact=True)).to_have_attribute(
        "aria-current", "true")
    screenshot(page, "checkin-change")
    group.get_by_role("button", name="1", exact=True).click()
    expect(page.get_by_text("this morning's pain is changed to 1")).to_be_visible()
    expect(card).to_contain_text("You said 1 out of 10.")
    with live_app.app_context():
        assert db.session.get(ExerciseSession, yesterday).next_morning_pain == 1
        db.session.remove()


def test_no_check_in_once_it_has_closed(page, routine, yesterday, live_app):  # noqa: F811
    live_app.config["MORNING_CHECK_IN_UNTIL_HOUR"] = 0  # closed at any hour
    sign_in(page, routine["email"])
    expect(page.get_by_role("heading", level=1)).to_have_text("Today")
    expect(page.locator("section.checkin")).to_have_count(0)


def test_after_a_stop_a_screen_reader_hears_it_can_end_there(page, routine):  # noqa: F811
    """The "End the session here" button appears above the next step's heading, where focus
    goes: the announcement said "You stopped ... Step 3 of 5" and never that the session could
    end there."""
    names = routine["names"]
    page.clock.install()
    sign_in(page, routine["email"])
    page.goto("/routine")
    live = page.locator("[aria-live=polite]").first
    choose(page, "pain_before", 5)
    page.get_by_role("button", name="Next").click()
    expect(live).to_contain_text(f"Step 2 of {STEPS}")
    expect(live).not_to_contain_text(END_HINT)

    box = trainer(page)
    box.get_by_role("button", name="Stop: this hurts").click()
    box.get_by_role("radio", name="Pain went above 5 out of 10").check()
    box.get_by_role("button", name="Stop and record it").click()
    expect_step(page, 3, names["figure-4-stretch"])
    expect(live).to_have_text(
        f"You stopped {names['glute-bridge']}: do not carry on with it today. It is recorded "
        f"for your physio, with the reason. {END_HINT} Step 3 of {STEPS}: "
        f"{names['figure-4-stretch']}.")
    end = page.get_by_role("button", name="End the session here")
    expect(end).to_be_visible()
    # "above": the button comes before the focused heading in the page.
    assert page.evaluate("""() => !!(document.querySelector('.guide-end-now')
        .compareDocumentPosition(document.activeElement) & Node.DOCUMENT_POSITION_FOLLOWING)""")
    end.click()
    expect_step(page, STEPS, "How did it go?")
    expect(live).not_to_contain_text(END_HINT)


def test_a_changed_answer_undoes_its_step_down_and_the_physio_reads_why(
        page, routine, yesterday, live_app):  # noqa: F811
    """Usual pain 2: a tap on 8 steps the programme down and raises alerts; changed to 1, the
    programme is as it was, and the physio finds the alerts resolved with the reason, the
    decisions marked as made again, and the session named for the patient."""
    from exercise_app.models import ProgressionMode
    from exercise_app.progression.operations import save_settings

    with live_app.app_context():
        patient = db.session.scalar(db.select(User).where(User.email == routine["email"]))
        physio = db.session.scalar(db.select(User).where(User.email == "rhea.physio@example.org"))
        save_settings(patient, physio, mode=ProgressionMode.AUTO, baseline_pain=2, values={},
                      locked=[])
        db.session.commit()
        patient_id, name = patient.id, patient.display_name
        db.session.remove()
    sign_in(page, routine["email"])
    card = page.locator("section.checkin")
    card.get_by_role("group", name="Pain this morning, 0 to 10").get_by_role(
        "button", name="8", exact=True).click()
    expect(page.locator("section.progress-notes")).to_contain_text("down")
    card.get_by_text("Change it", exact=True).click()
    card.get_by_role("group", name="Change this morning\u2019s pain, 0 to 10").get_by_role(
        "button", name="1", exact=True).click()
    expect(page.get_by_text("this morning's pain is changed to 1")).to_be_visible()
    expect(page.locator("section.progress-notes")).not_to_contain_text("goes down")
    sign_out(page)

    sign_in(page, "rhea.physio@example.org")
    page.goto(f"/clinic/patients/{patient_id}")
    reason = ("Closed when the patient changed this morning's pain from 8 to 1: nothing else "
              "raises this alert now.")
    expect(page.get_by_text(reason).first).to_be_visible()
    screenshot(page, "alert-withdrawn")
    page.goto(f"/clinic/patients/{patient_id}/progression")
    expect(page.get_by_text("Made again: the answers it read were changed").first).to_be_visible()
    screenshot(page, "decisions-made-again")
    page.goto(f"/clinic/patients/{patient_id}/sessions/{yesterday}")
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"{name}: session of")
    screenshot(page, "physio-session")
