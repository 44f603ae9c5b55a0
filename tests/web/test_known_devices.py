"""A browser that has signed in to an account before has a sign-in budget of its own
(``auth.devices``): a stranger's wrong guesses no longer lock the owner out of their phone."""

from __future__ import annotations

from datetime import timedelta

import pytest
from itsdangerous import URLSafeTimedSerializer

from exercise_app.auth import devices
from exercise_app.auth.operations import create_invitation
from exercise_app.extensions import db, limiter
from exercise_app.models import User
from tests.conftest import PASSWORD

ACCOUNT_LIMIT = "3 per hour"
NEW_PASSWORD = "copper-kettle-autumn-field"


@pytest.fixture
def limited(world, make_app):
    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_LOGIN="100 per minute",
                   RATELIMIT_LOGIN_ACCOUNT=ACCOUNT_LIMIT)
    with app.app_context():
        limiter.reset()
    yield app
    with app.app_context():
        limiter.reset()


def sign_in(client, email: str, password: str) -> int:
    return client.post("/login", data={"email": email, "password": password}).status_code


def known_phone(app, email: str):
    """A client that has signed in to ``email``'s account, and signed out again."""
    phone = app.test_client()
    assert sign_in(phone, email, PASSWORD) == 303
    assert phone.get_cookie(devices.COOKIE, path="/login") is not None
    phone.post("/logout")
    return phone


def lock_out(app, email: str) -> None:
    """A stranger's browser uses up the account's failures."""
    stranger = app.test_client()
    assert [sign_in(stranger, email, "wrong-guess-xx") for _ in range(4)] == [401] * 3 + [429]
    assert sign_in(stranger, email, PASSWORD) == 429  # the right password too, from there


def test_the_owners_phone_signs_in_while_strangers_are_locked_out(limited, world):
    phone = known_phone(limited, world.patient.email)
    lock_out(limited, world.patient.email)
    assert sign_in(phone, world.patient.email, PASSWORD) == 303


def test_a_known_phones_own_guesses_are_limited_as_well(limited, world):
    phone = known_phone(limited, world.patient.email)
    assert [sign_in(phone, world.patient.email, "wrong-guess-xx") for _ in range(4)] == [
        401] * 3 + [429]
    assert sign_in(phone, world.patient.email, PASSWORD) == 429
    # Its guesses were its own: the account's budget is untouched for everyone else.
    assert sign_in(limited.test_client(), world.patient.email, PASSWORD) == 303


def test_a_phone_known_to_one_account_is_a_stranger_to_another(limited, world):
    phone = known_phone(limited, world.patient.email)
    lock_out(limited, world.physio.email)
    assert sign_in(phone, world.physio.email, PASSWORD) == 429


def test_a_forged_or_foreign_cookie_counts_for_nothing(limited, world):
    lock_out(limited, world.patient.email)
    forged = limited.test_client()
    forged.set_cookie(devices.COOKIE, "eyJuIjoieCIsImEiOltdfQ.forged.sig", path="/login")
    assert sign_in(forged, world.patient.email, PASSWORD) == 429
    # Signed with another key (another deployment's cookie): not this app's.
    token = URLSafeTimedSerializer("another-secret-key-0123456789abcdef", salt=devices.SALT
                                   ).dumps({"n": "x", "a": [devices._account(world.patient.email)]})
    foreign = limited.test_client()
    foreign.set_cookie(devices.COOKIE, token, path="/login")
    assert sign_in(foreign, world.patient.email, PASSWORD) == 429


def test_the_cookie_is_kept_to_the_sign_in_page_and_names_no_address(limited, world):
    client = limited.test_client()
    response = client.post("/login", data={"email": world.patient.email, "password": PASSWORD})
    header = next(h for h in response.headers.getlist("Set-Cookie")
                  if h.startswith(devices.COOKIE + "="))
    assert "Path=/login" in header and "HttpOnly" in header and "SameSite=Lax" in header
    assert "Max-Age=15552000" in header  # 180 days
    value = header.split(";")[0].split("=", 1)[1]
    assert world.patient.email.split("@")[0] not in value
    # Sent to the sign-in page only.
    assert client.get_cookie(devices.COOKIE, path="/login") is not None
    assert client.get_cookie(devices.COOKIE, path="/") is None


def test_a_shared_phone_remembers_several_accounts(limited, world):
    phone = known_phone(limited, world.patient.email)
    assert sign_in(phone, world.physio.email, PASSWORD) == 303
    phone.post("/logout")
    lock_out(limited, world.patient.email)
    lock_out(limited, world.physio.email)
    assert sign_in(phone, world.patient.email, PASSWORD) == 303
    phone.post("/logout")
    assert sign_in(phone, world.physio.email, PASSWORD) == 303


def test_an_accepted_invitation_makes_the_browser_known(limited, world):
    with limited.app_context():
        invited = db.session.get(User, world.invited_patient.id)
        token = create_invitation(invited, db.session.get(User, world.physio.id),
                                  timedelta(days=1))
        email = invited.email
        db.session.commit()
    phone = limited.test_client()
    assert phone.post(f"/invitations/{token}", data={
        "password": NEW_PASSWORD, "confirm": NEW_PASSWORD, "time_zone": "Europe/London",
    }).status_code == 303
    phone.post("/logout")
    lock_out(limited, email)
    assert sign_in(phone, email, NEW_PASSWORD) == 303


def test_the_cookie_is_secure_in_production(world, make_app, monkeypatch):
    monkeypatch.setattr("exercise_app.config.check_production", lambda config: None)
    app = make_app(ENV_NAME="production", TRUSTED_HOSTS=["physio.example.org"])
    client = app.test_client()
    response = client.post("/login", data={"email": world.patient.email, "password": PASSWORD},
                           base_url="https://physio.example.org",
                           headers={"X-Forwarded-Proto": "https"})
    header = next(h for h in response.headers.getlist("Set-Cookie")
                  if h.startswith(devices.COOKIE + "="))
    assert "Secure" in header
