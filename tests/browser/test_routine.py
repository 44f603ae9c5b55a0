"""The guided routine (routine.js) at phone and desktop widths, and its no-JavaScript fallback."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from exercise_app.extensions import db
from exercise_app.models import Clinic, ExerciseLog, ExerciseSession, Role, Side, now_utc
from exercise_app.programmes.operations import PrescriptionValues, save_programme
from tests.browser.conftest import WIDTHS, screenshot
from tests.browser.test_accounts import sign_in
from tests.conftest import add_user
from tests.factories import pass_safety_check

pytestmark = pytest.mark.browser

EVERY_DAY = 127
STEPS = 5  # pain before, three exercises, how did it go


def _row(slug: str, *, sets: int, reps: int | None = None, hold: int | None = None,
         rest: int = 0, side: Side = Side.BOTH) -> PrescriptionValues:
    return PrescriptionValues(
        slug=slug, sets=sets, reps=reps, hold_seconds=hold, rest_seconds=rest, side=side,
        tempo=None, load_note="", weekdays=EVERY_DAY, sessions_per_week=None,
    )


def patient_with(live_app, clinic_name: str, rows, start=None, note: str = "",
                 names: tuple[str, str] | None = None) -> str:
    """A new clinic with a physio and a patient (screened; ``names``: theirs, which make
    their e-mail addresses) given ``rows`` from ``start`` (a week ago by default): the
    patient's e-mail address."""
    physio_name, patient_name = names or (f"{clinic_name} Physio", f"{clinic_name} Patient")
    with live_app.app_context():
        clinic = Clinic(name=clinic_name)
        db.session.add(clinic)
        db.session.flush()
        physio = add_user(clinic, Role.PHYSIO, physio_name)
        patient = add_user(clinic, Role.PATIENT, patient_name, physio=physio)
        save_programme(patient, physio, note=note, rows=list(rows),
                       start_date=start or (now_utc() - timedelta(days=7)).date())
        pass_safety_check(patient)
        db.session.commit()
        return patient.email


@pytest.fixture
def routine(live_app, synced_library):
    """A patient whose programme is: a reps exercise, a hold on each side, reps on each side."""
    email = patient_with(live_app, "Routine Clinic", note="Little and often.",
                         names=("Rhea Physio", "Rory Patient"), rows=[
        _row("glute-bridge", sets=2, reps=3, rest=20),
        _row("figure-4-stretch", sets=1, hold=20, rest=15, side=Side.EACH),
        _row("clam", sets=1, reps=5, side=Side.EACH),
    ])
    names = {slug: synced_library.exercises[slug].name
             for slug in ("glute-bridge", "figure-4-stretch", "clam")}
    return {"email": email, "names": names}


def sessions_stored(live_app) -> int:
    with live_app.app_context():
        count = db.session.scalar(select(func.count()).select_from(ExerciseSession))
        db.session.remove()
        return count or 0


def choose(page, name: str, value: int) -> None:
    page.locator(f'input[name="{name}"][value="{value}"]').check()


def expect_step(page, number: int, heading: str) -> None:
    expect(page.locator(".guide-count")).to_have_text(f"Step {number} of {STEPS}")
    expect(page.locator(".guide-progress")).to_have_attribute("value", str(number))
    current = page.locator(".routine-step:not([hidden]) h2")
    expect(current).to_contain_text(heading)
    expect(current).to_be_focused()


def trainer(page):
    return page.locator(".routine-step:not([hidden]) .trainer")


def answer_how_it_went(page, during: int, after: int, effort: int) -> None:
    choose(page, "pain_during", during)
    choose(page, "pain_after", after)
    choose(page, "effort", effort)


def row_for(page, name: str):
    return page.get_by_role("row").filter(has=page.get_by_role("rowheader", name=name))


def all_sets_done(page, exercises: int) -> None:
    """Go on through the next ``exercises`` exercises, each with "I did all the sets"."""
    for _ in range(exercises):
        page.get_by_role("button", name="Next").click()
        page.get_by_role("button", name="I did all the sets").click()


def save_and_open_the_log(page, during: int, after: int, effort: int) -> None:
    answer_how_it_went(page, during=during, after=after, effort=effort)
    page.get_by_role("button", name="Save my session").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Session of")


def test_patient_completes_the_guided_routine(page, routine, live_app):
    names = routine["names"]
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("console", lambda m: problems.append(m.text)
            if m.type == "error" and "Failed to load resource" not in m.text  # /favicon.ico
            else None)
    page.clock.install()
    sign_in(page, routine["email"])
    page.get_by_role("link", name="Start today's routine").click()
    expect(page.locator("form.routine")).to_have_class(re.compile("is-guided"))
    expect(page.locator(".guide-count")).to_have_text(f"Step 1 of {STEPS}")
    expect(page.locator(".log-fields").first).to_be_hidden()
    screenshot(page, "routine-pain-before")

    # Next without an answer asks for one instead of moving on.
    page.get_by_role("button", name="Next").click()
    expect(page.get_by_text("Choose a number from 0 to 10.")).to_be_visible()
    expect(page.locator(".guide-count")).to_have_text(f"Step 1 of {STEPS}")
    choose(page, "pain_before", 2)
    page.get_by_role("button", name="Next").click()

    # A reps exercise: two sets of three with a 20-second rest.
    expect_step(page, 2, names["glute-bridge"])
    assert page.locator('input[name="started_at"]').input_value().endswith("Z")
    box = trainer(page)
    expect(box.locator(".trainer-set")).to_have_text("Set 1 of 2")
    plus = box.get_by_role("button", name="Add a rep")
    assert plus.bounding_box()["height"] >= 48
    for _ in range(3):
        plus.click()
    expect(box.locator(".count-value")).to_have_text("3")
    screenshot(page, "routine-reps")
    box.get_by_role("button", name="Set done").click()
    expect(box.get_by_text("Rest", exact=True)).to_be_visible()
    expect(box.locator(".trainer-rest .clock-value")).to_have_text("20")
    screenshot(page, "routine-rest")
    page.clock.fast_forward(20_000)
    expect(box.locator(".trainer-set")).to_have_text("Set 2 of 2")
    for _ in range(3):
        plus.click()
    box.get_by_role("button", name="Set done").click()
    expect(box.locator(".finished-text")).to_contain_text("All sets done")
    page.get_by_role("button", name="Next").click()

    # A hold on each side: left, rest, right; pausing stops the clock.
    expect_step(page, 3, names["figure-4-stretch"])
    box = trainer(page)
    expect(box.locator(".trainer-set")).to_contain_text("Left side")
    box.get_by_role("button", name="Start the hold").click()
    expect(box.locator(".trainer-work .clock-value")).to_have_text("20")
    # Read out whole: what it counts, the number and the unit (no label in its place).
    expect(box.locator(".trainer-work").get_by_role("timer")).to_have_text(
        "Hold time left: 20 seconds")
    page.clock.run_for(5_000)
    expect(box.locator(".trainer-work .clock-value")).to_have_text("15")
    screenshot(page, "routine-hold")
    page.clock.fast_forward(15_000)
    expect(box.locator(".trainer-rest")).to_be_visible()
    expect(box.locator(".rest-next")).to_contain_text("right side")
    page.clock.run_for(15_000)
    expect(box.locator(".trainer-set")).to_contain_text("Right side")
    box.get_by_role("button", name="Start the hold").click()
    page.clock.run_for(10_000)
    box.get_by_role("button", name="Pause").click()
    expect(box.get_by_role("button", name="Resume")).to_be_focused()
    page.clock.fast_forward(60_000)
    expect(box.locator(".trainer-work .clock-value")).to_have_text("10")
    box.get_by_role("button", name="Resume").click()
    page.clock.fast_forward(10_000)
    expect(box.locator(".finished-text")).to_contain_text("All sets done")
    page.get_by_role("button", name="Next").click()

    # Reps on each side, no rest: counted on the left, "Set done" alone on the right.
    expect_step(page, 4, names["clam"])
    box = trainer(page)
    expect(box.locator(".trainer-set")).to_contain_text("Left side")
    for _ in range(4):
        box.get_by_role("button", name="Add a rep").click()
    box.get_by_role("button", name="Set done").click()
    expect(box.locator(".trainer-set")).to_contain_text("Right side")
    page.clock.fast_forward(5_000)  # the right side's set (a tap sooner is the same tap)
    box.get_by_role("button", name="Set done").click()
    expect(box.locator(".finished-text")).to_contain_text("All sets done")
    page.get_by_role("button", name="Next").click()

    expect_step(page, 5, "How did it go?")
    expect(page.get_by_role("button", name="Next")).to_be_hidden()
    expect(page.locator(".guide-summary")).to_contain_text("4 reps left, 5 right")
    answer_how_it_went(page, during=3, after=2, effort=5)
    screenshot(page, "routine-how-did-it-go")
    page.get_by_role("button", name="Save my session").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Session of")
    expect(page.get_by_text("Well done: your session is saved.")).to_be_visible()
    facts = page.locator(".facts")
    expect(facts).to_contain_text("Pain before2 / 10")
    expect(facts).to_contain_text("Worst during3 / 10")
    expect(facts).to_contain_text("Effort5 / 10")
    expect(facts).to_contain_text("All done")
    expect(row_for(page, names["glute-bridge"])).to_contain_text("Done")
    bridge = row_for(page, names["glute-bridge"]).get_by_role("cell")
    expect(bridge.nth(1)).to_have_text("2")  # sets
    expect(bridge.nth(2)).to_have_text("6")  # reps
    expect(row_for(page, names["figure-4-stretch"])).to_contain_text("Done")
    expect(row_for(page, names["clam"])).to_contain_text("4 left, 5 right")
    screenshot(page, "routine-saved")
    with live_app.app_context():
        stored = db.session.scalars(select(ExerciseSession)).one()
        assert stored.started_at is not None
        db.session.remove()
    assert problems == []  # no script errors, no Content-Security-Policy refusals


def test_reduced_motion_keeps_the_demonstration(page, routine):
    page.emulate_media(reduced_motion="reduce")
    sign_in(page, routine["email"])
    page.goto("/routine")
    choose(page, "pain_before", 0)
    page.get_by_role("button", name="Next").click()
    demo = page.locator(".routine-step:not([hidden]) .demo-anim")
    expect(demo).to_be_visible()  # the figure stops its own animation; there are no stills


def test_stop_this_hurts_records_the_reason(page, routine):
    names = routine["names"]
    page.clock.install()
    sign_in(page, routine["email"])
    page.goto("/routine")
    choose(page, "pain_before", 4)
    page.get_by_role("button", name="Next").click()

    box = trainer(page)
    box.get_by_role("button", name="Set done").click()  # set 1 as prescribed
    page.clock.run_for(1_000)  # Skip rest, where Set done was: a tap sooner is the same tap
    box.get_by_role("button", name="Skip rest").click()
    expect(box.locator(".trainer-set")).to_have_text("Set 2 of 2")
    box.get_by_role("button", name="Add a rep").click()
    stop = box.get_by_role("button", name="Stop: this hurts")
    expect(stop).to_have_css("background-color", "rgb(179, 38, 30)")
    stop.click()
    expect(box.get_by_text("Stop this exercise now.")).to_be_visible()
    box.get_by_role("button", name="Stop and record it").click()
    expect(box.get_by_text("Choose what happened.")).to_be_visible()  # a reason is required
    box.get_by_role("radio", name="Sharp, catching or giving-way pain").check()
    screenshot(page, "routine-stop")
    box.get_by_role("button", name="Stop and record it").click()

    expect_step(page, 3, names["figure-4-stretch"])
    expect(page.locator(".guide-notice")).to_contain_text(
        f"You stopped {names['glute-bridge']}: do not carry on with it today")
    expect(page.locator(".guide-notice")).to_contain_text("recorded")
    screenshot(page, "routine-after-stop")
    # Back on the stopped exercise: the stop stands; it cannot be started again (doing its
    # sets then saved it as done, and the physio never heard of the stop).
    page.get_by_role("button", name="Back").click()
    expect_step(page, 2, names["glute-bridge"])
    expect(trainer(page).get_by_text("Do not carry on with this exercise today")).to_be_visible()
    expect(trainer(page).get_by_role("button", name="Start this exercise again")).to_be_hidden()
    page.get_by_role("button", name="Next").click()
    expect_step(page, 3, names["figure-4-stretch"])
    page.get_by_role("button", name="Next").click()  # nothing recorded: it asks
    page.get_by_role("button", name="I did all the sets").click()
    expect_step(page, 4, names["clam"])
    trainer(page).get_by_role("button", name="Skip this exercise").click()
    trainer(page).get_by_role("radio", name="No time").check()
    trainer(page).get_by_role("button", name="Skip it").click()

    expect_step(page, 5, "How did it go?")
    answer_how_it_went(page, during=6, after=4, effort=6)
    page.get_by_role("button", name="Save my session").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Session of")
    expect(page.locator(".facts")).to_contain_text("Stopped")
    bridge = row_for(page, names["glute-bridge"])
    expect(bridge).to_contain_text("Stopped: it hurt")
    expect(bridge).to_contain_text("Sharp, catching or giving-way pain")
    expect(bridge.get_by_role("cell").nth(1)).to_have_text("1")  # sets: the completed one
    expect(bridge.get_by_role("cell").nth(2)).to_have_text("4")  # reps: 3, then 1 counted
    expect(row_for(page, names["figure-4-stretch"])).to_contain_text("Done")
    expect(row_for(page, names["clam"])).to_contain_text("Skipped")
    expect(row_for(page, names["clam"])).to_contain_text("No time")


def test_set_done_tapped_twice_is_one_set_and_the_count_stops_at_twice_the_reps(
        page, routine, live_app):
    """The clam (one set of 5 on each side, no rest): Set done stays in place, and a double
    tap finished both sides at once; the counter went on to 999, and a log above twice the
    prescribed reps is refused by the server."""
    names = routine["names"]
    sign_in(page, routine["email"])
    page.goto("/routine")
    choose(page, "pain_before", 2)
    page.get_by_role("button", name="Next").click()
    all_sets_done(page, 2)
    expect_step(page, 4, names["clam"])
    box = trainer(page)
    for _ in range(12):
        box.get_by_role("button", name="Add a rep").click()
    expect(box.locator(".count-value")).to_have_text("10")
    box.get_by_role("button", name="Set done").dblclick()
    expect(box.get_by_text("All sets done")).to_be_hidden()
    expect(box.get_by_role("button", name="Set done")).to_be_visible()
    page.wait_for_timeout(800)
    box.get_by_role("button", name="Set done").click()  # the right side, as prescribed
    expect(box.get_by_text("All sets done")).to_be_visible()
    page.get_by_role("button", name="Next").click()
    save_and_open_the_log(page, during=2, after=2, effort=3)
    with live_app.app_context():
        clam = db.session.scalar(select(ExerciseLog).order_by(ExerciseLog.position.desc()))
        db.session.remove()
    assert (clam.status.value, clam.reps_done, clam.reps_done_other_side) == ("done", 10, 5)


def test_a_double_click_on_submit_stores_one_session(page, routine, live_app):
    sign_in(page, routine["email"])
    page.goto("/routine")
    choose(page, "pain_before", 1)
    page.get_by_role("button", name="Next").click()
    # One set of the bridge, then Next: leaving early records it as partly done.
    trainer(page).get_by_role("button", name="Set done").click()
    trainer(page).get_by_role("button", name="Skip rest").click()
    page.get_by_role("button", name="Next").click()
    expect(page.locator(".guide-notice")).to_contain_text("partly done")
    all_sets_done(page, 2)
    expect(page.locator(".guide-count")).to_have_text(f"Step {STEPS} of {STEPS}")
    answer_how_it_went(page, during=1, after=1, effort=3)
    posts = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    page.locator("[data-submit]").dblclick()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Session of")
    assert len(posts) == 1, posts
    assert sessions_stored(live_app) == 1
    bridge = row_for(page, routine["names"]["glute-bridge"])
    expect(bridge).to_contain_text("Partly done")
    expect(bridge.get_by_role("cell").nth(1)).to_have_text("1")
    expect(bridge.get_by_role("cell").nth(2)).to_have_text("3")
    expect(page.locator(".facts")).to_contain_text("Partly done")
    # Correcting a saved log keeps the plain checklist: every answer visible at once.
    page.get_by_role("link", name="Correct this log").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Correct your log of ")
    expect(page.get_by_role("link", name="Back to this session without changing it")
           ).to_be_visible()
    expect(page.locator(".guide-bar")).to_have_count(0)
    expect(page.locator(".log-fields").first).to_be_visible()


STUBS = """
window.__spoken = []; window.__beeps = 0; window.__locks = [];
window.SpeechSynthesisUtterance = function (text) { this.text = text; };
Object.defineProperty(window, "speechSynthesis", { configurable: true, value: {
  speak: (u) => window.__spoken.push(u.text), cancel: () => {} } });
Object.defineProperty(navigator, "wakeLock", { configurable: true, value: {
  request: (kind) => { const lock = new EventTarget(); lock.kind = kind;
    lock.release = () => Promise.resolve(); window.__locks.push(lock);
    return Promise.resolve(lock); } } });
if (window.AudioContext) {
  const make = AudioContext.prototype.createOscillator;
  AudioContext.prototype.createOscillator = function () { window.__beeps += 1;
    return make.call(this); };
}
"""


def test_spoken_cues_beeps_and_the_screen_kept_on(page, routine):
    page.add_init_script(STUBS)
    page.clock.install()
    sign_in(page, routine["email"])
    page.goto("/routine")
    speak = page.get_by_label("Speak cues")
    expect(speak).not_to_be_checked()  # off unless asked for
    speak.check()
    choose(page, "pain_before", 1)
    page.get_by_role("button", name="Next").click()
    bridge = routine["names"]["glute-bridge"]
    expect(page.locator("[aria-live=polite]").first).to_contain_text(f"Step 2 of {STEPS}")
    assert page.evaluate("window.__locks.map(l => l.kind)") == ["screen"]
    assert f"{bridge}. 2 sets of 3" in page.evaluate("window.__spoken")
    trainer(page).get_by_role("button", name="Set done").click()
    assert "Rest 20 seconds." in page.evaluate("window.__spoken")
    page.clock.fast_forward(20_000)
    expect(trainer(page).locator(".trainer-set")).to_have_text("Set 2 of 2")
    assert page.evaluate("window.__beeps") == 1  # the end of the rest
    assert page.evaluate("window.__spoken").pop().startswith("Set 2 of 2. ")
    # The browser drops the lock when the page is hidden; coming back asks again.
    page.evaluate("window.__locks[0].dispatchEvent(new Event('release'));"
                  "document.dispatchEvent(new Event('visibilitychange'))")
    assert page.evaluate("window.__locks.length") == 2


def test_without_javascript_the_checklist_logs_a_session(browser, live_server, routine, live_app):
    context = browser.new_context(base_url=live_server, java_script_enabled=False,
                                  viewport={"width": WIDTHS["phone"], "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.width_name = "phone-nojs"  # type: ignore[attr-defined]
    try:
        sign_in(page, routine["email"])
        page.goto("/routine")
        expect(page.locator(".guide-bar")).to_have_count(0)
        expect(page.locator(".routine-step").nth(2)).to_be_visible()  # everything on one page
        screenshot(page, "routine-checklist")
        choose(page, "pain_before", 3)
        bridge = page.locator("[data-exercise]").first
        bridge.get_by_label("How did it go?").select_option("partial")
        bridge.get_by_label("Sets done").fill("1")
        bridge.get_by_label("Reps done in all").fill("3")
        answer_how_it_went(page, during=4, after=3, effort=4)
        page.get_by_label("Anything to tell your physio?").fill("Bridge felt heavy.")
        page.get_by_role("button", name="Save my session").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("Session of")
        expect(row_for(page, routine["names"]["glute-bridge"])).to_contain_text("Partly done")
        expect(page.get_by_text("Bridge felt heavy.")).to_be_visible()
        assert sessions_stored(live_app) == 1
    finally:
        context.close()


def tab_to(page, locator, limit: int = 40) -> None:
    """Press Tab until the locator has focus, as a keyboard user would."""
    for _ in range(limit):
        if locator.evaluate("el => el === document.activeElement"):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {locator}")


def test_keyboard_only_gets_through_the_first_steps(page, routine):
    names = routine["names"]
    page.clock.install()
    sign_in(page, routine["email"])
    page.goto("/routine")
    first_radio = page.locator('input[name="pain_before"]').first
    tab_to(page, first_radio)
    for _ in range(2):
        page.keyboard.press("ArrowRight")  # arrows move through a radio group
    expect(page.locator('input[name="pain_before"][value="2"]')).to_be_checked()
    page.keyboard.press("Enter")  # Enter moves on, it does not post the form early
    expect_step(page, 2, names["glute-bridge"])

    box = trainer(page)
    tab_to(page, box.get_by_role("button", name="Add a rep"))
    for key in ("Enter", "Space", "Enter"):
        page.keyboard.press(key)
    expect(box.locator(".count-value")).to_have_text("3")
    tab_to(page, box.get_by_role("button", name="Set done"))
    page.keyboard.press("Enter")
    expect(box.get_by_role("button", name="Skip rest")).to_be_focused()
    page.clock.run_for(1_000)  # a key pressed again sooner is the same press
    page.keyboard.press("Space")
    expect(box.locator(".trainer-set")).to_have_text("Set 2 of 2")
    expect(box.get_by_role("button", name="Add a rep")).to_be_focused()
    page.keyboard.press("Enter")
    tab_to(page, box.get_by_role("button", name="Set done"))
    page.clock.run_for(1_000)
    page.keyboard.press("Enter")
    page.clock.fast_forward(1_000)
    expect(box.locator(".finished-text")).to_contain_text("All sets done")
    expect(page.get_by_role("button", name="Next")).to_be_focused()
    page.keyboard.press("Enter")
    expect_step(page, 3, names["figure-4-stretch"])
    tab_to(page, trainer(page).get_by_role("button", name="Start the hold"))
    page.keyboard.press("Enter")
    expect(trainer(page).get_by_role("button", name="Pause")).to_be_focused()
    page.clock.run_for(1_000)
    page.keyboard.press("Space")
    expect(trainer(page).get_by_role("button", name="Resume")).to_be_focused()
    screenshot(page, "routine-keyboard")
    focused = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert focused == "solid"  # focus is visible


def test_after_a_stop_the_session_can_end_there(page, routine):
    """A patient in pain need not step through the rest: "End the session here" records the
    exercises left as skipped (too painful to start) and goes to the last step. A reason picked
    and then cancelled is not sent with another status."""
    names = routine["names"]
    page.clock.install()
    sign_in(page, routine["email"])
    page.goto("/routine")
    choose(page, "pain_before", 5)
    page.get_by_role("button", name="Next").click()

    box = trainer(page)
    box.get_by_role("button", name="Skip this exercise").click()
    box.get_by_role("radio", name="No time").check()
    box.get_by_role("button", name="Cancel").click()  # changed their mind
    box.get_by_role("button", name="Set done").click()
    box.get_by_role("button", name="Stop: this hurts").click()
    box.get_by_role("radio", name="Pain went above 5 out of 10").check()
    box.get_by_role("button", name="Stop and record it").click()

    expect_step(page, 3, names["figure-4-stretch"])
    end = page.get_by_role("button", name="End the session here")
    expect(end).to_be_visible()
    screenshot(page, "routine-end-after-stop")
    end.focus()
    page.keyboard.press("Enter")

    expect_step(page, 5, "How did it go?")
    expect(page.locator(".guide-notice")).to_contain_text("the exercises left are recorded as "
                                                          "skipped, too painful to start")
    expect(end).to_be_hidden()
    answer_how_it_went(page, during=7, after=6, effort=5)
    page.get_by_role("button", name="Save my session").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Session of")
    bridge = row_for(page, names["glute-bridge"])
    expect(bridge).to_contain_text("Stopped: it hurt")
    expect(bridge).to_contain_text("Pain went above 5 out of 10")
    expect(bridge).not_to_contain_text("No time")
    for name in (names["figure-4-stretch"], names["clam"]):
        expect(row_for(page, name)).to_contain_text("Skipped")
        expect(row_for(page, name)).to_contain_text("Too painful to start")


def test_a_page_shown_again_after_submitting_can_be_submitted_again(page, routine):
    """Back on the routine after a submit whose answer never came (restored from the
    browser's cache): the save button is usable again and says what it does."""
    sign_in(page, routine["email"])
    page.goto("/routine")
    choose(page, "pain_before", 1)
    page.get_by_role("button", name="Next").click()
    all_sets_done(page, 3)
    answer_how_it_went(page, during=1, after=1, effort=3)
    posts = []

    def no_content(route):  # a 204 leaves the page where it is, as a lost answer would
        posts.append(route.request.url)
        route.fulfill(status=204)

    page.route("**/routine", lambda route: no_content(route)
               if route.request.method == "POST" else route.continue_())
    save = page.locator("[data-submit]")
    label = save.text_content()
    save.click()
    expect(save).to_have_text("Saving\u2026")
    expect(save).to_be_disabled()
    page.evaluate("window.dispatchEvent(new PageTransitionEvent('pageshow', {persisted: true}))")
    expect(save).to_have_text(label)
    expect(save).to_be_enabled()
    assert len(posts) == 1


def test_a_patient_changes_their_time_zone(page, routine, live_app):
    sign_in(page, routine["email"])
    page.goto("/today")
    page.get_by_role("link", name="Change your time zone").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your time zone")
    zone = page.get_by_label("Time zone")
    expect(zone).to_have_value("Europe/London")
    zone.select_option("America/New_York")
    screenshot(page, "time-zone")
    zone.focus()
    page.keyboard.press("Tab")  # on to the button, and Enter saves
    device = page.get_by_role("button", name=re.compile("Use this device's time zone"))
    if device.count():  # this machine's zone is not the patient's: it is offered first
        expect(device).to_be_focused()
        page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Save time zone")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_text("Your time zone is now America/New York.")).to_be_visible()
    expect(page.get_by_text("Your days are counted in the time zone America/New York.")
           ).to_be_visible()


def test_a_routine_reloaded_midway_takes_up_where_it_was(page, routine, live_app):
    """A phone discards a background tab, or the patient closes it by mistake: the routine
    so far is kept in the tab and taken up again, with the same client id."""
    names = routine["names"]
    page.clock.install()
    sign_in(page, routine["email"])
    page.goto("/routine")
    client_id = page.locator('input[name="client_id"]').input_value()
    choose(page, "pain_before", 4)
    page.get_by_role("button", name="Next").click()
    box = trainer(page)
    box.get_by_role("button", name="Set done").click()  # set 1 of the bridge
    box.get_by_role("button", name="Skip rest").click()
    expect(box.locator(".trainer-set")).to_have_text("Set 2 of 2")

    page.reload()
    expect(page.locator(".guide-notice")).to_contain_text("Welcome back")
    expect(page.locator(".guide-count")).to_have_text(f"Step 2 of {STEPS}")
    expect(page.locator(".routine-step:not([hidden]) h2")).to_contain_text(names["glute-bridge"])
    expect(trainer(page).locator(".trainer-set")).to_have_text("Set 2 of 2")
    assert page.locator('input[name="client_id"]').input_value() == client_id
    expect(page.locator('input[name="pain_before"][value="4"]')).to_be_checked()

    box = trainer(page)
    for _ in range(3):
        box.get_by_role("button", name="Add a rep").click()
    page.get_by_role("button", name="Next").click()  # left early: partly done
    all_sets_done(page, 2)
    save_and_open_the_log(page, during=3, after=2, effort=4)
    bridge = row_for(page, names["glute-bridge"])
    expect(bridge).to_contain_text("Partly done")
    expect(bridge.get_by_role("cell").nth(1)).to_have_text("1")  # the set done before reloading
    expect(bridge.get_by_role("cell").nth(2)).to_have_text("6")  # 3 reps, then 3 after
    with live_app.app_context():
        stored = db.session.scalar(select(ExerciseSession.client_id))
        db.session.remove()
    assert stored == client_id

    page.goto("/routine")  # saved: the next routine starts afresh
    expect(page.locator(".guide-count")).to_have_text(f"Step 1 of {STEPS}")
    expect(page.locator(".guide-notice")).to_be_hidden()


def same_day_three_hours_back(live_app, email: str) -> str:
    """A time zone where three hours ago was still today, given to the patient: the phone is
    put in it too, to start a routine three hours back on the same day."""
    from zoneinfo import ZoneInfo

    from exercise_app.models import User

    now = now_utc()
    zone = next(z for z in ("Pacific/Kiritimati", "Europe/London", "America/Los_Angeles")
                if now.astimezone(ZoneInfo(z)).hour >= 3)
    with live_app.app_context():
        db.session.scalar(select(User).where(User.email == email)).time_zone = zone
        db.session.commit()
        db.session.remove()
    return zone


def test_a_routine_taken_up_hours_later_starts_its_clock_again(browser, live_server, routine,
                                                               live_app):
    """The kept start time is part of the log, which is dated from it: a routine left in the
    early morning and finished hours later is timed from when it was taken up again."""
    from exercise_app.domain.scheduling import local_today

    now = now_utc()
    zone = same_day_three_hours_back(live_app, routine["email"])
    context = browser.new_context(base_url=live_server, timezone_id=zone,
                                  viewport={"width": WIDTHS["phone"], "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        page.clock.install(time=now - timedelta(hours=3))
        sign_in(page, routine["email"])
        page.goto("/routine")
        choose(page, "pain_before", 2)
        page.get_by_role("button", name="Next").click()
        trainer(page).get_by_role("button", name="Set done").click()
        page.clock.set_system_time(now)
        page.reload()
        expect(page.locator(".guide-notice")).to_contain_text("Welcome back")
        page.get_by_role("button", name="Next").click()
        all_sets_done(page, 2)
        save_and_open_the_log(page, during=1, after=1, effort=3)
    finally:
        context.close()
    with live_app.app_context():
        stored = db.session.scalar(select(ExerciseSession))
        db.session.remove()
    assert stored.local_date == local_today(now, zone)
    assert abs(stored.started_at - now) < timedelta(minutes=5)  # not three hours before


def test_a_sent_routine_whose_answer_was_lost_is_sent_again_with_its_id(page, routine,
                                                                       live_app):
    """Stored, but the answer is lost (a dropped connection): the routine opened again is the
    one sent, with its client id, so sending it again stores nothing twice and lands on its
    page (it was forgotten on sending: a new id, and a second session when it was redone).
    Once the session's page is shown, the next routine starts afresh."""
    sign_in(page, routine["email"])
    page.goto("/routine")
    client_id = page.locator('input[name="client_id"]').input_value()
    choose(page, "pain_before", 1)
    page.get_by_role("button", name="Next").click()
    all_sets_done(page, 3)
    answer_how_it_went(page, during=1, after=1, effort=3)

    def stored_but_no_answer(route):
        if route.request.method != "POST":
            return route.continue_()
        route.fetch(max_redirects=0)  # the server stores it
        return route.abort("connectionreset")  # the answer is lost

    page.route("**/routine", stored_but_no_answer)
    page.locator("[data-submit]").click()
    for _ in range(50):  # the POST goes through the route handler
        if sessions_stored(live_app) == 1:
            break
        page.wait_for_timeout(100)
    assert sessions_stored(live_app) == 1
    page.unroute("**/routine")
    page.goto("/routine")
    expect(page.locator(".guide-notice")).to_contain_text("Welcome back")
    assert page.locator('input[name="client_id"]').input_value() == client_id
    expect(page.locator('input[name="effort"][value="3"]')).to_be_checked()
    page.get_by_role("button", name="Save my session").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Session of")
    assert sessions_stored(live_app) == 1
    page.goto("/routine")
    expect(page.locator(".guide-count")).to_have_text(f"Step 1 of {STEPS}")
    expect(page.locator(".guide-notice")).to_be_hidden()
    assert page.locator('input[name="client_id"]').input_value() != client_id


def test_signing_out_forgets_a_routine_kept_in_the_tab(page, routine):
    """On a shared phone nothing of the last patient's routine stays in the tab."""
    sign_in(page, routine["email"])
    page.goto("/routine")
    choose(page, "pain_before", 6)
    page.get_by_role("button", name="Next").click()
    trainer(page).get_by_role("button", name="Set done").click()
    kept = "Object.keys(sessionStorage).filter(k => k.startsWith('routine-progress:')).length"
    assert page.evaluate(kept) == 1
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You are signed out.")).to_be_visible()
    page.wait_for_load_state("load")  # the sign-in page's deferred script has run
    assert page.evaluate(kept) == 0
    sign_in(page, routine["email"])
    page.goto("/routine")
    expect(page.locator(".guide-count")).to_have_text(f"Step 1 of {STEPS}")
    expect(page.locator('input[name="pain_before"][value="6"]')).not_to_be_checked()


def test_a_walk_is_timed_as_a_walk_not_a_hold(page, live_app, synced_library):
    """Walking is timed like a hold, and was called one: 'Walking: 3 holds of 60 seconds',
    'Start the hold'. It is a walk (the library's ``bout``)."""
    email = patient_with(live_app, "Walking Clinic",
                         rows=[_row("walking-programme", sets=3, hold=120, rest=60)])
    page.clock.install()
    sign_in(page, email)
    expect(page.locator(".due-list")).to_contain_text("Walking: 3 walks of 2 minutes")
    page.get_by_role("link", name="Start today's routine").click()
    choose(page, "pain_before", 2)
    page.get_by_role("button", name="Next").click()
    box = trainer(page)
    expect(page.locator(".routine-step:not([hidden]) .dose")).to_contain_text(
        "3 walks of 2 minutes")
    box.get_by_role("button", name="Start the walk").click()
    expect(box.locator(".trainer-work").get_by_role("timer")).to_have_text(
        "Walk time left: 120 seconds")
    screenshot(page, "routine-walk")


def test_the_calendar_marks_today_open_for_an_any_day_exercise(page, live_app, synced_library):
    """Once a week on any day, nothing done: today is open, not a rest day."""
    today = now_utc().date()
    once_a_week = replace(_row("glute-bridge", sets=2, reps=10, rest=30), weekdays=1,
                          sessions_per_week=1)
    email = patient_with(live_app, "Open Day Clinic", rows=[once_a_week],
                         start=today - timedelta(days=today.weekday()))
    sign_in(page, email)
    expect(page.locator(".due-list")).to_contain_text("0 of 1 done this week")
    page.get_by_role("link", name="History").first.click()
    today_cell = page.locator(".day-open, .day-today-pending")
    expect(today_cell).to_have_count(1)
    screenshot(page, "history-open-day")


def test_a_rest_counts_from_when_a_hold_ended_on_a_hidden_tab(page, live_app, synced_library):
    """A hidden tab's timers run late (Chrome lets them fire once a minute): a 30-second hold
    whose end was seen only 20 seconds late started the 40-second rest after it in full,
    as if the patient had held 50 seconds. The rest counts from when the hold ended."""
    email = patient_with(live_app, "Hidden Tab Clinic",
                         rows=[_row("figure-4-stretch", sets=2, hold=30, rest=40)])
    page.clock.install()
    sign_in(page, email)
    page.get_by_role("link", name="Start today's routine").click()
    expect(page.locator("form.routine")).to_have_class(re.compile("is-guided"))
    choose(page, "pain_before", 2)
    page.get_by_role("button", name="Next").click()
    box = trainer(page)
    box.get_by_role("button", name="Start the hold").click()
    expect(box.locator(".trainer-work .clock-value")).to_have_text("30")
    page.clock.fast_forward(50_000)  # a single late tick, 20 s after the hold's end
    expect(box.locator(".trainer-rest")).to_be_visible()
    expect(box.locator(".trainer-rest .clock-value")).to_have_text("20")
    expect(page.locator("div.visually-hidden[aria-live]")).to_contain_text("Rest for 20 seconds")
    page.clock.fast_forward(25_000)  # the rest, seen late as well: it is over
    expect(box.locator(".trainer-set")).to_have_text("Set 2 of 2")


def test_the_routines_animated_figure_can_be_paused(page, routine):
    """The routine's figure moved for ever with no way to stop it (WCAG 2.2.2); only the
    library's exercise page could be paused. A button shows its first pose instead, and back."""
    sign_in(page, routine["email"])
    page.get_by_role("link", name="Start today's routine").click()
    expect(page.locator("form.routine")).to_have_class(re.compile("is-guided"))
    choose(page, "pain_before", 2)
    page.get_by_role("button", name="Next").click()
    step = page.locator(".routine-step:not([hidden])")
    figure = step.locator(".demo-anim")
    moving = figure.get_attribute("src")
    step.get_by_role("button", name="Pause the animation").click()
    expect(figure).to_have_attribute("src", re.compile(r"frame=0"))
    screenshot(page, "routine-demo-paused")
    step.get_by_role("button", name="Play the animation").click()
    expect(figure).to_have_attribute("src", moving)
