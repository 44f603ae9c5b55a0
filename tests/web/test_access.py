"""Every route's access rules: anonymous, wrong role, foreign object, own object.

`test_every_route_has_an_access_rule` walks `app.url_map`: a new route without an entry in
ROUTES fails the suite.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pytest
from flask import Flask

from exercise_app import create_app
from exercise_app.extensions import db
from tests.conftest import (
    SHARED_BYTECODE,
    World,
    build_loop,
    build_world,
    config_for,
    empty_tables,
    snapshot,
    sync_library_into,
)

ALL_ROLES = ("patient", "physio", "admin")
OWN_USER = {"patient": "patient", "physio": "physio", "admin": "admin"}


@dataclass(frozen=True)
class Rule:
    """Who may use a route, with URLs for an object they own and one they do not."""

    method: str
    own: Callable[[World], str]
    roles: tuple[str, ...] = ()  # empty: public
    foreign: tuple[Callable[[World], str], ...] = ()
    ok: tuple[int, ...] = (200,)
    extra: dict[str, str] = field(default_factory=dict)


def fixed(url: str) -> Callable[[World], str]:
    return lambda _world: url


ROUTES: dict[str, list[Rule]] = {
    "static": [Rule("GET", fixed("/static/app.css"))],
    "main.home": [Rule("GET", fixed("/"), ok=(302,))],
    "main.healthz": [Rule("GET", fixed("/healthz"))],
    "auth.login": [
        Rule("GET", fixed("/login")),
        Rule("POST", fixed("/login"), ok=(401,),
             extra={"email": "nobody@example.org", "password": "wrong-password-123"}),
    ],
    "auth.forgot_password": [
        Rule("GET", fixed("/password/forgot")),
        Rule("POST", fixed("/password/forgot"), ok=(303,), extra={"email": "x@example.org"}),
    ],
    # Token routes are public; a wrong token is a 404 (the right ones: test_auth).
    "auth.reset_password": [
        Rule("GET", fixed("/password/reset/not-a-token"), ok=(404,)),
        Rule("POST", fixed("/password/reset/not-a-token"), ok=(404,)),
    ],
    "auth.accept_invitation": [
        Rule("GET", fixed("/invitations/not-a-token"), ok=(404,)),
        Rule("POST", fixed("/invitations/not-a-token"), ok=(404,)),
    ],
    "auth.logout": [Rule("POST", fixed("/logout"), roles=ALL_ROLES, ok=(303,))],
    "auth.change_password": [
        Rule("GET", fixed("/account/password"), roles=ALL_ROLES),
        Rule("POST", fixed("/account/password"), roles=ALL_ROLES, ok=(422,)),
    ],
    "auth.time_zone": [
        Rule("GET", fixed("/account/time-zone"), roles=ALL_ROLES),
        Rule("POST", fixed("/account/time-zone"), roles=ALL_ROLES, ok=(422,)),
    ],
    "patient.today": [Rule("GET", fixed("/today"), roles=("patient",))],
    "patient.programme": [Rule("GET", fixed("/programme"), roles=("patient",))],
    "patient.history_page": [Rule("GET", fixed("/history"), roles=("patient",))],
    "patient.handout_page": [Rule("GET", fixed("/programme/handout"), roles=("patient",))],
    "patient.handout_pdf": [Rule("GET", fixed("/programme/handout.pdf"), roles=("patient",))],
    "patient.history_csv": [Rule("GET", fixed("/history.csv"), roles=("patient",))],
    "patient.routine_page": [
        Rule("GET", fixed("/routine"), roles=("patient",)),
        Rule("POST", fixed("/routine"), roles=("patient",), ok=(422,)),
    ],
    "patient.session_detail": [
        Rule("GET", lambda w: f"/sessions/{w.session_id}", roles=("patient",),
             foreign=(lambda w: f"/sessions/{w.other_session_id}",)),
    ],
    "patient.session_edit": [
        Rule("GET", lambda w: f"/sessions/{w.session_id}/edit", roles=("patient",),
             foreign=(lambda w: f"/sessions/{w.other_session_id}/edit",)),
        Rule("POST", lambda w: f"/sessions/{w.session_id}/edit", roles=("patient",),
             ok=(422,), foreign=(lambda w: f"/sessions/{w.other_session_id}/edit",)),
    ],
    "patient.morning_checkin": [
        # Today's session cannot get a next-morning score yet: 409, and nothing changes.
        Rule("POST", lambda w: f"/sessions/{w.session_id}/morning", roles=("patient",),
             ok=(409,), extra={"pain": "2"},
             foreign=(lambda w: f"/sessions/{w.other_session_id}/morning",)),
    ],
    "clinician.edit_programme": [
        Rule("GET", lambda w: f"/clinic/patients/{w.patient.id}/programme", roles=("physio",),
             foreign=(lambda w: f"/clinic/patients/{w.other_patient.id}/programme",
                      lambda w: f"/clinic/patients/{w.foreign_patient.id}/programme")),
        Rule("POST", lambda w: f"/clinic/patients/{w.patient.id}/programme", roles=("physio",),
             ok=(422,),
             foreign=(lambda w: f"/clinic/patients/{w.other_patient.id}/programme",
                      lambda w: f"/clinic/patients/{w.foreign_patient.id}/programme")),
    ],
    "clinician.precautions": [
        Rule("POST", lambda w: f"/clinic/patients/{w.patient.id}/precautions",
             roles=("physio",), ok=(303,), extra={"precautions": "osteoporosis"},
             foreign=(lambda w: f"/clinic/patients/{w.other_patient.id}/precautions",
                      lambda w: f"/clinic/patients/{w.foreign_patient.id}/precautions")),
    ],
    "clinician.session": [
        Rule("GET", lambda w: f"/clinic/patients/{w.patient.id}/sessions/{w.session_id}",
             roles=("physio",),
             foreign=(
                 lambda w: f"/clinic/patients/{w.other_patient.id}/sessions/"
                           f"{w.other_session_id}",
                 # Own patient, but another patient's session id.
                 lambda w: f"/clinic/patients/{w.patient.id}/sessions/{w.other_session_id}",
                 # Another clinic's patient.
                 lambda w: f"/clinic/patients/{w.foreign_patient.id}/sessions/{w.session_id}",
             )),
    ],
    "clinician.patient_csv": [
        Rule("GET", lambda w: f"/clinic/patients/{w.patient.id}/history.csv", roles=("physio",),
             foreign=(lambda w: f"/clinic/patients/{w.other_patient.id}/history.csv",
                      lambda w: f"/clinic/patients/{w.foreign_patient.id}/history.csv")),
    ],
    "progression.patient": [
        Rule("GET", lambda w: f"/clinic/patients/{w.patient.id}/progression", roles=("physio",),
             foreign=(lambda w: f"/clinic/patients/{w.other_patient.id}/progression",
                      lambda w: f"/clinic/patients/{w.foreign_patient.id}/progression")),
    ],
    "progression.settings": [
        Rule("POST", lambda w: f"/clinic/patients/{w.patient.id}/progression/settings",
             roles=("physio",), ok=(422,), extra={"mode": "approve", "pain_limit": "11"},
             foreign=(lambda w: f"/clinic/patients/{w.other_patient.id}/progression/settings",
                      lambda w: f"/clinic/patients/{w.foreign_patient.id}/progression/settings")),
    ],
    # The loop's decision waits for data, so approving or rejecting it is refused (409).
    "progression.approve": [
        Rule("POST", lambda w: f"/clinic/patients/{w.patient.id}/decisions/{w.decision_id}/approve",
             roles=("physio",), ok=(409,),
             foreign=(
                 lambda w: f"/clinic/patients/{w.other_patient.id}/decisions/"
                           f"{w.other_decision_id}/approve",
                 # Own patient, but another patient's decision.
                 lambda w: f"/clinic/patients/{w.patient.id}/decisions/"
                           f"{w.other_decision_id}/approve",
             )),
    ],
    "progression.reject": [
        Rule("POST", lambda w: f"/clinic/patients/{w.patient.id}/decisions/{w.decision_id}/reject",
             roles=("physio",), ok=(409,),
             foreign=(
                 lambda w: f"/clinic/patients/{w.other_patient.id}/decisions/"
                           f"{w.other_decision_id}/reject",
                 lambda w: f"/clinic/patients/{w.patient.id}/decisions/"
                           f"{w.other_decision_id}/reject",
             )),
    ],
    "progression.override": [
        Rule("POST",
             lambda w: f"/clinic/patients/{w.patient.id}/decisions/{w.decision_id}/override",
             roles=("physio",), ok=(303,),
             extra={"sets": "1", "hold_seconds": "20", "note": "Gentler"},
             foreign=(
                 lambda w: f"/clinic/patients/{w.other_patient.id}/decisions/"
                           f"{w.other_decision_id}/override",
                 lambda w: f"/clinic/patients/{w.patient.id}/decisions/"
                           f"{w.other_decision_id}/override",
             )),
    ],
    "progression.rules": [Rule("GET", fixed("/clinic/progression/rules"),
                               roles=("physio", "admin"))],
    # The loop's patient passed the onboarding check today, so none is due: the POST is a 409.
    "safety.check": [
        Rule("GET", fixed("/check"), roles=("patient",)),
        Rule("POST", fixed("/check"), roles=("patient",), ok=(409,)),
    ],
    "triage.alert_action": [
        Rule("POST", lambda w: f"/clinic/patients/{w.patient.id}/alerts/{w.alert_id}",
             roles=("physio",), ok=(303,), extra={"status": "acknowledged"},
             foreign=(
                 lambda w: f"/clinic/patients/{w.other_patient.id}/alerts/{w.other_alert_id}",
                 lambda w: f"/clinic/patients/{w.patient.id}/alerts/{w.other_alert_id}",
             )),
    ],
    "triage.message": [
        Rule("POST", lambda w: f"/clinic/patients/{w.patient.id}/message", roles=("physio",),
             ok=(303,), extra={"text": "Well done this week.",
                              "client_id": "6f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f"},
             foreign=(lambda w: f"/clinic/patients/{w.other_patient.id}/message",
                      lambda w: f"/clinic/patients/{w.foreign_patient.id}/message")),
    ],
    "clinician.handout_page": [
        Rule("GET", lambda w: f"/clinic/patients/{w.patient.id}/handout", roles=("physio",),
             foreign=(lambda w: f"/clinic/patients/{w.other_patient.id}/handout",
                      lambda w: f"/clinic/patients/{w.foreign_patient.id}/handout")),
    ],
    "clinician.handout_pdf": [
        Rule("GET", lambda w: f"/clinic/patients/{w.patient.id}/handout.pdf", roles=("physio",),
             foreign=(lambda w: f"/clinic/patients/{w.other_patient.id}/handout.pdf",
                      lambda w: f"/clinic/patients/{w.foreign_patient.id}/handout.pdf")),
    ],
    "clinician.patients": [Rule("GET", fixed("/clinic/patients"), roles=("physio",))],
    "clinician.invite": [
        Rule("GET", fixed("/clinic/patients/invite"), roles=("physio",)),
        Rule("POST", fixed("/clinic/patients/invite"), roles=("physio",), ok=(201,),
             extra={"display_name": "New Person", "email": "new.person@example.org"}),
    ],
    "clinician.patient": [
        Rule(
            "GET",
            lambda w: f"/clinic/patients/{w.patient.id}",
            roles=("physio",),
            foreign=(
                lambda w: f"/clinic/patients/{w.other_patient.id}",
                lambda w: f"/clinic/patients/{w.foreign_patient.id}",
                lambda w: f"/clinic/patients/{w.physio.id}",
                lambda w: "/clinic/patients/999999",
            ),
        )
    ],
    "clinician.reinvite": [
        Rule(
            "POST",
            lambda w: f"/clinic/patients/{w.invited_patient.id}/invitation",
            roles=("physio",),
            ok=(201,),
            foreign=(
                lambda w: f"/clinic/patients/{w.other_patient.id}/invitation",
                lambda w: f"/clinic/patients/{w.foreign_patient.id}/invitation",
            ),
        )
    ],
    "library.index": [Rule("GET", fixed("/library/"), roles=ALL_ROLES)],
    "library.gallery": [Rule("GET", fixed("/library/gallery"), roles=ALL_ROLES)],
    "library.programmes": [Rule("GET", fixed("/library/programmes"), roles=ALL_ROLES)],
    # The library is shared by every signed-in user: the "foreign" case is an unknown slug.
    "library.exercise": [Rule("GET", fixed("/library/exercises/glute-bridge"), roles=ALL_ROLES,
                              foreign=(fixed("/library/exercises/no-such-exercise"),))],
    "library.demo": [Rule("GET", fixed("/library/exercises/glute-bridge/demo.svg"),
                          roles=ALL_ROLES,
                          foreign=(fixed("/library/exercises/no-such-exercise/demo.svg"),))],
    "library.programme": [Rule("GET", fixed("/library/programmes/hip-mobility"), roles=ALL_ROLES,
                               foreign=(fixed("/library/programmes/no-such-programme"),))],
    "admin.users": [Rule("GET", fixed("/admin/users"), roles=("admin",))],
    "admin.audit_log": [Rule("GET", fixed("/admin/audit"), roles=("admin",))],
    "admin.new_physio": [
        Rule("GET", fixed("/admin/physios/new"), roles=("admin",)),
        Rule("POST", fixed("/admin/physios/new"), roles=("admin",), ok=(201,),
             extra={"display_name": "New Physio", "email": "new.physio@example.org"}),
    ],
    "admin.deactivate": [
        Rule(
            "POST",
            lambda w: f"/admin/users/{w.patient.id}/deactivate",
            roles=("admin",),
            ok=(303,),
            foreign=(
                lambda w: f"/admin/users/{w.foreign_patient.id}/deactivate",
                lambda w: f"/admin/users/{w.foreign_physio.id}/deactivate",
            ),
        )
    ],
    "admin.reinvite": [
        Rule(
            "POST",
            lambda w: f"/admin/users/{w.invited_patient.id}/invitation",
            roles=("admin",),
            ok=(201,),
            foreign=(lambda w: f"/admin/users/{w.foreign_patient.id}/invitation",),
        )
    ],
    "admin.reactivate": [
        Rule(
            "POST",
            lambda w: f"/admin/users/{w.patient.id}/reactivate",
            roles=("admin",),
            ok=(303,),
            foreign=(lambda w: f"/admin/users/{w.foreign_patient.id}/reactivate",),
        )
    ],
}

class Shared:
    """One app and one ``loop`` world for this module's several hundred tests, built again
    only after a test that may have changed them: a refused request changes nothing (each
    test shows it with a snapshot) and nor does a page read, so the next test takes the same
    world. Building it (the library, two programmes, logs, rules and alerts) was two thirds
    of this module's time. A new world comes with a new app, whose per-worker caches start
    empty."""

    def __init__(self, database_url: str, loaded) -> None:
        self.database_url, self.loaded = database_url, loaded
        self.app: Flask | None = None
        self.world: World | None = None
        self.unchanged = False

    def fresh(self) -> Flask:
        if self.app is not None and self.unchanged:
            self.unchanged = False  # until the next test says so again
            return self.app
        self.close()
        app = create_app(config_for(self.database_url))
        app.jinja_env.bytecode_cache = SHARED_BYTECODE
        sync_library_into(app, self.loaded)
        self.app, self.world = app, build_loop(app, build_world(app))
        return app

    def close(self) -> None:
        if self.app is not None:
            empty_tables(self.app)
            with self.app.app_context():
                db.session.remove()
                db.engine.dispose()
        self.app = self.world = None


@pytest.fixture(scope="module")
def shared(database_url: str, loaded_library) -> Iterator[Shared]:
    state = Shared(database_url, loaded_library)
    yield state
    state.close()


@pytest.fixture
def app(shared: Shared) -> Flask:
    return shared.fresh()


@pytest.fixture
def loop(app: Flask, shared: Shared) -> World:
    assert shared.world is not None
    return shared.world


@pytest.fixture
def world(loop: World) -> World:
    return loop


def leaves_it_unchanged(shared: Shared, rule: Rule, refused: bool) -> None:
    """After a test's last assertion: the next test may take the same world when nothing was
    written, by a GET (a read at most adds to the audit trail) or a refusal the test showed
    changed nothing."""
    if refused or rule.method == "GET":
        shared.unchanged = True


CASES = [(endpoint, rule) for endpoint, rules in ROUTES.items() for rule in rules]
IDS = [f"{endpoint}-{rule.method}" for endpoint, rule in CASES]


def test_every_route_has_an_access_rule(app):
    """A new route fails here until its access rules are written down and tested."""
    missing = []
    for url_rule in app.url_map.iter_rules():
        methods = (url_rule.methods or set()) - {"HEAD", "OPTIONS"}
        covered = {rule.method for rule in ROUTES.get(url_rule.endpoint, [])}
        if not methods <= covered:
            missing.append(f"{url_rule.endpoint} {sorted(methods - covered)}")
        if url_rule.arguments - {"filename", "token"} and url_rule.endpoint in ROUTES:
            for rule in ROUTES[url_rule.endpoint]:
                assert rule.foreign, f"{url_rule.endpoint} takes an id but has no foreign case"
    assert not missing, "routes without access rules: " + ", ".join(missing)


def _request(client, rule: Rule, url: str):
    response = client.get(url) if rule.method == "GET" else client.post(url, data=rule.extra)
    response.get_data()
    response.close()  # static files are streamed from an open file
    return response


@pytest.mark.parametrize(("endpoint", "rule"), CASES, ids=IDS)
def test_anonymous(app, client, loop, shared, endpoint, rule):
    world = loop
    before = snapshot(app)
    response = _request(client, rule, rule.own(world))
    if rule.roles:
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login")
        assert snapshot(app) == before
    else:
        assert response.status_code in rule.ok
    leaves_it_unchanged(shared, rule, refused=bool(rule.roles))


@pytest.mark.parametrize(("endpoint", "rule"), [c for c in CASES if c[1].roles],
                         ids=[i for i, c in zip(IDS, CASES, strict=True) if c[1].roles])
@pytest.mark.parametrize("role", ALL_ROLES)
def test_roles(app, client, auth, loop, shared, endpoint, rule, role):
    world = loop
    auth.login(getattr(world, OWN_USER[role]))
    before = snapshot(app)
    response = _request(client, rule, rule.own(world))
    if role in rule.roles:
        assert response.status_code in rule.ok, response.data[:500]
    else:
        assert response.status_code == 403
        assert snapshot(app) == before
    leaves_it_unchanged(shared, rule, refused=role not in rule.roles)


FOREIGN = [(endpoint, rule, i) for endpoint, rule in CASES for i in range(len(rule.foreign))]


@pytest.mark.parametrize(("endpoint", "rule", "index"), FOREIGN,
                         ids=[f"{e}-{r.method}-{i}" for e, r, i in FOREIGN])
def test_foreign_objects_are_not_found(app, client, auth, loop, shared, endpoint, rule, index):
    world = loop
    for role in rule.roles:
        auth.login(getattr(world, OWN_USER[role]))
        before = snapshot(app)
        response = _request(client, rule, rule.foreign[index](world))
        assert response.status_code == 404
        assert snapshot(app) == before
    shared.unchanged = True


def test_an_id_in_another_scripts_digits_is_not_found(app, client, auth, world):
    """Werkzeug's id rule matched any script's digits and int() read them: the patient's page
    answered at their id written in Arabic-Indic digits."""
    auth.login(world.physio)
    arabic = str(world.patient.id).translate(str.maketrans("0123456789", "\u0660\u0661\u0662"
                                                            "\u0663\u0664\u0665\u0666\u0667"
                                                            "\u0668\u0669"))
    assert client.get(f"/clinic/patients/{world.patient.id}").status_code == 200
    assert client.get(f"/clinic/patients/{arabic}").status_code == 404
