"""Pain-guided progression in the browser: the patient's logs move the programme up, hold it
and step it down, each with its sentence on Today; the physio overrides one decision."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from exercise_app.extensions import db
from exercise_app.models import Clinic, ExerciseSession, Role
from tests.browser.conftest import screenshot
from tests.browser.test_accounts import sign_in, sign_out
from tests.browser.test_routine import answer_how_it_went, choose
from tests.conftest import add_user
from tests.factories import DEFAULT_ROWS, assign, log

pytestmark = pytest.mark.browser


def settled_patient(live_app, clinic: str, physio: str, patient: str, *,
                    rows=DEFAULT_ROWS, partly: frozenset[str] = frozenset()) -> dict:
    """A physio and their patient, whose programme started ten days ago: settled sessions
    the last three days, the first two with their morning check-ins (the exercises in
    ``partly`` only partly done each time)."""
    from exercise_app.models import now_utc

    with live_app.app_context():
        place = Clinic(name=clinic)
        db.session.add(place)
        db.session.flush()
        physio_user = add_user(place, Role.PHYSIO, physio)
        patient_user = add_user(place, Role.PATIENT, patient, physio=physio_user)
        db.session.commit()
        ids = {"physio": physio_user.email, "patient": patient_user.email,
               "patient_id": patient_user.id, "physio_id": physio_user.id}
    assign(live_app, ids["patient_id"], ids["physio_id"],
           start=(now_utc() - timedelta(days=10)).date(), rows=rows)
    sessions = [
        log(live_app, ids["patient_id"], pain=(1, 2, 1), effort=3, rules=False,
            partly=partly, started_at=now_utc() - timedelta(days=n))
        for n in (3, 2, 1)
    ]
    with live_app.app_context():
        for session_id in sessions[:2]:
            db.session.get(ExerciseSession, session_id).next_morning_pain = 1
        db.session.commit()
        db.session.remove()
    return ids


@pytest.fixture
def patient_with_sessions(live_app, synced_library):
    """Two settled sessions with their morning check-ins and one from yesterday without it.

    The clam was only partly done each time, so it holds while the rest progress.
    """
    return settled_patient(live_app, "Progress Clinic", "Mara Physio", "Theo Patient",
                           partly=frozenset({"clam"}))


def record_usual_pain(page, patient_name: str) -> None:
    """As the signed-in physio: the patient's usual pain is 2."""
    page.get_by_role("link", name=patient_name).click()
    page.get_by_role("link", name="Progression settings and decisions").click()
    page.get_by_label("Usual pain (0-10)").fill("2")
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_text("Progression settings saved.")).to_be_visible()


def check_in_this_morning(page) -> None:
    """As the signed-in patient, on Today: this morning's pain is 1 (the rules run)."""
    page.get_by_role("group", name="Pain this morning, 0 to 10").get_by_role(
        "button", name="1", exact=True).click()
    expect(page.get_by_text("this morning's pain is recorded")).to_be_visible()


def decisions_page(page, people, patient_name: str) -> None:
    """Run the rules (usual pain, then the morning check-in) and open the physio's
    progression page for ``patient_name``, signed in as the physio."""
    sign_in(page, people["physio"])
    record_usual_pain(page, patient_name)
    sign_out(page)
    sign_in(page, people["patient"])
    check_in_this_morning(page)
    sign_out(page)
    sign_in(page, people["physio"])
    page.get_by_role("link", name=patient_name).click()
    page.get_by_role("link", name="Progression settings and decisions").click()


def progress_notes(page):
    return page.locator(".progress-notes")


def test_logs_progress_hold_and_step_down_and_the_physio_overrides(
        page, browser, live_server, patient_with_sessions):
    people = patient_with_sessions
    # The physio records the patient's usual pain.
    sign_in(page, people["physio"])
    record_usual_pain(page, "Theo Patient")
    sign_out(page)

    # The morning check-in runs the rules: the bridge goes up, the clam holds.
    sign_in(page, people["patient"])
    check_in_this_morning(page)
    notes = progress_notes(page)
    expect(notes).to_contain_text(
        "Your glute bridge goes up to 12 reps: in your last 3 sessions your pain stayed at 2 "
        "or below, it had settled by the next morning, and the exercise felt easy enough.")
    expect(notes).to_contain_text(
        "Keep your clam at 2 sets of 12 for now: not every set was finished in your recent "
        "sessions.")
    expect(page.locator(".due-list")).to_contain_text("2 sets of 12")  # the new bridge dose
    screenshot(page, "today-progress-and-hold")

    # Today's session hurts: every exercise steps down from tomorrow and the physio is told.
    context = browser.new_context(base_url=live_server, java_script_enabled=False,
                                  viewport=page.viewport_size)
    checklist = context.new_page()
    checklist.set_default_timeout(10_000)
    checklist.width_name = page.width_name + "-nojs"  # type: ignore[attr-defined]
    try:
        sign_in(checklist, people["patient"])
        checklist.goto("/routine")
        choose(checklist, "pain_before", 3)
        answer_how_it_went(checklist, during=7, after=6, effort=6)
        checklist.get_by_role("button", name="Save my session").click()
        expect(checklist.get_by_role("heading", level=1)).to_contain_text("Session of")
    finally:
        context.close()
    page.goto("/today")
    expect(notes).to_contain_text(
        "Your glute bridge goes down to 2 sets of 8 for now: your pain reached 7, above the "
        "limit of 5, so your physio has been told.")
    expect(notes).to_contain_text(
        "Your clam goes down to 1 set of 12 for now: your pain reached 7, above the limit of "
        "5, so your physio has been told.")
    screenshot(page, "today-step-down")
    sign_out(page)

    # The physio sees the step-downs and sets the clam dose themselves, with a note.
    sign_in(page, people["physio"])
    page.get_by_role("link", name="Theo Patient").click()
    expect(page.locator("#progression-title + ul, #progression-title ~ ul").first).to_contain_text(
        "Goes down")
    page.get_by_role("link", name="Progression settings and decisions").click()
    clam = page.locator("section", has=page.get_by_role("heading", name="Latest decisions")) \
        .get_by_role("listitem").filter(has_text="Clam")
    clam.get_by_text("Override with your own dose").click()
    clam.get_by_label("Sets").fill("1")
    clam.get_by_label("Reps").fill("8")
    clam.get_by_label("Why").fill("Fewer reps while the flare settles")
    screenshot(page, "physio-progression")
    clam.get_by_role("button", name="Override").click()
    expect(page.get_by_text("Overridden: Clam has your dose")).to_be_visible()
    expect(page.locator("table.decisions")).to_contain_text("Overridden by Mara Physio")
    expect(page.locator("table.decisions")).to_contain_text("Fewer reps while the flare settles")
    sign_out(page)

    sign_in(page, people["patient"])
    expect(progress_notes(page)).to_contain_text("Your physio has set your clam to 1 x 8.")


def test_the_rules_page_reads_well(page, patient_with_sessions):
    sign_in(page, patient_with_sessions["physio"])
    page.get_by_role("link", name="Progression rules").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("How pain-guided progression works")
    limit = page.get_by_role("cell", name="Pain above this steps down and alerts you")
    expect(limit).to_be_visible()
    screenshot(page, "progression-rules")


def test_a_hold_for_the_physio_to_choose_reaches_them_and_opens_the_editor(
        page, live_app, synced_library):
    """Heel slides at the top of their range; the harder step is flagged for the precaution
    the physio ticks. The rules hold them, tell the patient the physio will choose, and alert
    the physio, whose alert leads to the programme editor."""
    from exercise_app.models import Side
    from tests.factories import row

    people = settled_patient(live_app, "Hold Clinic", "Iris Physio", "Nell Patient",
                             rows=(row("heel-slides", sets=2, reps=10, side=Side.EACH),))
    sign_in(page, people["physio"])
    page.get_by_role("link", name="Nell Patient").click()
    page.get_by_label("Early after a posterior-approach hip replacement").check()
    page.get_by_role("button", name="Save precautions").click()
    expect(page.get_by_text("Precautions saved.")).to_be_visible()
    page.get_by_role("link", name="Back to your patients").click()
    record_usual_pain(page, "Nell Patient")
    sign_out(page)

    sign_in(page, people["patient"])
    check_in_this_morning(page)
    expect(progress_notes(page)).to_contain_text(
        "the next step, knee to chest, may not suit you (early after a posterior-approach hip "
        "replacement), so your physio will choose what comes next.")
    sign_out(page)

    sign_in(page, people["physio"])
    reason = ("At the top of the range, with the next step for you to choose: Heel slides (the "
              "next exercise up may not suit them).")
    expect(page.get_by_role("row").filter(has_text="Nell Patient")).to_contain_text(reason)
    page.get_by_role("link", name="Nell Patient").click()
    alerts = page.locator("#alerts")
    expect(alerts).to_contain_text(reason)
    alerts.scroll_into_view_if_needed()
    screenshot(page, "physio-ready-for-next")
    alerts.get_by_role("link", name="Choose the next step in the programme").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Nell Patient")
    expect(page.get_by_label("Exercise", exact=True).first).to_have_value("heel-slides")

    # The physio chooses: the bridge in place of the heel slides. The alert is resolved, and
    # the rules' last words, which the patient no longer sees, are marked as from before.
    page.get_by_label("Exercise", exact=True).first.select_option("glute-bridge")
    page.get_by_role("button", name="Save the programme").click()
    expect(page.get_by_text("programme is saved")).to_be_visible()
    progression = page.locator("section[aria-labelledby='progression-title']")
    expect(progression).to_contain_text(
        "From the rules' last run, before the programme saved as version 2")
    expect(page.locator("#alerts")).not_to_contain_text("Choose the next step")
    progression.scroll_into_view_if_needed()
    screenshot(page, "physio-programme-replaces-run")
    progression.get_by_role("link", name="Progression settings and decisions").click()
    latest = page.locator("section[aria-labelledby='latest-title']")
    expect(latest).to_contain_text("The programme saved since as version 2")
    expect(latest).to_contain_text("No longer in the programme")  # the heel slides went
    expect(latest.get_by_text("Override with your own dose")).to_have_count(0)
    latest.scroll_into_view_if_needed()
    screenshot(page, "progression-replaced-run")
    sign_out(page)

    sign_in(page, people["patient"])
    expect(page.get_by_role("heading", level=1)).to_have_text("Today")
    expect(page.get_by_text("your physio will choose what comes next")).to_have_count(0)
    page.get_by_role("link", name="My programme").first.click()
    expect(page.get_by_role("link", name="Glute bridge")).to_be_visible()


def test_the_physio_approves_and_rejects_waiting_decisions(page, live_app, synced_library):
    """Approval mode: the rules' three steps up wait. The physio changes the knee stretch's
    dose in the editor, so that one can no longer be approved; approves the bridge; rejects
    the clam with a note. The patient reads what the physio did."""
    people = settled_patient(live_app, "Approve Clinic", "Ada Physio", "Ben Patient")
    sign_in(page, people["physio"])
    page.get_by_role("link", name="Ben Patient").click()
    page.get_by_role("link", name="Progression settings and decisions").click()
    page.get_by_label("Hold progressions for my approval").check()
    page.get_by_label("Usual pain (0-10)").fill("2")
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_text("Progression settings saved.")).to_be_visible()
    sign_out(page)

    sign_in(page, people["patient"])
    check_in_this_morning(page)
    expect(progress_notes(page)).to_contain_text("your physio will check it first")
    sign_out(page)

    sign_in(page, people["physio"])
    page.get_by_role("link", name="Ben Patient").click()
    expect(page.get_by_text("3 waiting for your approval")).to_be_visible()
    page.get_by_role("link", name="Change the programme").click()
    page.locator("#exercises-2-sets").fill("3")  # the knee stretch: the physio's own step
    page.get_by_role("button", name="Save the programme").click()
    expect(page.get_by_text("programme is saved")).to_be_visible()
    page.get_by_role("link", name="Progression settings and decisions").click()
    waiting = page.locator("section[aria-labelledby='pending-title']")
    expect(waiting.get_by_role("heading")).to_have_text("Waiting for your approval (3)")
    knee = waiting.get_by_role("listitem").filter(has_text="Knee to chest")
    expect(knee).to_contain_text("The dose has changed since this decision")
    expect(knee.get_by_role("button", name="Approve")).to_have_count(0)
    waiting.scroll_into_view_if_needed()
    screenshot(page, "progression-waiting")
    # Each decision's buttons say which exercise they act on (a list of buttons read out
    # said "Reject, Reject, Reject").
    expect(waiting.get_by_role("button", name="Reject", exact=True)).to_have_count(0)
    expect(waiting.get_by_role("button", name="Reject Clam", exact=True)).to_have_count(1)
    expect(waiting.get_by_role("button", name="Approve Glute bridge", exact=True)
           ).to_have_count(1)

    waiting.get_by_role("listitem").filter(has_text="Glute bridge").get_by_role(
        "button", name="Approve").click()
    expect(page.get_by_text("Approved: Glute bridge changes from the next session.")
           ).to_be_visible()
    clam = waiting.get_by_role("listitem").filter(has_text="Clam")
    clam.get_by_label("Note (optional)").fill("Clams as they are this week.")
    clam.get_by_role("button", name="Reject").click()
    expect(page.get_by_text("Rejected: Clam keeps its dose.")).to_be_visible()
    expect(waiting.get_by_role("heading")).to_have_text("Waiting for your approval (1)")
    sign_out(page)

    sign_in(page, people["patient"])
    notes = progress_notes(page)
    expect(notes).to_contain_text("Your glute bridge goes up to 12 reps")
    expect(notes).to_contain_text("Your physio has kept the dose of your clam as it is.")
