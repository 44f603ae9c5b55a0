"""What a person clicks: signing in as each role, inviting and accepting, signing out."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from exercise_app.extensions import db
from exercise_app.models import Clinic, Role
from tests.browser.conftest import WIDTHS, screenshot
from tests.conftest import PASSWORD, add_user

pytestmark = pytest.mark.browser


@pytest.fixture
def people(live_app):
    with live_app.app_context():
        clinic = Clinic(name="Browser Clinic")
        db.session.add(clinic)
        db.session.flush()
        physio = add_user(clinic, Role.PHYSIO, "Pia Physio")
        people = {
            "admin": add_user(clinic, Role.ADMIN, "Abe Admin").email,
            "physio": physio.email,
            "patient": add_user(clinic, Role.PATIENT, "Pete Patient", physio=physio).email,
        }
        db.session.commit()
        return people


def sign_in(page, email: str, password: str = PASSWORD) -> None:
    page.goto("/login")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    # Back once the page it lands on has loaded, its stylesheet too: a test that measured
    # that page's layout straight after the click read it unstyled, now and then, under load.
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()


def sign_out(page) -> None:
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You are signed out.")).to_be_visible()


@pytest.mark.parametrize(
    ("role", "heading"),
    [("patient", "Today"), ("physio", "Your patients"), ("admin", "Browser Clinic")],
)
def test_each_role_signs_in_and_out(page, people, role, heading):
    sign_in(page, people[role])
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    screenshot(page, f"landing-{role}")
    sign_out(page)
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login$"))


def test_wrong_password_shows_a_generic_error(page, people):
    sign_in(page, people["patient"], "not-the-right-one")
    expect(page.get_by_role("alert")).to_contain_text("do not match an active account")
    screenshot(page, "login-error")


def test_physio_invites_a_patient_who_accepts(page, people):
    sign_in(page, people["physio"])
    page.get_by_role("link", name="Invite a patient").first.click()
    page.get_by_label("Full name").fill("Nadia Newcomer")
    page.get_by_label("E-mail address").fill("nadia@example.org")
    page.get_by_role("button", name="Create the invitation").click()
    expect(page.get_by_role("heading", name="Invitation created")).to_be_visible()
    screenshot(page, "invitation-created")
    link = page.get_by_label("Invitation link").input_value()
    page.get_by_role("link", name="Done").click()
    expect(page.get_by_role("row").filter(has_text="Nadia Newcomer")).to_contain_text("(invited)")
    page.goto(link)  # opened while signed in: nobody is signed out until the account is made
    expect(page.get_by_text("You are signed in as Pia Physio.")).to_be_visible()
    screenshot(page, "accept-invitation-signed-in")
    sign_out(page)

    page.goto(link)
    expect(page.get_by_role("heading", name="Welcome, Nadia Newcomer")).to_be_visible()
    page.get_by_label("New password", exact=True).fill("short")
    page.get_by_label("Repeat the new password").fill("short")
    page.get_by_role("button", name="Create my account").click()
    expect(page.get_by_text("Use at least 12 characters.", exact=True)).to_be_visible()
    expect(page.get_by_label("New password", exact=True)).to_have_attribute("aria-invalid", "true")
    screenshot(page, "accept-invitation-error")
    page.get_by_label("New password", exact=True).fill("pebble-comet-eleven")
    page.get_by_label("Repeat the new password").fill("pebble-comet-eleven")
    page.get_by_label("Time zone").select_option("Europe/Dublin")
    page.get_by_role("button", name="Create my account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Today")
    expect(page.get_by_text("Welcome, Nadia Newcomer")).to_be_visible()
    sign_out(page)
    page.goto(link)
    expect(page.get_by_role("heading", name="This link cannot be used")).to_be_visible()


def test_admin_adds_a_physio(page, people):
    sign_in(page, people["admin"])
    screenshot(page, "admin-users")
    page.get_by_role("link", name="Add a physio").first.click()
    page.get_by_label("Full name").fill("Hana Hire")
    page.get_by_label("E-mail address").fill("hana@example.org")
    page.get_by_role("button", name="Create the invitation").click()
    expect(page.get_by_role("heading", name="Invitation created")).to_be_visible()
    page.get_by_role("link", name="Done").click()
    expect(page.get_by_text("hana@example.org")).to_be_visible()
    # Her link lost or expired: the admin sends another from the clinic's people.
    screenshot(page, "admin-users-invited")
    page.get_by_role("button", name="New invitation link for Hana Hire").click()
    expect(page.get_by_role("heading", name="Invitation created")).to_be_visible()
    expect(page.get_by_label("Invitation link")).to_have_value(re.compile(r"/invitations/"))


def test_keyboard_users_can_skip_to_content_and_sign_in(page, people):
    page.goto("/login")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
    page.keyboard.press("Enter")  # skips the header: the next Tab lands in the form
    page.keyboard.press("Tab")
    expect(page.get_by_label("E-mail address")).to_be_focused()
    page.keyboard.type(people["patient"])
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Today")


@pytest.mark.parametrize("width", list(WIDTHS))
def test_a_new_account_starts_in_the_devices_time_zone(browser, live_server, live_app, people,
                                                        width):
    """A patient in New York accepting an invitation got Europe/London, the app's default,
    unless they noticed the list: every day then counted in London. The list starts at the
    device's zone and says so; the zones are grouped by region and named by place."""
    from exercise_app.auth.operations import create_invitation
    from exercise_app.models import User

    with live_app.app_context():
        physio = db.session.scalar(db.select(User).where(User.email == people["physio"]))
        invited = add_user(physio.clinic, Role.PATIENT, f"Nina {width.title()}", physio=physio,
                           accepted=False)
        token = create_invitation(invited, physio, timedelta(days=1))
        db.session.commit()
        email = invited.email
    context = browser.new_context(base_url=live_server, timezone_id="America/New_York",
                                  viewport={"width": WIDTHS[width], "height": 900})
    page = context.new_page()
    page.width_name = width
    try:
        page.goto(f"/invitations/{token}")
        zone = page.get_by_label("Time zone")
        expect(zone).to_have_value("America/New_York")
        expect(page.get_by_text(
            "Set to this device's time zone, America/New York.")).to_be_visible()
        assert zone.locator("optgroup[label='America'] option[value='America/New_York']"
                            ).inner_text() == "New York"
        screenshot(page, "accept-invitation-device-zone")
        page.get_by_label("New password", exact=True).fill("pebble-comet-eleven")
        page.get_by_label("Repeat the new password").fill("pebble-comet-eleven")
        page.get_by_role("button", name="Create my account").click()
        expect(page.get_by_text("Your days are counted in the time zone America/New York.")
               ).to_be_visible()

        # Travelling: the time zone page offers the device's zone in one press.
        context.close()
        context = browser.new_context(base_url=live_server, timezone_id="Asia/Tokyo",
                                      viewport={"width": WIDTHS[width], "height": 900})
        page = context.new_page()
        page.width_name = width
        sign_in(page, email, "pebble-comet-eleven")
        page.goto("/account/time-zone")
        expect(page.get_by_label("Time zone")).to_have_value("America/New_York")
        page.get_by_role("button", name="Use this device's time zone: Asia/Tokyo").click()
        expect(page.get_by_label("Time zone")).to_have_value("Asia/Tokyo")
        expect(page.get_by_label("Time zone")).to_be_focused()
        screenshot(page, "time-zone-device-offer")
        page.get_by_role("button", name="Save time zone").click()
        expect(page.get_by_text("Your time zone is now Asia/Tokyo.")).to_be_visible()
    finally:
        context.close()
