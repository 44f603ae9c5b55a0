"""Review: the patient's and the physio's pages in their edge states (a programme not started
yet, a session of skipped exercises, a first session after a gap). Each test fails today."""

from __future__ import annotations

import re
from datetime import timedelta

from exercise_app.models import now_utc
from tests.factories import assign
from tests.web.test_daily_loop import routine_form


def _skip_everything(form: dict, count: int) -> dict:
    for n in range(count):
        form.update({f"exercises-{n}-status": "skipped", f"exercises-{n}-skip_reason": "no-time"})
    return form


def test_a_session_with_every_exercise_skipped_is_not_shown_as_done_today(app, client, auth,
                                                                         world, library):
    """The patient opens the routine, has no time, and logs every exercise as skipped. Today
    then shows a "Done today" card and offers to "Do it again", beside "0% done in the last
    7 days", while My history marks the same day "Due today": nothing was done, so Today
    says something false and contradicts the history; the button should still be the one
    to start today's routine."""
    assign(app, world.patient.id, world.physio.id, start=now_utc().date() - timedelta(days=3))
    auth.login(world.patient)
    response = client.post("/routine", data=_skip_everything(routine_form(client), 3))
    assert response.status_code == 303
    history = client.get("/history").get_data(as_text=True)
    assert "Due today" in history  # the history: nothing done today
    today = client.get("/today").get_data(as_text=True)
    assert "<h2>Done today</h2>" not in today
    assert "Do it again" not in today


def test_coming_back_after_a_gap_does_not_raise_a_no_session_alert(app, client, auth, world,
                                                                   library):
    """A patient who missed the first days of their programme does it today. The very log
    of that session raises a new alert, and the caseload shows it on their line: "No
    session on the last 5 prescribed days." beside "Last session: Today". The physio is
    told the patient is not exercising at the moment they came back; the rules count the
    missed days back from yesterday and ignore the session just logged."""
    assign(app, world.patient.id, world.physio.id, start=now_utc().date() - timedelta(days=5))
    auth.login(world.patient)
    assert client.post("/routine", data=routine_form(client)).status_code == 303
    auth.logout()
    auth.login(world.physio)
    page = client.get("/clinic/patients").get_data(as_text=True)
    line = re.search(r"Paula Patient.*?</tr>", page, re.S).group(0)
    assert "Today" in line  # the caseload knows the session was today
    assert "No session on the last" not in line


def test_the_routine_of_a_programme_starting_tomorrow_does_not_say_there_is_none(
        app, client, auth, world, library):
    """The physio sets up a programme that starts tomorrow; Today says "Your programme starts
    on <day>" and My programme offers to print it, with a QR code to the routine. Opening the
    routine (that code, or a bookmark) says "No programme yet: your physiotherapist has not
    started your programme yet", which is false (it is set up) and does not say when it
    starts, as Today does."""
    start = now_utc().date() + timedelta(days=1)
    assign(app, world.patient.id, world.physio.id, start=start)
    auth.login(world.patient)
    when = f"{start:%A} {start.day} {start:%B}"
    assert f"Your programme starts on {when}" in client.get("/today").get_data(as_text=True)
    page = client.get("/routine").get_data(as_text=True)
    assert "has not started your programme yet" not in page
    assert when in page

