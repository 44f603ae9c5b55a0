"""The handout prints the programme the patient follows from now on: one the physio has
scheduled to start, if any, else the one in force (found by review: a programme saved in the
appointment starts tomorrow once a session was logged today, and the handout printed the old
one, "In force since", with no word of the new)."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest

from exercise_app.domain.scheduling import local_today
from exercise_app.models import now_utc
from tests.factories import assign, row
from tests.web.test_daily_loop import editor_form

NEW_NOTE = "New plan from tomorrow: leg lifts instead of bridges."


def handouts(client, auth, world) -> dict[str, str]:
    """Each handout, HTML and PDF, as the physio and the patient get it: its text, with the
    PDF's line breaks read as spaces."""
    from pypdf import PdfReader

    texts = {}
    for who, url in ((world.physio, f"/clinic/patients/{world.patient.id}/handout"),
                     (world.patient, "/programme/handout")):
        auth.logout()
        auth.login(who)
        page = client.get(url)
        assert page.status_code == 200, (url, page.status_code)
        texts[url] = page.data.decode()
        pdf = client.get(url + ".pdf")
        assert pdf.status_code == 200, (url + ".pdf", pdf.status_code)
        reader = PdfReader(io.BytesIO(pdf.data))
        texts[url + ".pdf"] = " ".join(" ".join(p.extract_text() for p in reader.pages).split())
    return texts


def today_of(world):
    return local_today(now_utc(), world.patient.time_zone)


def test_a_programme_saved_in_the_appointment_is_the_one_printed(client, auth, loop):
    """The patient logged today's session (``loop``); the physio saves a new programme, which
    the editor starts tomorrow, and prints the handout for the patient to take home."""
    tomorrow = today_of(loop) + timedelta(days=1)
    auth.login(loop.physio)
    url = f"/clinic/patients/{loop.patient.id}/programme"
    form = editor_form(client, url)
    assert form["start_date"] == tomorrow.isoformat()  # the editor's default, as found
    form["exercises-0-exercise"] = "side-lying-hip-abduction"  # instead of the glute bridge
    form["note"] = NEW_NOTE
    assert client.post(url, data=form).status_code == 303

    for url, text in handouts(client, auth, loop).items():
        assert "Side-lying leg lift" in text and "Glute bridge" not in text, url
        assert NEW_NOTE in text and "Keep it gentle." not in text, url
        assert f"Starts on {tomorrow:%A %-d %B}." in text, url
        assert "In force since" not in text, url


@pytest.mark.parametrize("days_ahead", [1, 9])
def test_a_programme_not_started_yet_is_printed_with_its_start(app, client, auth, world,
                                                                library, days_ahead):
    """With only a programme scheduled ahead, the patient's handout was a 404 and the
    physio's said "In force since" a day to come."""
    start = today_of(world) + timedelta(days=days_ahead)
    assign(app, world.patient.id, world.physio.id, start=start)
    for url, text in handouts(client, auth, world).items():
        assert "Glute bridge" in text and "Clam" in text and "Keep it gentle." in text, url
        assert f"Starts on {start:%A %-d %B}." in text, url
        assert "In force since" not in text, url


def test_of_two_programmes_scheduled_ahead_the_sooner_is_printed(app, client, auth, world,
                                                                 library):
    """Version 2 starts later than version 1, saved first: the patient does version 1 next,
    and version 2 only from its own start."""
    today = today_of(world)
    assign(app, world.patient.id, world.physio.id, start=today + timedelta(days=3))
    assign(app, world.patient.id, world.physio.id, start=today + timedelta(days=10),
           rows=[row("side-lying-hip-abduction")], note=NEW_NOTE, screened=False)
    for url, text in handouts(client, auth, world).items():
        assert "Glute bridge" in text and "Side-lying leg lift" not in text, url
        assert f"Starts on {today + timedelta(days=3):%A %-d %B}." in text, url


def test_with_nothing_scheduled_the_programme_in_force_is_printed(client, auth, loop):
    """The usual case, unchanged."""
    for url, text in handouts(client, auth, loop).items():
        assert "Glute bridge" in text and "Keep it gentle." in text, url
        assert "In force since 5 January 2026." in text, url
        assert "Starts on" not in text, url
