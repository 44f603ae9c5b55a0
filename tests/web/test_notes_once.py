"""A physio's note to the patient is stored once per form it was sent from: a double click or
a retry sends it again, and the patient must not read it twice (``triage.operations``)."""

from __future__ import annotations

import re
import uuid

import pytest
from sqlalchemy import select

from exercise_app.extensions import db
from exercise_app.models import PatientMessage
from tests.web.test_review_concurrency import Request, meet_around, signed_in


def note_url(world) -> str:
    return f"/clinic/patients/{world.patient.id}/message"


def form_id(page: str) -> str:
    """The client id of the note form on the physio's patient page."""
    return re.search(r'id="client_id" name="client_id" type="hidden" value="([^"]+)"',
                     page).group(1)


def notes(app, patient_id: int) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(PatientMessage.text).where(
            PatientMessage.patient_id == patient_id).order_by(PatientMessage.id)))


def test_each_drawing_of_the_page_has_a_new_form_id(client, auth, loop):
    auth.login(loop.physio)
    first = form_id(client.get(f"/clinic/patients/{loop.patient.id}").data.decode())
    second = form_id(client.get(f"/clinic/patients/{loop.patient.id}").data.decode())
    assert first != second and uuid.UUID(first) and uuid.UUID(second)


def test_a_note_sent_twice_from_one_form_is_stored_once(app, client, auth, loop):
    auth.login(loop.physio)
    client_id = form_id(client.get(f"/clinic/patients/{loop.patient.id}").data.decode())
    data = {"text": "Lovely work this week.", "client_id": client_id}
    first = client.post(note_url(loop), data=data)
    again = client.post(note_url(loop), data=data)
    assert (first.status_code, again.status_code) == (303, 303)
    assert notes(app, loop.patient.id) == ["Lovely work this week."]
    # The same words from another drawing of the page are another note.
    assert client.post(note_url(loop), data={**data, "client_id": str(uuid.uuid4())}
                       ).status_code == 303
    assert notes(app, loop.patient.id) == ["Lovely work this week."] * 2


def test_other_words_from_a_form_that_already_sent_a_note_are_kept_for_sending_again(
        app, client, auth, loop):
    """Sent, then Back, edited and sent again: the physio may not know the first note went,
    so the second is not stored under the first's id; it comes back in the box, with a new
    form id, and goes when sent from there."""
    auth.login(loop.physio)
    client_id = form_id(client.get(f"/clinic/patients/{loop.patient.id}").data.decode())
    assert client.post(note_url(loop), data={"text": "Keep going.",
                                             "client_id": client_id}).status_code == 303
    response = client.post(note_url(loop), data={"text": "Keep going, and rest Sunday.",
                                                 "client_id": client_id})
    assert response.status_code == 409
    page = response.data.decode()
    assert "This page already sent a note with other words, and it is saved" in page
    assert ">\r\nKeep going, and rest Sunday.</textarea>" in page
    assert 'aria-invalid="true"' in page
    new_id = form_id(page)
    assert new_id != client_id
    assert notes(app, loop.patient.id) == ["Keep going."]
    assert client.post(note_url(loop), data={"text": "Keep going, and rest Sunday.",
                                             "client_id": new_id}).status_code == 303
    assert notes(app, loop.patient.id) == ["Keep going.", "Keep going, and rest Sunday."]


@pytest.mark.parametrize("client_id", ["", "not-a-uuid", "x" * 5000,
                                       "00000000-0000-0000-0000-000000000000\n"])
def test_a_form_without_a_good_id_is_refused_and_drawn_again_with_one(app, client, auth, loop,
                                                                     client_id):
    auth.login(loop.physio)
    response = client.post(note_url(loop), data={"text": "Hello", "client_id": client_id})
    assert response.status_code == 422
    page = response.data.decode()
    assert "This page is out of date: open it again to send the note." in page
    assert uuid.UUID(form_id(page))
    assert ">\r\nHello</textarea>" in page
    assert notes(app, loop.patient.id) == []


def test_a_note_sent_twice_at_once_is_stored_once(app, loop, monkeypatch, database_url):
    """A double click that reaches two workers at once: both inserts run together, and the
    unique constraint (not a read first) keeps one."""
    from exercise_app.triage import views as triage_views

    if database_url.startswith("postgresql"):  # where two transactions overlap
        meet_around(monkeypatch, database_url, triage_views.operations, "post_message")
    clients = [signed_in(app, loop.physio) for _ in range(2)]
    data = {"text": "See you Tuesday.", "client_id": str(uuid.uuid4())}
    requests = [Request(f"click {n}", lambda c=c: c.post(note_url(loop), data=data))
                for n, c in enumerate(clients)]
    for r in requests:
        r.start()
    assert [r.finish() for r in requests] == [303, 303]
    assert notes(app, loop.patient.id) == ["See you Tuesday."]
