"""A session whose every exercise was skipped has no morning after: nothing was done to feel.
Today asked "how is your pain?" the morning after one, and the answer was stored as the
session's next-morning pain."""

from __future__ import annotations

from sqlalchemy import update

from exercise_app.extensions import db
from exercise_app.models import ExerciseSession, SessionOutcome, User
from exercise_app.triage.operations import refresh_patient
from tests.conftest import snapshot
from tests.web import test_checkin_changes
from tests.web.test_checkin_changes import ASK, check_in, checkin_section, morning_runs, recorded

morning = test_checkin_changes.morning  # the fixture: two sessions, and the morning after


def _skipped(app, patient_id: int, *session_ids: int) -> None:
    """Mark sessions as all skipped (the outcome the log gives them), and write the summary
    Today reads its sessions from."""
    with app.app_context():
        db.session.execute(update(ExerciseSession).where(ExerciseSession.id.in_(session_ids))
                           .values(outcome=SessionOutcome.SKIPPED))
        refresh_patient(db.session.get(User, patient_id))
        db.session.commit()


def test_no_check_in_after_a_day_of_skipped_sessions(app, client, loop, morning):
    _skipped(app, loop.patient.id, *morning.session_ids)
    assert ASK not in checkin_section(client.get("/today").data.decode())
    before = snapshot(app)
    response = check_in(client, morning.session_ids[0], 3)
    assert response.status_code == 409
    assert "Every exercise of that session was skipped" in response.data.decode()
    assert snapshot(app) == before
    assert recorded(app, morning.session_ids) == [None, None]
    assert morning_runs(app) == 0


def test_a_day_with_a_skipped_and_a_done_session_asks_for_the_done_one(app, client, loop,
                                                                       morning):
    done, skipped = morning.session_ids
    _skipped(app, loop.patient.id, skipped)
    card = checkin_section(client.get("/today").data.decode())
    assert ASK in card and f'action="/sessions/{done}/morning"' in card
    assert check_in(client, done, 4).status_code == 303
    assert recorded(app, morning.session_ids) == [4, None]  # the skipped one is left out
    assert morning_runs(app) == 1
