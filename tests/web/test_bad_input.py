"""Bad input gets a clear 4xx and changes nothing (security.md)."""

from __future__ import annotations

import pytest

from tests.conftest import PASSWORD, snapshot

INVITE = "/clinic/patients/invite"


@pytest.mark.parametrize(
    ("form", "status", "message"),
    [
        ({"display_name": "Nul\x00Byte", "email": "nul@example.org"}, 400, b""),
        ({"display_name": "", "email": "empty@example.org"}, 422, b"This field is required"),
        ({"display_name": "   ", "email": "blank@example.org"}, 422, b"This field is required"),
        ({"display_name": "x" * 101, "email": "long@example.org"}, 422, b"longer than"),
        ({"display_name": "Long Mail", "email": "a" * 250 + "@example.org"}, 422, b"longer than"),
        ({"display_name": "Not Mail", "email": "not-an-email"}, 422, b"Invalid email"),
        ({"display_name": "Two", "email": ["a@example.org", "b@example.org"]}, 201, b""),
    ],
)
def test_invite_bad_input(app, client, auth, world, form, status, message):
    auth.login(world.physio)
    before = snapshot(app)
    response = client.post(INVITE, data=form)
    assert response.status_code == status
    assert message in response.data
    if status >= 400:
        assert snapshot(app) == before


def test_xss_and_rtl_text_are_escaped(app, client, auth, world):
    auth.login(world.physio)
    name = "<script>alert(1)</script>\u202eevil"
    assert client.post(INVITE, data={"display_name": name, "email": "x@example.org"}
                       ).status_code == 201
    page = client.get("/clinic/patients").data.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_oversized_body_is_refused(app, client, auth, world):
    auth.login(world.physio)
    before = snapshot(app)
    response = client.post(INVITE, data={"display_name": "x" * (1024 * 1024),
                                         "email": "big@example.org"})
    assert response.status_code == 413
    assert snapshot(app) == before


def test_login_with_missing_or_odd_fields(client, world):
    assert client.post("/login", data={}).status_code == 422
    assert client.post("/login", data={"email": world.patient.email}).status_code == 422
    assert client.post("/login", data={"email": world.patient.email,
                                       "password": "x" * 10_000}).status_code == 422
    assert client.post("/login", data={"email": world.patient.email + "\x00",
                                       "password": PASSWORD}).status_code == 400


def test_invalid_utf8_is_not_a_500(client, world):
    response = client.post("/login", data=b"email=%ED%A0%80&password=%FF%FE",
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code in (400, 401, 422)


@pytest.mark.parametrize("body", [b"precautions=%FF", b"precautions=\xff",
                                  b"precautions=%ED%A0%80&precautions=osteoporosis"])
def test_a_form_that_is_not_utf8_changes_nothing(app, client, auth, world, body):
    """Werkzeug drops bytes that are not UTF-8: a precautions form of nothing else cleared
    every precaution the patient had (303)."""
    auth.login(world.physio)
    url = f"/clinic/patients/{world.patient.id}/precautions"
    assert client.post(url, data={"precautions": ["gluteal-tendinopathy"]}).status_code == 303
    before = snapshot(app)
    response = client.post(url, data=body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    assert b"not sent as UTF-8" in response.data
    assert snapshot(app) == before


def test_a_multipart_form_is_refused(app, client, auth, world):
    """No form uploads a file; a multipart body (whose field names Werkzeug decodes as
    leniently) is refused before any view."""
    auth.login(world.physio)
    url = f"/clinic/patients/{world.patient.id}/precautions"
    assert client.post(url, data={"precautions": ["gluteal-tendinopathy"]}).status_code == 303
    before = snapshot(app)
    body = (b"--b\r\nContent-Disposition: form-data; name=\"precautions\xff\"\r\n\r\nx\r\n"
            b"--b--\r\n")
    response = client.post(url, data=body, content_type="multipart/form-data; boundary=b")
    assert response.status_code == 415
    assert snapshot(app) == before


@pytest.mark.parametrize("path", ["/clinic/patients/abc", "/clinic/patients/-1",
                                  "/clinic/patients/99999999999999999999999"])
def test_malformed_ids_are_not_found(client, auth, world, path):
    auth.login(world.physio)
    assert client.get(path).status_code == 404


def test_error_pages_use_the_app_layout(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert b"Page not found" in response.data and b"Hip &amp; Back" in response.data


def test_security_headers(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    for part in ("default-src 'self'", "object-src 'none'", "base-uri 'none'",
                 "frame-ancestors 'none'", "form-action 'self'"):
        assert part in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in response.headers  # plain HTTP here
    for name in ("Content-Security-Policy", "Cache-Control", "X-Frame-Options"):
        assert len(response.headers.getlist(name)) == 1, name


def test_https_responses_get_hsts(client):
    response = client.get("/login", base_url="https://localhost")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_unexpected_errors_get_the_styled_500_page(make_app):
    app = make_app(TESTING=False, PROPAGATE_EXCEPTIONS=False)

    @app.get("/boom")
    def boom():
        raise RuntimeError("boom")

    response = app.test_client().get("/boom")
    assert response.status_code == 500
    assert b"Something went wrong on our side" in response.data
    assert b"boom" not in response.data


@pytest.mark.parametrize(
    ("form", "status"),
    [
        ({}, 422),  # no zone at all
        ({"time_zone": ""}, 422),
        ({"time_zone": "Mars/Olympus_Mons"}, 422),
        ({"time_zone": "europe/london"}, 422),  # only the list's own spelling
        ({"time_zone": "Europe/London\x00"}, 400),
        ({"time_zone": "x" * 10_000}, 422),
        ({"time_zone": "../../etc/passwd"}, 422),
    ],
)
def test_time_zone_bad_input(app, client, auth, world, form, status):
    """Every role can change its own zone (the only account it can name): nonsense changes
    nothing and gets a 4xx, never a 500."""
    for user in (world.patient, world.physio):
        auth.login(user)
        before = snapshot(app)
        assert client.post("/account/time-zone", data=form).status_code == status
        assert snapshot(app) == before
        auth.logout()


def test_a_time_zone_change_names_no_other_account(app, client, auth, world):
    """Ids slipped into the form are ignored: only the signed-in account changes."""
    from exercise_app.extensions import db
    from exercise_app.models import User

    auth.login(world.patient)
    response = client.post("/account/time-zone", data={
        "time_zone": "Asia/Tokyo", "user_id": world.other_patient.id,
        "id": world.other_patient.id, "email": world.other_patient.email})
    assert response.status_code == 303
    with app.app_context():
        assert db.session.get(User, world.patient.id).time_zone == "Asia/Tokyo"
        assert db.session.get(User, world.other_patient.id).time_zone != "Asia/Tokyo"
