"""Rate limits on login, reset and invitations; CSRF protection with the real tokens."""

from __future__ import annotations

import re

import pytest

from exercise_app.extensions import limiter
from tests.conftest import PASSWORD, missing_leg, redis_url


@pytest.fixture
def limited_app(world, make_app):
    # Built after `world` (whose app has limits off): the limiter extension is one object.
    app = make_app(RATELIMIT_ENABLED=True)
    with app.app_context():
        limiter.reset()
    return app


def test_failed_logins_for_one_account_are_limited(limited_app, world):
    client = limited_app.test_client()
    statuses = [
        client.post("/login", data={"email": world.patient.email, "password": "wrong-guess-xx"}
                    ).status_code
        for _ in range(6)
    ]
    assert statuses == [401] * 5 + [429]
    # The right password is refused too while the account is limited.
    assert client.post("/login", data={"email": world.patient.email, "password": PASSWORD}
                       ).status_code == 429
    assert b"Too many attempts" in client.post(
        "/login", data={"email": world.patient.email, "password": PASSWORD}).data
    # Another account from the same address is still allowed (per-IP limit is higher).
    assert client.post("/login", data={"email": world.physio.email, "password": PASSWORD}
                       ).status_code == 303


def test_successful_logins_are_not_counted(limited_app, world):
    client = limited_app.test_client()
    for _ in range(7):
        assert client.post("/login", data={"email": world.patient.email, "password": PASSWORD}
                           ).status_code == 303
        client.post("/logout")


def test_password_reset_requests_are_limited(limited_app, world):
    client = limited_app.test_client()
    statuses = [
        client.post("/password/forgot", data={"email": world.patient.email}).status_code
        for _ in range(6)
    ]
    assert statuses == [303] * 5 + [429]


def test_invitations_are_limited(make_app, world):
    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_INVITE="2 per hour")
    with app.app_context():
        limiter.reset()
    client = app.test_client()
    client.post("/login", data={"email": world.physio.email, "password": PASSWORD})
    statuses = [
        client.post("/clinic/patients/invite",
                    data={"display_name": f"P {i}", "email": f"p{i}@example.org"}).status_code
        for i in range(3)
    ]
    assert statuses == [201, 201, 429]


def test_limits_in_redis_hold_across_app_instances(make_app, world):
    """Several gunicorn workers share nothing but Redis: the count must survive a new app."""
    url = redis_url()
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.RedisError:
        missing_leg(f"Redis is not reachable at {url}")
    first = make_app(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI=url)
    with first.app_context():
        limiter.reset()
    for _ in range(5):
        first.test_client().post(
            "/login", data={"email": world.patient.email, "password": "wrong-guess-xx"})
    second = make_app(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI=url)  # "another worker"
    response = second.test_client().post(
        "/login", data={"email": world.patient.email, "password": PASSWORD})
    assert response.status_code == 429
    with second.app_context():
        limiter.reset()


class TestWithCsrf:
    @pytest.fixture
    def csrf_app(self, world, make_app):
        return make_app(WTF_CSRF_ENABLED=True)

    @staticmethod
    def token(page: bytes) -> str:
        match = re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', page)
        if match is None:
            match = re.search(rb'name="csrf_token" value="([^"]+)"', page)
        assert match, page[:2000]
        return match.group(1).decode()

    def test_login_without_token_is_refused(self, csrf_app, world):
        client = csrf_app.test_client()
        response = client.post("/login", data={"email": world.patient.email,
                                               "password": PASSWORD})
        assert response.status_code == 400
        assert b"This form has expired" in response.data

    def test_login_and_logout_with_tokens(self, csrf_app, world):
        client = csrf_app.test_client()
        token = self.token(client.get("/login").data)
        response = client.post("/login", data={"email": world.patient.email,
                                               "password": PASSWORD, "csrf_token": token})
        assert response.status_code == 303
        today = client.get("/today").data
        assert client.post("/logout").status_code == 400  # no token: still signed in
        assert client.get("/today").status_code == 200
        assert client.post("/logout", data={"csrf_token": self.token(today)}).status_code == 303
        assert client.get("/today").status_code == 302

    def test_state_changes_need_a_token(self, csrf_app, world):
        client = csrf_app.test_client()
        token = self.token(client.get("/login").data)
        client.post("/login", data={"email": world.admin.email, "password": PASSWORD,
                                    "csrf_token": token})
        assert client.post(f"/admin/users/{world.patient.id}/deactivate").status_code == 400
        page = client.get("/admin/users").data
        assert client.post(f"/admin/users/{world.patient.id}/deactivate",
                           data={"csrf_token": self.token(page)}).status_code == 303



def test_reading_a_page_does_not_sign_the_session_again(limited_app, world):
    client = limited_app.test_client()
    assert client.post("/login", data={"email": world.patient.email, "password": PASSWORD}
                       ).status_code == 303
    client.get("/today")  # the first page after sign-in stores a new CSRF secret
    # Within the minute of idle-tracking resolution the cookie is then left as it is.
    response = client.get("/today")
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers


def test_only_form_posts_go_through_the_limiter(limited_app):
    from exercise_app.extensions import _safe_method

    for method, skipped in (("GET", True), ("HEAD", True), ("POST", False)):
        with limited_app.test_request_context("/login", method=method):
            assert _safe_method() is skipped
