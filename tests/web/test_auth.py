"""Signing in and out, sessions, invitations, password reset and change."""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from exercise_app import security
from exercise_app.extensions import db
from exercise_app.models import Invitation, PasswordReset, Role, User, now_utc
from exercise_app.sessions import AUTH_AT, SEEN_AT
from tests.conftest import PASSWORD, snapshot

NEW_PASSWORD = "violet-canyon-seventeen"


def outbox(app):
    return getattr(app.extensions["mailman"], "outbox", [])


def link_in(message) -> str:
    match = re.search(r"http://localhost(/\S+)", message.body)
    assert match, message.body
    return match.group(1)


@pytest.mark.parametrize(
    ("who", "landing"),
    [("patient", "/today"), ("physio", "/clinic/patients"), ("admin", "/admin/users")],
)
def test_each_role_lands_on_its_page(client, auth, world, who, landing):
    response = auth.login(getattr(world, who))
    assert response.status_code == 303
    assert client.get("/").headers["Location"] == landing
    assert client.get(landing).status_code == 200


def test_email_is_case_insensitive(client, auth, world):
    assert auth.login(world.physio.email.upper()).status_code == 303


def test_wrong_password_and_unknown_email_get_the_same_answer(client, auth, world):
    wrong = auth.login(world.physio, "not-the-password-at-all")
    unknown = auth.login("nobody@example.org", "not-the-password-at-all")
    assert wrong.status_code == unknown.status_code == 401
    assert b"do not match an active account" in wrong.data
    assert wrong.data.replace(b"value=\"pat.physio@example.org\"", b"") == unknown.data.replace(
        b"value=\"nobody@example.org\"", b""
    )


def test_unknown_email_still_verifies_a_hash(client, world, monkeypatch):
    calls = []
    real = security._hasher

    class CountingHasher:
        def verify(self, stored, password):
            calls.append(stored)
            return real.verify(stored, password)

    monkeypatch.setattr(security, "_hasher", CountingHasher())
    client.post("/login", data={"email": "nobody@example.org", "password": "whatever-words"})
    assert calls == [security._DUMMY_HASH]


def test_uninvited_and_deactivated_accounts_cannot_sign_in(app, client, auth, world):
    assert auth.login(world.invited_patient).status_code == 401
    with app.app_context():
        db.session.get(User, world.patient.id).active = False
        db.session.commit()
    assert auth.login(world.patient).status_code == 401


def test_weak_hash_is_upgraded_on_login(app, client, auth, world):
    from argon2 import PasswordHasher

    weak = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(PASSWORD)
    with app.app_context():
        db.session.get(User, world.patient.id).password_hash = weak
        db.session.commit()
    assert auth.login(world.patient).status_code == 303
    with app.app_context():
        stored = db.session.get(User, world.patient.id).password_hash
    assert stored != weak and not security.needs_rehash(stored)


def test_open_redirects_are_refused(client, auth, world):
    for target in ("https://evil.example/", "//evil.example/", "/\\evil.example"):
        response = client.post(
            "/login?next=" + target, data={"email": world.patient.email, "password": PASSWORD}
        )
        assert response.headers["Location"] == "/", target
        client.post("/logout")
    response = client.post(
        "/login?next=/account/password", data={"email": world.patient.email, "password": PASSWORD}
    )
    assert response.headers["Location"] == "/account/password"


def _cookie(client) -> str:
    return client.get_cookie("session").value


def test_logout_invalidates_a_copied_session_cookie(app, client, auth, world):
    auth.login(world.physio)
    stolen = _cookie(client)
    assert auth.logout().status_code == 303
    thief = app.test_client()
    thief.set_cookie("session", stolen)
    response = thief.get("/clinic/patients")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_logout_is_post_only(client, auth, world):
    auth.login(world.physio)
    assert client.get("/logout").status_code == 405
    assert client.get("/clinic/patients").status_code == 200


def test_password_change_signs_out_other_sessions(app, client, auth, world):
    auth.login(world.patient)
    other = app.test_client()
    other.post("/login", data={"email": world.patient.email, "password": PASSWORD})
    assert other.get("/today").status_code == 200
    response = client.post(
        "/account/password",
        data={"current_password": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert response.status_code == 303
    assert client.get("/today").status_code == 200  # this device stays signed in
    assert other.get("/today").status_code == 302  # the other one is signed out
    client.post("/logout")
    assert auth.login(world.patient, PASSWORD).status_code == 401
    assert auth.login(world.patient, NEW_PASSWORD).status_code == 303


def test_password_change_needs_the_current_password(app, client, auth, world):
    auth.login(world.patient)
    before = snapshot(app)
    response = client.post(
        "/account/password",
        data={"current_password": "wrong-current-pass", "password": NEW_PASSWORD,
              "confirm": NEW_PASSWORD},
    )
    assert response.status_code == 422
    assert b"not your current password" in response.data
    assert snapshot(app) == before


def test_deactivation_signs_the_user_out(app, client, auth, world):
    patient = app.test_client()
    patient.post("/login", data={"email": world.patient.email, "password": PASSWORD})
    assert patient.get("/today").status_code == 200
    auth.login(world.admin)
    assert client.post(f"/admin/users/{world.patient.id}/deactivate").status_code == 303
    assert patient.get("/today").status_code == 302
    assert patient.post(
        "/login", data={"email": world.patient.email, "password": PASSWORD}
    ).status_code == 401
    assert client.post(f"/admin/users/{world.patient.id}/reactivate").status_code == 303
    assert patient.post(
        "/login", data={"email": world.patient.email, "password": PASSWORD}
    ).status_code == 303


def test_the_clinic_users_page_offers_each_other_user_the_right_form(app, client, auth, world):
    """Every other user has one form: deactivate while active, reactivate once deactivated,
    each posting to that user's own address with the CSRF token; the admin has none."""
    auth.login(world.admin)
    client.post(f"/admin/users/{world.physio.id}/deactivate",
                data={"takeover": world.other_physio.id})
    page = client.get("/admin/users").data.decode()
    actions = re.findall(r'<form method="post" action="([^"]+)">\s*<input type="hidden" '
                         r'name="csrf_token" value="[^"]+">', page)
    assert f"/admin/users/{world.physio.id}/reactivate" in actions
    assert f"/admin/users/{world.patient.id}/deactivate" in actions
    assert not any(f"/users/{world.admin.id}/" in action for action in actions)
    assert len(actions) == page.count("<form method=\"post\"") - 1  # all but sign-out


def test_admin_cannot_deactivate_themselves(app, client, auth, world):
    auth.login(world.admin)
    assert client.post(f"/admin/users/{world.admin.id}/deactivate").status_code == 409


@pytest.mark.parametrize(
    ("who", "key", "age", "signed_out"),
    [
        ("physio", SEEN_AT, timedelta(minutes=29), False),
        ("physio", SEEN_AT, timedelta(minutes=31), True),
        ("patient", SEEN_AT, timedelta(minutes=31), False),
        ("patient", SEEN_AT, timedelta(hours=13), True),
        ("admin", AUTH_AT, timedelta(hours=13), True),
    ],
)
def test_idle_and_absolute_timeouts(client, auth, world, who, key, age, signed_out):
    auth.login(getattr(world, who))
    with client.session_transaction() as session:
        session[key] = int(time.time() - age.total_seconds())
    response = client.get("/account/password")
    assert (response.status_code == 302) is signed_out


def test_remember_me_only_for_patients(client, world):
    client.post("/login", data={"email": world.physio.email, "password": PASSWORD,
                                "remember": "y"})
    assert client.get_cookie("remember_token") is None
    client.post("/logout")
    client.post("/login", data={"email": world.patient.email, "password": PASSWORD,
                                "remember": "y"})
    assert client.get_cookie("remember_token") is not None


def test_session_cookie_flags(client, world):
    response = client.post("/login", data={"email": world.patient.email, "password": PASSWORD})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


# Invitations ---------------------------------------------------------------------------------


def test_physio_invites_a_patient_who_accepts(app, client, auth, world):
    auth.login(world.physio)
    response = client.post(
        "/clinic/patients/invite",
        data={"display_name": "  Nora New ", "email": "Nora.New@Example.org"},
    )
    assert response.status_code == 201
    assert b"Invitation created" in response.data
    [message] = outbox(app)
    assert message.to == ["nora.new@example.org"]
    link = link_in(message)
    assert link.encode() in response.data  # shown to the physio too
    assert b"Nora New" in client.get("/clinic/patients").data
    client.post("/logout")

    page = client.get(link)
    assert page.status_code == 200 and b"Welcome, Nora New" in page.data
    accepted = client.post(
        link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD, "time_zone": "Europe/Paris"}
    )
    assert accepted.status_code == 303
    assert client.get("/today").status_code == 200
    with app.app_context():
        nora = db.session.scalar(select(User).where(User.email == "nora.new@example.org"))
        assert nora.role == Role.PATIENT and nora.clinic_id == world.clinic.id
        assert nora.time_zone == "Europe/Paris"
        assert nora.display_name == "Nora New"
        stored = db.session.scalar(
            select(Invitation.token_hash).where(Invitation.user_id == nora.id)
        )
        assert stored != link.rsplit("/", 1)[1]  # only the hash is kept
    client.post("/logout")
    assert client.get(link).status_code == 404  # single use


def test_invitation_expires(app, client, auth, world):
    auth.login(world.physio)
    client.post("/clinic/patients/invite",
                data={"display_name": "Late Larry", "email": "larry@example.org"})
    link = link_in(outbox(app)[0])
    with app.app_context():
        for invitation in db.session.scalars(select(Invitation)):
            invitation.expires_at = now_utc() - timedelta(seconds=1)
        db.session.commit()
    client.post("/logout")
    assert client.get(link).status_code == 404


def test_inviting_an_existing_email_is_refused_and_saves_nothing(app, client, auth, world):
    auth.login(world.physio)
    before = snapshot(app)
    response = client.post("/clinic/patients/invite",
                           data={"display_name": "Dup", "email": world.patient.email.upper()})
    assert response.status_code == 422
    assert b"already exists" in response.data
    after = snapshot(app)
    refused = after.pop("audit_events")  # the refusal is kept for the clinic's admin
    assert len(refused) == len(before.pop("audit_events")) + 1
    assert after == before


def test_invitation_ignores_fields_a_physio_may_not_set(app, client, auth, world):
    auth.login(world.physio)
    client.post("/clinic/patients/invite", data={
        "display_name": "Mass Assign", "email": "mass@example.org", "role": "admin",
        "clinic_id": str(world.other_clinic.id), "active": "false",
    })
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "mass@example.org"))
        assert user.role == Role.PATIENT and user.clinic_id == world.clinic.id


def test_new_invitation_link_for_a_patient_who_has_not_joined(app, client, auth, world):
    auth.login(world.physio)
    assert client.post(f"/clinic/patients/{world.invited_patient.id}/invitation").status_code == 201
    link = link_in(outbox(app)[0])
    assert client.post(f"/clinic/patients/{world.patient.id}/invitation").status_code == 409
    client.post("/logout")
    assert client.get(link).status_code == 200


def test_admin_adds_a_physio_who_accepts(app, client, auth, world):
    auth.login(world.admin)
    response = client.post("/admin/physios/new",
                           data={"display_name": "Phil Newphysio", "email": "phil@example.org"})
    assert response.status_code == 201
    link = link_in(outbox(app)[0])
    client.post("/logout")
    client.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD,
                            "time_zone": "Europe/London"})
    assert client.get("/").headers["Location"] == "/clinic/patients"


def test_an_admin_sends_a_physio_whose_link_expired_a_new_one(app, client, auth, world,
                                                              monkeypatch):
    """A physio's invitation lasts a week, and only the admin can send another: adding them
    again says the e-mail address is taken, and a password reset needs a password."""
    from exercise_app.auth import operations

    auth.login(world.admin)
    client.post("/admin/physios/new",
                data={"display_name": "Phil Newphysio", "email": "phil@example.org"})
    expired = link_in(outbox(app)[0])
    with app.app_context():
        phil = db.session.scalar(select(User).where(User.email == "phil@example.org"))
    later = now_utc() + app.config["INVITATION_TTL"] + timedelta(minutes=1)
    monkeypatch.setattr(operations, "now_utc", lambda: later)
    assert client.get(expired).status_code == 404
    page = client.get("/admin/users").data.decode()
    row = re.search(r'<th scope="row">Phil Newphysio<br>.*?</tr>', page, re.S).group(0)
    assert f'action="/admin/users/{phil.id}/invitation"' in row
    assert "New invitation link<span" in row
    assert "/invitation" not in re.search(r'<th scope="row">Pat Physio<br>.*?</tr>', page,
                                          re.S).group(0)  # joined: nothing to send
    response = client.post(f"/admin/users/{phil.id}/invitation")
    assert response.status_code == 201
    assert "phil@example.org" in response.data.decode()
    fresh = link_in(outbox(app)[1])
    client.post("/logout")
    assert client.post(fresh, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD,
                                    "time_zone": "Europe/London"}).status_code == 303
    assert client.get("/").headers["Location"] == "/clinic/patients"


@pytest.mark.parametrize("user_id", ["abc", "0", "-1", "1.5", "99999999999", "\u0661"])
def test_a_new_invitation_for_a_bad_user_id_is_a_404(app, client, auth, world, user_id):
    auth.login(world.admin)
    before = snapshot(app)
    assert client.post(f"/admin/users/{user_id}/invitation").status_code == 404
    assert snapshot(app) == before
    assert outbox(app) == []


def test_opening_an_invitation_link_signs_nobody_out(app, client, auth, world):
    """Opening an invitation signed out whoever was signed in: a GET that changed something,
    so any page could sign a user out by linking to one (and hand their browser to an account
    someone else set up). The sign-out waits until the new account is made."""
    with app.app_context():
        from exercise_app.auth.operations import create_invitation

        token = create_invitation(db.session.get(User, world.invited_patient.id),
                                  db.session.get(User, world.physio.id), timedelta(days=1))
        db.session.commit()
    auth.login(world.physio)
    page = client.get(f"/invitations/{token}")
    assert page.status_code == 200
    assert "You are signed in as Pat Physio." in page.data.decode()
    assert client.get("/clinic/patients").status_code == 200  # still signed in
    response = client.post(f"/invitations/{token}", data={
        "password": NEW_PASSWORD, "confirm": NEW_PASSWORD, "time_zone": "Europe/London"})
    assert response.status_code == 303
    assert client.get("/clinic/patients").status_code == 403  # now the patient
    assert client.get("/today").status_code == 200


def test_no_new_invitation_for_someone_joined_or_deactivated(app, client, auth, world):
    auth.login(world.admin)
    before = snapshot(app)
    assert client.post(f"/admin/users/{world.physio.id}/invitation").status_code == 409
    assert snapshot(app) == before
    with app.app_context():
        db.session.get(User, world.invited_patient.id).active = False
        db.session.commit()
    before = snapshot(app)
    response = client.post(f"/admin/users/{world.invited_patient.id}/invitation")
    assert response.status_code == 409 and "reactivate it first" in response.data.decode()
    assert snapshot(app) == before
    assert outbox(app) == []


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short-one", b"at least 12 characters"),
        ("password1234", b"too common"),
        ("aaaaaaaaaaaaaaaa", b"too common"),
        ("ivy-invited-forever", b"your name or e-mail"),
        ("x" * 129, b"at most 128"),
    ],
)
def test_weak_passwords_are_refused(app, client, world, password, message):
    with app.app_context():
        from exercise_app.auth.operations import create_invitation

        inviter = db.session.get(User, world.physio.id)
        token = create_invitation(db.session.get(User, world.invited_patient.id), inviter,
                                  timedelta(days=1))
        db.session.commit()
    before = snapshot(app)
    response = client.post(f"/invitations/{token}", data={
        "password": password, "confirm": password, "time_zone": "Europe/London"})
    assert response.status_code == 422
    assert message in response.data
    assert snapshot(app) == before


# Password reset ------------------------------------------------------------------------------


def test_password_reset_flow(app, client, auth, world):
    response = client.post("/password/forgot", data={"email": world.patient.email})
    assert response.status_code == 303
    [message] = outbox(app)
    link = link_in(message)
    assert client.get(link).status_code == 200
    assert client.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
                       ).status_code == 303
    assert auth.login(world.patient, NEW_PASSWORD).status_code == 303
    client.post("/logout")
    assert client.get(link).status_code == 404  # single use


def test_password_reset_for_unknown_email_looks_the_same(app, client, world):
    known = client.post("/password/forgot", data={"email": world.patient.email},
                        follow_redirects=True)
    unknown = client.post("/password/forgot", data={"email": "ghost@example.org"},
                          follow_redirects=True)
    assert known.status_code == unknown.status_code == 200
    assert known.data == unknown.data
    assert len(outbox(app)) == 1
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(PasswordReset)) == 1


def test_password_reset_signs_out_existing_sessions(app, client, auth, world):
    other = app.test_client()
    other.post("/login", data={"email": world.patient.email, "password": PASSWORD})
    client.post("/password/forgot", data={"email": world.patient.email})
    client.post(link_in(outbox(app)[0]), data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert other.get("/today").status_code == 302


def test_expired_reset_link_is_refused(app, client, world):
    client.post("/password/forgot", data={"email": world.patient.email})
    link = link_in(outbox(app)[0])
    with app.app_context():
        reset = db.session.scalar(select(PasswordReset))
        reset.expires_at = now_utc() - timedelta(seconds=1)
        db.session.commit()
    assert client.get(link).status_code == 404
