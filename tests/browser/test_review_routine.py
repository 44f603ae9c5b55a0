"""Found by a front-end and accessibility review of the guided routine (routine.js); each
failed before its fix: double taps on controls that take each other's place, a lost answer
resent hours after the start, the progress bar in a contrast theme, a small tap target, and a
rep count read out twice."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from exercise_app.extensions import db
from exercise_app.models import ExerciseSession, now_utc
from tests.browser.conftest import WIDTHS, screenshot
from tests.browser.test_accounts import sign_in
from tests.browser.test_routine import (  # noqa: F401 - the routine fixture is reused
    _row,
    answer_how_it_went,
    choose,
    patient_with,
    routine,
    same_day_three_hours_back,
    sessions_stored,
    trainer,
)
from tests.browser.test_routine_a11y import signed_in

pytestmark = pytest.mark.browser

def to_the_bridge(page) -> None:
    """From the routine's first step to its first exercise, the bridge (2 x 3, rest 20 s)."""
    page.goto("/routine")
    choose(page, "pain_before", 2)
    page.get_by_role("button", name="Next").click()


def test_a_double_tap_on_start_the_hold_does_not_pause_it(page, routine):  # noqa: F811
    """"Start the hold" is replaced in place by "Pause", so the second tap of a double tap
    pauses the hold at once: the clock stands still while the patient holds."""
    page.clock.install()
    sign_in(page, routine["email"])
    to_the_bridge(page)
    page.get_by_role("button", name="Next").click()
    page.get_by_role("button", name="I did all the sets").click()
    box = trainer(page)  # the figure-4 stretch: a 20-second hold on each side
    box.get_by_role("button", name="Start the hold").dblclick()
    page.clock.run_for(5_000)
    expect(box.get_by_role("button", name="Pause")).to_be_visible()
    expect(box.locator(".trainer-work .clock-value")).to_have_text("15")


def test_a_double_tap_on_skip_rest_does_not_log_the_next_set(browser, live_server, routine):  # noqa: F811
    """At desktop width "Skip rest" is replaced in place by "Set done", so a double tap on
    Skip rest also logs the next set, at the prescribed reps, that was never done."""
    with signed_in(browser, live_server, routine["email"], "desktop",
                   viewport={"width": WIDTHS["desktop"], "height": 900}) as page:
        page.clock.install()
        to_the_bridge(page)
        box = trainer(page)
        box.get_by_role("button", name="Set done").click()
        box.get_by_role("button", name="Skip rest").dblclick()
        page.clock.run_for(2_000)
        expect(box.locator(".finished-text")).to_be_hidden()
        expect(box.locator(".trainer-set")).to_have_text("Set 2 of 2")


def test_a_double_tap_on_set_done_keeps_the_rest(browser, live_server, routine):  # noqa: F811
    """On a 390 px phone "Set done" is replaced under the finger by "Skip rest" (the finish
    guard covers exercises without a rest only), so a double tap on Set done skips the rest."""
    with signed_in(browser, live_server, routine["email"], "phone",
                   viewport={"width": WIDTHS["phone"], "height": 900}, has_touch=True) as page:
        page.clock.install()
        to_the_bridge(page)
        box = trainer(page)
        box.get_by_role("button", name="Set done").dblclick()
        expect(box.locator(".trainer-rest")).to_be_visible()
        expect(box.locator(".trainer-rest .clock-value")).to_have_text("20")


def test_the_progress_bar_shows_in_a_contrast_theme(page, routine):  # noqa: F811
    """In forced colours the progress bar's styled value (a background) is dropped: the bar
    looks the same, empty, on step 1 and on step 5, so it shows no progress at all."""
    page.emulate_media(forced_colors="active")
    sign_in(page, routine["email"])
    page.goto("/routine")
    bar = page.locator(".guide-progress")
    first = bar.screenshot()
    choose(page, "pain_before", 2)
    page.get_by_role("button", name="Next").click()
    for _ in range(3):
        page.get_by_role("button", name="Next").click()
        page.get_by_role("button", name="I did all the sets").click()
    expect(bar).to_have_attribute("value", "5")
    assert bar.screenshot() != first, "the bar looks the same on step 1 as on step 5"


def test_every_control_of_an_exercise_step_is_big_enough_to_tap(browser, live_server, routine):  # noqa: F811
    """"How to do it" (the steps' <summary>, open and close) is 27 px high on a 390 px phone:
    the only control of the guided step under the 44 px the routine promises."""
    with signed_in(browser, live_server, routine["email"], "phone",
                   viewport={"width": WIDTHS["phone"], "height": 900}, has_touch=True) as page:
        to_the_bridge(page)
        small = page.locator(".routine-step:not([hidden])").evaluate("""step =>
          Array.from(step.querySelectorAll('button, summary, a, select, label'))
            .filter(el => el.getClientRects().length)
            .map(el => ({text: el.textContent.trim().slice(0, 30),
                         height: el.getBoundingClientRect().height}))
            .filter(c => c.height < 44)""")
        assert small == []


LIVE_LOG = """() => { window.__said = [];
  // Each batch of changes: the live regions it changed, with what each then says.
  const seen = new MutationObserver(records => {
    const regions = new Set(records.map(r => (r.target.nodeType === 1 ? r.target
      : r.target.parentElement).closest('[aria-live]')));
    window.__said.push(Array.from(regions).filter(r => r && r.getClientRects().length)
      .map(r => r.textContent.trim()));
  });
  document.querySelectorAll('[aria-live]').forEach(region =>
    seen.observe(region, {childList: true, subtree: true, characterData: true}));
}"""


def holding_a_rep(page, live_app):
    """Sign in a patient whose one exercise is held in reps (glute sets, 2 x 5 of 5 s), on
    Playwright's clock, and start the first rep's hold: the trainer box."""
    email = patient_with(live_app, "Squeeze Clinic",
                         rows=[_row("glute-sets", sets=2, reps=5, hold=5, rest=30)])
    page.clock.install()
    sign_in(page, email)
    to_the_bridge(page)
    box = trainer(page)
    box.get_by_role("button", name="Start a 5-second hold").click()
    return box


def test_a_hold_counted_in_reps_is_announced_once(page, live_app, synced_library):
    """Holds counted as reps: Pause, Resume and the hold's end each change the rep counter's
    live region as well as the announcement's (render() sets the count's text again even when
    it is the same), so a screen reader says "0 of 5 reps" again with every Pause."""
    box = holding_a_rep(page, live_app)
    page.evaluate(LIVE_LOG)
    page.clock.run_for(1_000)  # (a tap sooner on the control that took its place is ignored)
    box.get_by_role("button", name="Pause").click()
    page.clock.run_for(1_000)
    box.get_by_role("button", name="Resume").click()
    page.clock.run_for(6_000)
    expect(box.locator(".count-value")).to_have_text("1")
    said = page.evaluate("window.__said")
    # Three events, each said once (in one live region or the other, not in both).
    assert len(said) == 3 and all(len(batch) == 1 for batch in said), said


def test_after_a_stop_a_reloaded_routine_still_offers_to_end_there(page, routine):  # noqa: F811
    """After "Stop: this hurts", the next step says so and offers "End the session here"; the
    page reloaded (or the tab taken up again) dropped both, and a patient in pain had to step
    through every exercise left."""
    names = routine["names"]
    sign_in(page, routine["email"])
    to_the_bridge(page)
    box = trainer(page)
    box.get_by_role("button", name="Stop: this hurts").click()
    box.get_by_role("radio", name="Sharp, catching or giving-way pain").check()
    box.get_by_role("button", name="Stop and record it").click()
    expect(page.get_by_role("button", name="End the session here")).to_be_visible()
    page.reload()
    expect(page.locator(".guide-notice")).to_contain_text(
        f"You stopped {names['glute-bridge']}: do not carry on with it today")
    screenshot(page, "routine-reloaded-after-stop")
    page.get_by_role("button", name="End the session here").click()
    expect(page.locator(".guide-notice")).to_contain_text("The session ends here")


def test_a_rep_held_is_counted_once(page, live_app, synced_library):
    """Holds counted as reps: + stayed live during a hold, so a patient who tapped it for the
    rep they were holding had it counted twice when the hold ended."""
    box = holding_a_rep(page, live_app)
    expect(box.get_by_role("button", name="Add a rep")).to_be_disabled()
    expect(box.get_by_role("button", name="Take off a rep")).to_be_disabled()
    page.clock.run_for(6_000)
    expect(box.locator(".count-value")).to_have_text("1")
    expect(box.get_by_role("button", name="Add a rep")).to_be_enabled()


def test_a_lost_answer_resent_hours_after_the_start_is_stored_once(browser, live_server,
                                                                   routine, live_app):  # noqa: F811
    """A routine started over two hours before it was sent, whose answer was lost, is taken up
    again with its start time reset to now (RESTART_AFTER_HOURS): the same log sent again is
    refused as "already saved with different answers" instead of landing on its page."""
    now = now_utc()
    zone = same_day_three_hours_back(live_app, routine["email"])
    with signed_in(browser, live_server, routine["email"], "phone", timezone_id=zone,
                   viewport={"width": WIDTHS["phone"], "height": 900}) as page:
        page.clock.install(time=now - timedelta(hours=3))
        to_the_bridge(page)  # started three hours ago, the same day
        page.clock.set_system_time(now)  # finished now, without reloading
        for _ in range(3):
            page.get_by_role("button", name="Next").click()
            page.get_by_role("button", name="I did all the sets").click()
        answer_how_it_went(page, during=1, after=1, effort=3)

        def stored_but_no_answer(route):
            if route.request.method != "POST":
                return route.continue_()
            route.fetch(max_redirects=0)
            return route.abort("connectionreset")

        page.route("**/routine", stored_but_no_answer)
        page.locator("[data-submit]").click()
        for _ in range(50):
            if sessions_stored(live_app) == 1:
                break
            page.wait_for_timeout(100)
        assert sessions_stored(live_app) == 1
        page.unroute("**/routine")
        page.goto("/routine")
        expect(page.locator(".guide-notice")).to_contain_text("Welcome back")
        page.get_by_role("button", name="Save my session").click()
        expect(page.get_by_text("already saved with different answers")).to_have_count(0)
        expect(page.get_by_role("heading", level=1)).to_contain_text("Session of")
    assert sessions_stored(live_app) == 1
    with live_app.app_context():
        assert db.session.scalar(select(ExerciseSession)) is not None
        db.session.remove()


def test_enter_on_speak_cues_at_the_last_step_does_not_send_the_routine(page, routine):  # noqa: F811
    """On the last step Enter was left to the browser everywhere, and Enter on the "Speak
    cues" checkbox (meant to tick it) sent the routine, notes unwritten."""
    sign_in(page, routine["email"])
    page.goto("/routine")
    choose(page, "pain_before", 2)
    page.get_by_role("button", name="Next").click()
    for _ in range(3):
        page.get_by_role("button", name="Next").click()
        page.get_by_role("button", name="I did all the sets").click()
    expect(page.locator(".guide-count")).to_have_text("Step 5 of 5")
    for name, score in (("pain_during", 3), ("pain_after", 2), ("effort", 4)):
        choose(page, name, score)
    page.get_by_label("Speak cues").focus()
    page.keyboard.press("Enter")
    page.wait_for_timeout(300)
    expect(page.locator(".guide-count")).to_have_text("Step 5 of 5")
    assert "/routine" in page.url and "/sessions/" not in page.url
