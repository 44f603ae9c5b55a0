"""A log corrected in two tabs (or on a phone and a laptop): the second correction, opened
before the first was saved, is refused rather than overwriting it unseen; a double tap on
Save is still one correction (``patient.operations.correct_session``)."""

from __future__ import annotations

from sqlalchemy import func, select

from exercise_app.extensions import db
from exercise_app.models import ExerciseSession, ProgressionRun
from tests.conftest import snapshot
from tests.web.test_daily_loop import routine_form


def _answers(app, session_id: int) -> tuple:
    with app.app_context():
        session = db.session.get(ExerciseSession, session_id)
        return session.pain_after, session.notes


def _runs(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(ProgressionRun))


def test_a_correction_opened_before_another_was_saved_is_refused(app, client, auth, loop):
    auth.login(loop.patient)
    url = f"/sessions/{loop.session_id}/edit"
    phone = routine_form(client, url)
    laptop = routine_form(client, url)
    assert phone["answers_saved_at"] and phone["answers_saved_at"] == laptop["answers_saved_at"]
    assert client.post(url, data={**phone, "pain_after": "5"}).status_code == 303
    assert _answers(app, loop.session_id) == (5, "")
    before = snapshot(app)
    response = client.post(url, data={**laptop, "pain_after": "7",
                                      "notes": "Typed on the laptop"})
    assert response.status_code == 409
    page = response.data.decode()
    assert "This log was corrected in another tab or on another device" in page
    assert "Typed on the laptop" in page  # still there to copy
    assert snapshot(app) == before
    # Opened again, it shows the phone's answers, and corrects from there.
    again = routine_form(client, url)
    assert again["answers_saved_at"] != laptop["answers_saved_at"]
    assert client.post(url, data={**again, "pain_after": "7"}).status_code == 303
    assert _answers(app, loop.session_id) == (7, "")


def test_a_double_tap_on_save_is_one_correction(app, client, auth, loop):
    auth.login(loop.patient)
    url = f"/sessions/{loop.session_id}/edit"
    form = {**routine_form(client, url), "pain_after": "6", "notes": "Sore knee"}
    runs = _runs(app)
    assert client.post(url, data=form).status_code == 303
    after_first = snapshot(app)
    assert _runs(app) == runs + 1
    second = client.post(url, data=form)
    assert second.status_code == 303
    assert second.headers["Location"] == f"/sessions/{loop.session_id}"
    assert snapshot(app) == after_first  # nothing saved again, no second run of the rules
    assert _answers(app, loop.session_id) == (6, "Sore knee")


def test_a_correction_form_without_its_saved_time_is_refused(app, client, auth, loop):
    """A page from before the form carried it, or a tampered one: it cannot show that it
    was opened with the answers stored now."""
    auth.login(loop.patient)
    url = f"/sessions/{loop.session_id}/edit"
    form = routine_form(client, url)
    before = snapshot(app)
    for value in ("", "2020-01-01T00:00:00+00:00", "x" * 41):
        response = client.post(url, data={**form, "pain_after": "9", "answers_saved_at": value})
        assert response.status_code in (409, 422), value
    assert snapshot(app) == before
