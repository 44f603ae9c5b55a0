"""A physio leaving the clinic: their patients are handed over, never left without a physio.

Deactivating a physio who still cares for patients is refused unless the admin chooses
another active physio of the clinic to take them over; a red-flag alert of a patient without
an active physio goes to the clinic's admins.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from exercise_app.domain.red_flags import Occasion, questions_for
from exercise_app.extensions import db
from exercise_app.models import AuditAction, AuditEvent, CareRelationship, Role, User
from tests.conftest import PASSWORD, add_user, snapshot
from tests.factories import assign


def physio_ids(app) -> dict[int, int]:
    """Every care relationship: patient id -> physio id."""
    with app.app_context():
        return {patient: physio for patient, physio in db.session.execute(
            select(CareRelationship.patient_id, CareRelationship.physio_id))}


def new_user(app, world, role: Role, name: str, *, active: bool = True,
             clinic=None, accepted: bool = True) -> int:
    with app.app_context():
        user = add_user(clinic or world.clinic, role, name, accepted=accepted)
        user.active = active
        db.session.commit()
        return user.id


def signs_in(app, email: str) -> bool:
    response = app.test_client().post("/login", data={"email": email, "password": PASSWORD})
    return response.status_code == 303


def deactivate(client, user_id: int, **data: str):
    return client.post(f"/admin/users/{user_id}/deactivate", data=data)


# Refused without a takeover ---------------------------------------------------------------


def test_a_physio_with_patients_is_not_deactivated_without_a_takeover(app, client, auth, world):
    auth.login(world.admin)
    before = snapshot(app)
    response = deactivate(client, world.physio.id)
    assert response.status_code == 409
    page = response.data.decode()
    # Paula and the invited Ivy are in Pat's care.
    assert "Pat Physio cares for 2 patients" in page
    assert re.search(r'class="error-summary" role="alert">\s*<p>Pat Physio cares for 2', page)
    select_tag = re.search(rf'<select[^>]*id="takeover-{world.physio.id}"[^>]*>', page).group(0)
    assert 'aria-invalid="true"' in select_tag
    assert f'aria-describedby="takeover-{world.physio.id}-error"' in select_tag
    assert snapshot(app) == before
    assert signs_in(app, world.physio.email)


@pytest.mark.parametrize("takeover", ["", None])
def test_an_empty_or_missing_takeover_is_refused_the_same(app, client, auth, world, takeover):
    auth.login(world.admin)
    before = snapshot(app)
    data = {} if takeover is None else {"takeover": takeover}
    assert deactivate(client, world.physio.id, **data).status_code == 409
    assert snapshot(app) == before


# The takeover ---------------------------------------------------------------------------------


def test_a_takeover_moves_every_patient_and_deactivates_the_physio(app, client, auth, world):
    old = app.test_client()
    old.post("/login", data={"email": world.physio.email, "password": PASSWORD})
    assert old.get(f"/clinic/patients/{world.patient.id}").status_code == 200

    auth.login(world.admin)
    response = deactivate(client, world.physio.id, takeover=str(world.other_physio.id))
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).data.decode()
    assert ("Pat Physio is deactivated and signed out everywhere. Their 2 patients are now in "
            "Olive Otherphysio&#39;s care.") in page

    assert physio_ids(app) == {
        world.patient.id: world.other_physio.id,
        world.invited_patient.id: world.other_physio.id,
        world.other_patient.id: world.other_physio.id,  # already theirs
        world.foreign_patient.id: world.foreign_physio.id,  # another clinic: untouched
    }
    auth.logout()
    auth.login(world.other_physio)
    for patient in (world.patient, world.invited_patient):
        assert client.get(f"/clinic/patients/{patient.id}").status_code == 200
    # The old physio is signed out and can no longer sign in.
    assert old.get(f"/clinic/patients/{world.patient.id}").status_code == 302
    assert not signs_in(app, world.physio.email)


def test_a_takeover_is_in_the_audit_log_for_each_patient(app, client, auth, world):
    auth.login(world.admin)
    deactivate(client, world.physio.id, takeover=str(world.other_physio.id))
    with app.app_context():
        events = {(e.actor_id, e.patient_id, e.action, e.what, e.object_id, e.status)
                  for e in db.session.scalars(select(AuditEvent))}
    admin, successor = world.admin.id, world.other_physio.id
    assert events == {
        (admin, None, AuditAction.CHANGE, "admin.deactivate", world.physio.id, 303),
        (admin, world.patient.id, AuditAction.CHANGE, "admin.hand_over", successor, 303),
        (admin, world.invited_patient.id, AuditAction.CHANGE, "admin.hand_over", successor,
         303),
    }
    page = client.get("/admin/audit").data.decode()
    assert "Deactivated an account" in page
    assert page.count("Moved the patient to another physio") == 2


def test_a_takeover_with_csrf_on(make_app, world):
    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    login = client.get("/login").data.decode()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', login).group(1)
    client.post("/login", data={"email": world.admin.email, "password": PASSWORD,
                                "csrf_token": token})
    page = client.get("/admin/users").data.decode()
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    before = snapshot(app)
    assert deactivate(client, world.physio.id,
                      takeover=str(world.other_physio.id)).status_code == 400
    assert snapshot(app) == before
    assert deactivate(client, world.physio.id, takeover=str(world.other_physio.id),
                      csrf_token=token).status_code == 303
    assert physio_ids(app)[world.patient.id] == world.other_physio.id


BAD_CHOICES = {
    "another clinic's physio": lambda app, w: str(w.foreign_physio.id),
    "an inactive physio": lambda app, w: str(new_user(app, w, Role.PHYSIO, "Gone Physio",
                                                      active=False)),
    "the same physio": lambda app, w: str(w.physio.id),
    "an admin": lambda app, w: str(w.admin.id),
    "a patient": lambda app, w: str(w.other_patient.id),
    "no such user": lambda app, w: "999999",
    "past any id": lambda app, w: "4294967296",
    "negative": lambda app, w: "-3",
    "not a number": lambda app, w: "olive",
    "digits WTForms would read": lambda app, w: "\u0661",  # Arabic-Indic 1
    "underscored": lambda app, w: f"{w.other_physio.id}_0",
    "a decimal": lambda app, w: f"{w.other_physio.id}.0",
}


@pytest.mark.parametrize("choice", BAD_CHOICES.values(), ids=BAD_CHOICES.keys())
def test_a_bad_takeover_choice_is_refused_and_nothing_is_saved(app, client, auth, world,
                                                               choice):
    value = choice(app, world)
    auth.login(world.admin)
    before = snapshot(app)
    response = deactivate(client, world.physio.id, takeover=value)
    assert response.status_code == 422
    assert "Choose another active physio of Northside Physio" in response.data.decode()
    assert snapshot(app) == before
    assert signs_in(app, world.physio.email)


def test_a_physio_without_patients_is_deactivated_as_before(app, client, auth, world):
    free = new_user(app, world, Role.PHYSIO, "Fran Free")
    auth.login(world.admin)
    before = physio_ids(app)
    response = deactivate(client, free)
    assert response.status_code == 303
    assert "Fran Free is deactivated and signed out everywhere." in client.get(
        "/admin/users").data.decode()
    assert not signs_in(app, "fran.free@example.org")
    assert physio_ids(app) == before


def test_patients_are_deactivated_as_before(app, client, auth, world):
    auth.login(world.admin)
    assert deactivate(client, world.patient.id).status_code == 303
    assert not signs_in(app, world.patient.email)


# The users page -----------------------------------------------------------------------------


def test_the_users_page_counts_each_physios_patients_and_offers_a_takeover(app, client, auth,
                                                                            world):
    gone = new_user(app, world, Role.PHYSIO, "Gone Physio", active=False)
    free = new_user(app, world, Role.PHYSIO, "Fran Free")
    auth.login(world.admin)
    page = client.get("/admin/users").data.decode()
    rows = {name: row for name, row in re.findall(
        r'<tr>\s*<th scope="row">([^<]+)<br>(.*?)</tr>', page, re.S)}
    assert re.search(r'<th scope="col">Patients</th>', page)
    assert re.search(r'<td data-label="Patients">2 patients</td>', rows["Pat Physio"])
    assert re.search(r'<td data-label="Patients">1 patient</td>', rows["Olive Otherphysio"])
    assert re.search(r'<td data-label="Patients">No patients</td>', rows["Fran Free"])
    assert re.search(r"<td></td>", rows["Paula Patient"])  # not a physio: no count

    pat = rows["Pat Physio"]
    label = re.search(rf'<label[^>]*for="takeover-{world.physio.id}"[^>]*>([^<]+)</label>', pat)
    assert label and "Who takes over Pat Physio" in label.group(1)
    assert re.search(rf'<select[^>]*id="takeover-{world.physio.id}"[^>]*name="takeover"'
                     r'[^>]*required', pat)
    options = dict((v, t) for v, t in re.findall(r'<option value="([^"]*)">([^<]+)</option>', pat))
    # Only other active physios of the clinic, after an empty first choice.
    assert options == {"": "Choose a physio", str(world.other_physio.id): "Olive Otherphysio",
                       str(free): "Fran Free"}
    assert f"/admin/users/{world.physio.id}/deactivate" in pat
    # A physio without patients, and a patient, keep the plain button.
    assert "<select" not in rows["Fran Free"] and "<select" not in rows["Paula Patient"]
    assert f"/admin/users/{gone}/reactivate" in rows["Gone Physio"]


def test_with_no_other_physio_the_page_says_to_add_one(app, client, auth, world):
    with app.app_context():
        db.session.get(User, world.other_physio.id).active = False
        db.session.commit()
    auth.login(world.admin)
    page = client.get("/admin/users").data.decode()
    row = re.search(r'<th scope="row">Pat Physio<br>.*?</tr>', page, re.S).group(0)
    assert "<select" not in row
    assert f"/admin/users/{world.physio.id}/deactivate" not in row
    assert "Add another physio to take over their 2 patients" in row
    # The server refuses as well.
    before = snapshot(app)
    assert deactivate(client, world.physio.id).status_code == 409
    assert deactivate(client, world.physio.id,
                      takeover=str(world.other_physio.id)).status_code == 422
    assert snapshot(app) == before


def test_patients_left_with_a_deactivated_physio_can_be_handed_over(app, client, auth, world):
    """Patients whose physio was deactivated before this rule existed are marked on the
    page, and the deactivated physio's row offers the takeover."""
    with app.app_context():
        db.session.get(User, world.physio.id).active = False
        db.session.commit()
    auth.login(world.admin)
    page = client.get("/admin/users").data.decode()
    row = re.search(r'<th scope="row">Paula Patient<br>.*?</tr>', page, re.S).group(0)
    assert "Pat Physio (deactivated)" in row
    row = re.search(r'<th scope="row">Pat Physio<br>.*?</tr>', page, re.S).group(0)
    assert f"/admin/users/{world.physio.id}/reactivate" in row
    assert re.search(rf'<select[^>]*id="takeover-{world.physio.id}"', row)
    assert deactivate(client, world.physio.id,
                      takeover=str(world.other_physio.id)).status_code == 303
    assert physio_ids(app)[world.patient.id] == world.other_physio.id
    assert not signs_in(app, world.physio.email)


# Red-flag alerts without an active physio ---------------------------------------------------


def test_physio_of_is_only_an_active_physio(app, world):
    from exercise_app.triage.queries import physio_of

    with app.app_context():
        assert physio_of(world.patient.id).id == world.physio.id
        db.session.get(User, world.physio.id).active = False
        db.session.commit()
        assert physio_of(world.patient.id) is None


def test_a_red_flag_without_an_active_physio_is_mailed_to_the_clinic_admins(app, client, auth,
                                                                          world, library):
    assign(app, world.patient.id, world.physio.id, screened=False)
    second = new_user(app, world, Role.ADMIN, "Abe Admin")
    new_user(app, world, Role.ADMIN, "Old Admin", active=False)
    with app.app_context():
        db.session.get(User, world.physio.id).active = False  # as before this rule existed
        db.session.commit()
    auth.login(world.patient)
    answers = {q.id: "no" for q in questions_for(Occasion.ONBOARDING)}
    response = client.post("/check", data={**answers, "ce_bladder": "yes"})
    assert response.status_code == 303
    outbox = getattr(app.extensions["mailman"], "outbox", [])
    with app.app_context():
        second_email = db.session.get(User, second).email
    assert sorted(mail.to[0] for mail in outbox) == sorted([world.admin.email, second_email])
    for mail in outbox:
        assert len(mail.to) == 1  # one each: admins do not see each other's addresses
        assert "Critical alert" in mail.subject and "no active physio" in mail.subject
        assert "Paula" not in mail.body  # no name beside a red flag in an e-mail
        assert "bladder" not in mail.body  # no symptom either
        assert "/admin/users" in mail.body
        # Not "look at the critical alert", which an admin cannot open:
        assert "choose a physio of the clinic to take them over" in " ".join(mail.body.split())


def test_a_red_flag_still_goes_to_an_active_physio_only(app, client, auth, world, library):
    assign(app, world.patient.id, world.physio.id, screened=False)
    auth.login(world.patient)
    answers = {q.id: "no" for q in questions_for(Occasion.ONBOARDING)}
    client.post("/check", data={**answers, "ce_bladder": "yes"})
    [mail] = getattr(app.extensions["mailman"], "outbox", [])
    assert mail.to == [world.physio.email]


def test_a_physio_who_has_not_joined_does_not_take_over_patients(app, client, auth, world):
    """A physio invited but not yet joined was offered, and accepted, as the one to take over:
    the patients' red-flag e-mails then went to someone who could not sign in to act."""
    invited = new_user(app, world, Role.PHYSIO, "Nina Newphysio", accepted=False)
    auth.login(world.admin)
    row = re.search(r'<th scope="row">Pat Physio<br>.*?</tr>', client.get(
        "/admin/users").data.decode(), re.S).group(0)
    options = re.findall(r'<option value="([^"]*)">', row)
    assert str(world.other_physio.id) in options and str(invited) not in options
    before = snapshot(app)
    response = deactivate(client, world.physio.id, takeover=str(invited))
    assert response.status_code == 422
    assert snapshot(app) == before


def test_a_red_flag_whose_physio_has_not_joined_is_mailed_to_the_clinic_admins(
        app, client, auth, world, library):
    """Patients handed to a physio who never joined: the red flag went to that physio's
    e-mail, and nobody who could sign in was told."""
    assign(app, world.patient.id, world.physio.id, screened=False)
    with app.app_context():
        db.session.get(User, world.physio.id).password_hash = None  # invited, not joined
        db.session.commit()
    auth.login(world.patient)
    answers = {q.id: "no" for q in questions_for(Occasion.ONBOARDING)}
    assert client.post("/check", data={**answers, "ce_bladder": "yes"}).status_code == 303
    outbox = getattr(app.extensions["mailman"], "outbox", [])
    assert [mail.to for mail in outbox] == [[world.admin.email]]
