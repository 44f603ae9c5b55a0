"""Every page of the app, as each role sees it at 390 and 1280 px, passes axe-core's checks
for WCAG 2.2 A and AA and its best practices (axe-playwright-python, which carries
axe-core). The guided routine is checked at each kind of step, and forms are checked showing
an error. A GET page added to the app without being listed here fails
``test_every_page_is_checked``."""

from __future__ import annotations

from datetime import timedelta

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect
from sqlalchemy import select

from exercise_app.auth.operations import create_invitation, create_password_reset
from exercise_app.extensions import db
from exercise_app.models import Clinic, ExerciseSession, Role, User
from tests.browser.test_accounts import sign_in
from tests.browser.test_progression import settled_patient
from tests.browser.test_routine import choose
from tests.conftest import add_user

pytestmark = pytest.mark.browser

AXE = Axe()
RULES = {"runOnly": {"type": "tag", "values": [
    "wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]},
    "resultTypes": ["violations"]}

# The pages, by endpoint, with who opens them (None: signed out) and how their path is made
# from the ``people`` fixture's ids.
PAGES = {
    "auth.login": (None, lambda p: "/login"),
    "auth.forgot_password": (None, lambda p: "/password/forgot"),
    "auth.reset_password": (None, lambda p: f"/password/reset/{p['reset']}"),
    "auth.accept_invitation": (None, lambda p: f"/invitations/{p['invitation']}"),
    "auth.change_password": ("patient", lambda p: "/account/password"),
    "auth.time_zone": ("patient", lambda p: "/account/time-zone"),
    "patient.today": ("patient", lambda p: "/today"),
    "patient.programme": ("patient", lambda p: "/programme"),
    "patient.history_page": ("patient", lambda p: "/history"),
    "patient.session_detail": ("patient", lambda p: f"/sessions/{p['session']}"),
    "patient.session_edit": ("patient", lambda p: f"/sessions/{p['session']}/edit"),
    "patient.handout_page": ("patient", lambda p: "/programme/handout"),
    "patient.routine_page": ("patient", lambda p: "/routine"),  # and its steps, below
    "safety.check": ("patient", lambda p: "/check"),
    "library.index": ("patient", lambda p: "/library/"),
    "library.exercise": ("patient", lambda p: "/library/exercises/glute-bridge"),
    "library.gallery": ("physio", lambda p: "/library/gallery"),
    "library.programmes": ("physio", lambda p: "/library/programmes"),
    "library.programme": ("physio", lambda p: "/library/programmes/hip-and-back-starter"),
    "clinician.patients": ("physio", lambda p: "/clinic/patients"),
    "clinician.patient": ("physio", lambda p: f"/clinic/patients/{p['patient_id']}"),
    "clinician.session": ("physio", lambda p: f"/clinic/patients/{p['patient_id']}/sessions/"
                                              f"{p['session']}"),
    "clinician.edit_programme": ("physio",
                                 lambda p: f"/clinic/patients/{p['patient_id']}/programme"),
    "clinician.handout_page": ("physio",
                               lambda p: f"/clinic/patients/{p['patient_id']}/handout"),
    "clinician.invite": ("physio", lambda p: "/clinic/patients/invite"),
    "progression.patient": ("physio",
                            lambda p: f"/clinic/patients/{p['patient_id']}/progression"),
    "progression.rules": ("physio", lambda p: "/clinic/progression/rules"),
    "admin.users": ("admin", lambda p: "/admin/users"),
    "admin.audit_log": ("admin", lambda p: "/admin/audit"),
    "admin.new_physio": ("admin", lambda p: "/admin/physios/new"),
}
# What a GET answers that is not an HTML page for people: files, redirects, a health check.
NOT_PAGES = {"static", "main.home", "main.healthz", "library.demo", "patient.history_csv",
             "patient.handout_pdf", "clinician.handout_pdf", "clinician.patient_csv"}


def violations(page, where: str) -> list[str]:
    """axe-core's findings on the page as it is now, one line each."""
    page.wait_for_load_state("load")
    found = AXE.run(page, options=RULES).response["violations"]
    return [f"{where}: {v['id']} ({v['impact']}) at {[n['target'] for n in v['nodes']][:3]}: "
            f"{v['help']}" for v in found]


@pytest.fixture
def people(live_app, synced_library):
    """A physio and their patient with three settled sessions (the weekly check answered),
    the clinic's admin, a link to accept an invitation and one to reset a password."""
    ids = settled_patient(live_app, "Axe Clinic", "Ada Physio", "Ari Patient")
    with live_app.app_context():
        clinic = db.session.scalar(select(Clinic).where(Clinic.name == "Axe Clinic"))
        admin = add_user(clinic, Role.ADMIN, "Abe Admin")
        invited = add_user(clinic, Role.PATIENT, "Ivo Invited", accepted=False)
        physio = db.session.get(User, ids["physio_id"])
        ids["invitation"] = create_invitation(invited, physio, timedelta(days=1))
        ids["reset"] = create_password_reset(admin, timedelta(hours=1))
        ids["admin"] = admin.email
        ids["session"] = db.session.scalar(
            select(ExerciseSession.id).where(ExerciseSession.patient_id == ids["patient_id"])
            .order_by(ExerciseSession.id.desc()))
        db.session.commit()
    return ids


def test_every_page_is_checked(live_app):
    endpoints = {rule.endpoint for rule in live_app.url_map.iter_rules()
                 if "GET" in rule.methods}
    assert endpoints - PAGES.keys() - NOT_PAGES == set(), "add the page to PAGES"
    assert PAGES.keys() - endpoints == set() and NOT_PAGES - endpoints == set()


@pytest.mark.parametrize("role", [None, "patient", "physio", "admin"])
def test_each_roles_pages_pass_axe(page, people, role):
    found: list[str] = []
    if role is not None:
        sign_in(page, people[role] if role != "admin" else people["admin"])
        page.wait_for_load_state("load")
    for endpoint, (who, path) in PAGES.items():
        if who == role:
            response = page.goto(path(people))
            assert response.status == 200, f"{endpoint}: {response.status}"
            found += violations(page, endpoint)
    if role is None:  # a form showing its errors
        page.goto("/login")
        page.get_by_label("E-mail address").fill("nobody@example.org")
        page.get_by_label("Password", exact=True).fill("wrong-password-here")
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("alert")).to_be_visible()
        found += violations(page, "sign-in refused")
    assert found == []


def test_the_guided_routine_passes_axe_at_each_step(page, people):
    sign_in(page, people["patient"])
    page.goto("/routine")
    found = violations(page, "pain before")
    page.get_by_role("button", name="Next").click()  # no answer: the step shows an error
    expect(page.get_by_text("Choose a number from 0 to 10.")).to_be_visible()
    found += violations(page, "pain before, unanswered")
    choose(page, "pain_before", 2)
    page.get_by_role("button", name="Next").click()
    expect(page.locator(".routine-step:not([hidden]) .trainer")).to_be_visible()
    found += violations(page, "an exercise")
    page.get_by_role("button", name="Skip").first.click()
    found += violations(page, "skipping an exercise")
    assert found == []
