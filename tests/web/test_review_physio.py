"""Found by a review of the physio and admin side (each failed before its fix): old invitation
links, locks with a programme scheduled ahead, notes with line breaks, who a change is blamed on,
and invitations for deactivated patients."""

from __future__ import annotations

import uuid

from tests.web.test_auth import NEW_PASSWORD, link_in, outbox

OTHER_PASSWORD = "granite-harbour-forty-two"


def test_an_older_invitation_link_stops_working_once_the_patient_has_joined(
        app, client, auth, world):
    """After a patient accepts a re-sent invitation, the earlier invitation link still sets a
    new password and signs in as them (account takeover through a stale link)."""
    auth.login(world.physio)
    client.post("/clinic/patients/invite",
                data={"display_name": "Nora New", "email": "nora@example.org"})
    first = link_in(outbox(app)[0])
    with app.app_context():
        from sqlalchemy import select

        from exercise_app.extensions import db
        from exercise_app.models import User
        nora_id = db.session.scalar(select(User.id).where(User.email == "nora@example.org"))
    assert client.post(f"/clinic/patients/{nora_id}/invitation").status_code == 201
    second = link_in(outbox(app)[1])
    client.post("/logout")
    joined = client.post(second, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD,
                                       "time_zone": "Europe/London"})
    assert joined.status_code == 303
    client.post("/logout")
    # The first e-mail (forwarded, or read by someone else) must not take the account over.
    assert client.get(first).status_code == 404
    taken = client.post(first, data={"password": OTHER_PASSWORD, "confirm": OTHER_PASSWORD,
                                     "time_zone": "Europe/London"})
    assert taken.status_code == 404
    assert auth.login("nora@example.org", NEW_PASSWORD).status_code == 303


SETTINGS = {"mode": "auto", "baseline_pain": "2", "pain_progress_max": "3",
            "baseline_margin": "1", "pain_limit": "5", "effort_progress_max": "4",
            "sessions_to_progress": "3", "meaningful_rise_points": "2",
            "meaningful_rise_percent": "30", "flare_step_downs": "2",
            "flare_window_days": "14", "resume_settled_sessions": "2",
            "reps_step_percent": "15", "hold_step_percent": "20", "step_down_percent": "40"}


def _schedule_ahead(app, patient_id: int, physio_id: int, days: int = 10) -> None:
    """Save a physio version with other exercises that starts ``days`` from today."""
    from datetime import timedelta

    from exercise_app.domain.scheduling import local_today
    from exercise_app.extensions import db
    from exercise_app.models import User, now_utc
    from exercise_app.programmes.operations import save_programme
    from tests.factories import row

    with app.app_context():
        patient = db.session.get(User, patient_id)
        physio = db.session.get(User, physio_id)
        start = local_today(now_utc(), patient.time_zone) + timedelta(days=days)
        save_programme(patient, physio, start_date=start, note="Next block.",
                       rows=[row("dowel-hinge")])
        db.session.commit()


def test_the_exercises_in_force_can_still_be_locked_when_a_programme_is_scheduled_ahead(
        app, client, auth, world, library):
    """The settings form offers locks only for the newest version's exercises, so once a
    programme is scheduled ahead the physio can neither lock nor keep (on re-saving) the lock
    of an exercise the rules are still progressing in the programme in force."""
    from tests.factories import assign

    assign(app, world.patient.id, world.physio.id)
    auth.login(world.physio)
    url = f"/clinic/patients/{world.patient.id}/progression"
    assert client.post(url + "/settings",
                       data={**SETTINGS, "locked": ["glute-bridge"]}).status_code == 303
    _schedule_ahead(app, world.patient.id, world.physio.id)
    page = client.get(url).data.decode()
    # The bridge is still the patient's exercise for ten more days, and it is locked.
    assert 'value="glute-bridge"' in page
    response = client.post(url + "/settings", data={**SETTINGS, "locked": ["glute-bridge"]})
    assert response.status_code == 303


def _browser_text(limit: int) -> str:
    """A note of exactly ``limit`` characters as a textarea counts them (a line break is one),
    sent as browsers send it (each line break as CR LF)."""
    line = "Keep the knees soft and stop if the pain goes up."
    lines, length = [], 0
    while length + len(line) + 1 <= limit:
        lines.append(line)
        length += len(line) + 1
    text = "\n".join(lines)
    text += "x" * (limit - len(text))
    assert len(text) == limit
    return text.replace("\n", "\r\n")


def test_a_note_the_browser_let_through_is_not_refused_as_too_long(app, client, auth, loop):
    """The physio's note to the patient, alert note and programme note count a browser's CR LF
    line breaks as two characters, so a note the textarea's maxlength accepted is refused as
    too long (and the note and alert pages lose what was typed)."""
    from tests.web.test_daily_loop import editor_form

    auth.login(loop.physio)
    base = f"/clinic/patients/{loop.patient.id}"
    refused = []
    if client.post(base + "/message", data={"text": _browser_text(500),
                                              "client_id": str(uuid.uuid4())}).status_code != 303:
        refused.append("note to the patient")
    if client.post(f"{base}/alerts/{loop.alert_id}", data={
            "status": "resolved", "note": _browser_text(2000)}).status_code != 303:
        refused.append("alert note")
    form = editor_form(client, base + "/programme")
    form["note"] = _browser_text(2000)
    if client.post(base + "/programme", data=form).status_code != 303:
        refused.append("programme note")
    assert refused == []


def test_a_rules_change_while_editing_is_not_blamed_on_the_physio(app, client, auth, world,
                                                                  library):
    """When the rules change a programme that has a version scheduled ahead, they save that
    version again under the physio's name, so the editor's refusal says the newer version
    was saved "by you (sent twice?)" instead of by the progression rules."""
    from html import unescape

    from exercise_app.domain.scheduling import local_today
    from exercise_app.extensions import db
    from exercise_app.models import User, VersionSource, now_utc
    from exercise_app.patient.history import decided
    from exercise_app.programmes import queries as programme_queries
    from exercise_app.programmes.operations import DoseChange
    from exercise_app.progression.operations import _apply
    from tests.factories import assign
    from tests.web.test_daily_loop import editor_form

    assign(app, world.patient.id, world.physio.id)
    _schedule_ahead(app, world.patient.id, world.physio.id)
    auth.login(world.physio)
    url = f"/clinic/patients/{world.patient.id}/programme"
    form = editor_form(client, url)
    assert form["based_on"] == "2"
    with app.app_context():  # the rules step the bridge down, as a progression run does
        patient = db.session.get(User, world.patient.id)
        versions = programme_queries.versions(patient.id)
        base = decided(versions, local_today(now_utc(), patient.time_zone))
        _apply(patient, base[-1], {1: DoseChange(1, 6, None)}, None, VersionSource.RULES,
               versions[len(base):])
        db.session.commit()
    form["note"] = "Changed my mind."
    response = client.post(url, data=form)
    assert response.status_code == 409
    page = unescape(response.data.decode())
    assert "by you (sent twice?)" not in page
    assert "by the progression rules" in page


def test_a_deactivated_patient_is_not_sent_a_new_invitation(app, client, auth, world):
    """A physio can "create a new invitation link" for a patient the admin deactivated: the
    page says it worked (201) and an e-mail goes out, but the link only ever says invalid."""
    auth.login(world.admin)
    assert client.post(f"/admin/users/{world.invited_patient.id}/deactivate").status_code == 303
    client.post("/logout")
    auth.login(world.physio)
    response = client.post(f"/clinic/patients/{world.invited_patient.id}/invitation")
    assert response.status_code == 409
    assert outbox(app) == []
