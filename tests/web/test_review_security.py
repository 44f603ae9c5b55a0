"""Found by a security review (each failed before its fix): guesses at the current password,
open reset links after a new password, the reset mail's timing, the TLS proxy's headers, and
well-known guessable passwords."""

from __future__ import annotations

import re

import pytest

from exercise_app.extensions import limiter
from tests.conftest import PASSWORD
from tests.web.test_auth import outbox
from tests.web.test_limits_and_csrf import limited_app  # noqa: F401 - a fixture

NEW_PASSWORD = "copper-kettle-willow-seven"
OTHER_PASSWORD = "amber-lighthouse-forty-two"


def reset_link(message) -> str:
    match = re.search(r"https?://[^/\s]+(/password/reset/\S+)", message.body)
    assert match, message.body
    return match.group(1)


def test_current_password_guesses_on_the_change_password_form_are_limited(limited_app, world):  # noqa: F811
    """The change-password form checks the current password with no rate limit, so anyone
    holding a signed-in session can guess the account's password without ever getting a 429."""
    client = limited_app.test_client()
    assert client.post("/login", data={"email": world.patient.email, "password": PASSWORD}
                       ).status_code == 303
    statuses = [
        client.post("/account/password", data={
            "current_password": f"wrong-guess-{n:04d}", "password": NEW_PASSWORD,
            "confirm": NEW_PASSWORD}).status_code
        for n in range(30)
    ]
    assert 429 in statuses


def test_a_password_reset_spends_the_other_reset_links(app, client, world):
    """Resetting the password leaves every other reset link sent before it working for the
    rest of its hour, so an older link (e.g. in a mailbox someone else can read) takes the
    account over again after the owner has reset."""
    for _ in range(2):
        client.post("/password/forgot", data={"email": world.patient.email})
    first, second = (reset_link(m) for m in outbox(app)[-2:])
    assert client.post(second, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
                       ).status_code == 303
    assert client.get(first).status_code == 404


def test_a_password_change_spends_outstanding_reset_links(app, client, world):
    """Changing the password while signed in (e.g. after noticing a reset mail one did not
    ask for) leaves the outstanding reset link able to set another password."""
    client.post("/password/forgot", data={"email": world.patient.email})
    link = reset_link(outbox(app)[-1])
    client.post("/login", data={"email": world.patient.email, "password": PASSWORD})
    assert client.post("/account/password", data={
        "current_password": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD,
    }).status_code == 303
    client.post("/logout")
    assert client.get(link).status_code == 404


def test_forgot_password_mails_after_answering_whoever_asks(make_app, world):
    """The reset request sent its e-mail inside the request only for a known address, so
    with a real SMTP server (a send of a few hundred ms) the response time told who has an
    account. The mail goes once the response has been sent (the server closes it then), so
    the answer is the same work for any address typed."""
    app = make_app(MAIL_AFTER_RESPONSE=True)  # as served: tests otherwise send at once
    client = app.test_client()
    response = client.post("/password/forgot", data={"email": world.patient.email})
    assert response.status_code == 303
    assert outbox(app) == []  # nothing sent while the patient waits for the answer
    response.close()  # as the server does once it has sent the response
    assert [m.to for m in outbox(app)] == [[world.patient.email]]
    assert "/password/reset/" in outbox(app)[0].body


PROXY = "10.0.0.2"  # the TLS-terminating proxy the README puts in front of gunicorn


def test_per_ip_limits_key_on_the_client_behind_the_proxy(make_app, world, monkeypatch):
    """Behind the TLS proxy the production set-up prescribes, every request comes from the
    proxy's address, so the per-IP limits are one bucket for everybody: one client's failed
    sign-ins lock every other user of every clinic out of signing in."""
    # Production settings, with the limits in memory for the test (one process, no Redis).
    monkeypatch.setattr("exercise_app.config.check_production", lambda config: None)
    app = make_app(ENV_NAME="production", TRUSTED_HOSTS=["physio.example.org"],
                   RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="memory://",
                   RATELIMIT_LOGIN="3 per minute", RATELIMIT_LOGIN_ACCOUNT="100 per minute")
    with app.app_context():
        limiter.reset()
    client = app.test_client()

    def sign_in(client_ip: str, email: str, password: str) -> int:
        return client.post(
            "/login", data={"email": email, "password": password},
            base_url="http://physio.example.org",
            environ_base={"REMOTE_ADDR": PROXY},
            headers={"X-Forwarded-For": client_ip, "X-Forwarded-Proto": "https"},
        ).status_code

    for n in range(3):
        assert sign_in("203.0.113.66", f"guess-{n}@example.org", "wrong-guess-xx") == 401
    assert sign_in("203.0.113.66", "guess-9@example.org", "wrong-guess-xx") == 429
    # Another person, from another address, with the right password:
    try:
        assert sign_in("198.51.100.7", world.patient.email, PASSWORD) == 303
    finally:
        with app.app_context():
            limiter.reset()


def test_links_sent_by_mail_use_https_behind_the_proxy(make_app, world):
    """In production behind the TLS proxy the app never learns the request was HTTPS, so the
    reset link e-mailed to the user is an http:// URL carrying the token and no HSTS header
    is ever sent (PREFERRED_URL_SCHEME=https does not apply inside a request)."""
    app = make_app(ENV_NAME="production", TRUSTED_HOSTS=["physio.example.org"],
                   RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379/15")
    client = app.test_client()
    response = client.post(
        "/password/forgot", data={"email": world.patient.email},
        base_url="http://physio.example.org", environ_base={"REMOTE_ADDR": PROXY},
        headers={"X-Forwarded-For": "203.0.113.66", "X-Forwarded-Proto": "https"},
    )
    assert response.status_code == 303
    assert "Strict-Transport-Security" in response.headers
    assert "https://physio.example.org/password/reset/" in outbox(app)[-1].body


@pytest.mark.parametrize("common", ["qazwsxedcrfv", "123qweasdzxc", "zaq12wsxcde3",
                                    "123456789101", "lovelovelove"])
def test_well_known_breached_passwords_are_refused(app, client, world, common):
    """The common-password check is a short word list plus heuristics, so keyboard walks and
    repeats found near the top of breach corpora are accepted as a new password."""
    client.post("/login", data={"email": world.patient.email, "password": PASSWORD})
    response = client.post("/account/password", data={
        "current_password": PASSWORD, "password": common, "confirm": common})
    assert response.status_code == 422
