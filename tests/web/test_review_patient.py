"""Found by a review of the patient's daily loop (each failed before its fix): a client id
with a trailing newline, and a correction sent twice at once."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from exercise_app.extensions import db
from exercise_app.models import ExerciseSession
from tests.conftest import PASSWORD, snapshot
from tests.web.test_daily_loop import routine_form


@pytest.fixture
def patient_client(app, client, auth, loop):
    auth.login(loop.patient)
    return client


def test_a_client_id_with_a_trailing_newline_is_refused(app, patient_client, loop):
    """The client_id check ``Regexp("^UUID$")`` lets "UUID\\n" through (``$`` matches before
    a final newline): the 37-character id is stored on SQLite, and on PostgreSQL the insert
    into ``client_id varchar(36)`` raises StringDataRightTruncation, a 500."""
    form = routine_form(patient_client)
    form["client_id"] = form["client_id"] + "\n"
    before = snapshot(app)
    response = patient_client.post("/routine", data=form)
    assert response.status_code == 422
    assert snapshot(app) == before


@pytest.mark.filterwarnings("ignore::sqlalchemy.exc.SAWarning")
def test_a_double_submitted_correction_is_not_a_500(app, loop, monkeypatch, database_url):
    """Two sends of the same correction at once (a double tap on "Save") on PostgreSQL: both
    load the log, the second deletes the exercise rows the first already replaced, then
    inserts its own and hits the (session_id, prescription_id) unique key, a 500.
    SQLite runs one writer at a time (BEGIN IMMEDIATE): there the two are sent one after the
    other."""
    from exercise_app.patient import operations

    concurrent = not database_url.startswith("sqlite")

    clients = [app.test_client() for _ in range(2)]
    for c in clients:
        c.post("/login", data={"email": loop.patient.email, "password": PASSWORD})
    url = f"/sessions/{loop.session_id}/edit"
    form = {**routine_form(clients[0], url), "pain_after": "5"}
    # Both requests have read the log before either writes, as with a double tap.
    barrier = threading.Barrier(2 if concurrent else 1, timeout=10)
    original = operations.correct_session

    def after_both_read(*args, **kwargs):
        barrier.wait()
        return original(*args, **kwargs)

    monkeypatch.setattr(operations, "correct_session", after_both_read)
    results: list[object] = []

    def send(c):
        try:
            results.append(c.post(url, data=form).status_code)
        except Exception as error:  # the test client re-raises what became a 500
            results.append(type(error).__name__)

    if concurrent:
        threads = [threading.Thread(target=send, args=(c,)) for c in clients]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    else:
        for c in clients:
            send(c)
    assert all(r in (303, 409) for r in results), results
    with app.app_context():
        session = db.session.scalar(select(ExerciseSession).where(
            ExerciseSession.id == loop.session_id))
        assert session.pain_after == 5 and len(session.logs) == 3
