"""A refused log says which exercise and which answer it is about, by that answer, and the error
summary at the top links each message to its field (no JavaScript, or a correction: the page
is a checklist of up to 20 exercise cards, and "Say why an exercise was skipped." alone at the
top named none of them)."""

from __future__ import annotations

import re

import pytest

from exercise_app.extensions import db
from exercise_app.models import NOTE_MAX, LogStatus, ProgrammeVersion, User
from exercise_app.patient.operations import LoggedExercise, LogRefused, check_exercises
from tests.conftest import PASSWORD
from tests.web.test_daily_loop import refused_log, routine_form
from tests.web.test_routine_a11y import Page

# The loop's programme (tests/factories.py): bridge 2 x 10, clam 2 x 12 each side, knee to
# chest held 30 s on each side.
REFUSALS = [
    ({"exercises-1-status": "skipped"}, "exercises-1-skip_reason",
     "Clam, why skipped?", "Say why an exercise was skipped."),
    ({"exercises-2-status": "stopped"}, "exercises-2-stop_reason",
     "Knee to chest, why stopped?", "Say why an exercise was stopped."),
    ({"exercises-0-sets_done": "3"}, "exercises-0-sets_done",
     "Glute bridge, sets done:", "More sets were logged than were prescribed."),
    ({"exercises-0-sets_done": "0"}, "exercises-0-sets_done",
     "Glute bridge, sets done:", "An exercise marked done needs the number of sets done"),
    ({"exercises-0-reps_done": "41"}, "exercises-0-reps_done",
     "Glute bridge, reps done in all:", "More than 2 times the prescribed reps"),
    ({"exercises-1-reps_done_other_side": "49"}, "exercises-1-reps_done_other_side",
     "Clam, reps on the right side, in all:", "More than 2 times the prescribed reps"),
]
REFUSAL_IDS = ["skipped-without-reason", "stopped-without-reason", "sets-over-prescribed",
               "done-with-no-sets", "reps-over-limit", "other-side-reps-over-limit"]


@pytest.fixture
def patient_client(client, auth, loop):
    auth.login(loop.patient)
    return client


def summary_links(page: Page) -> list[tuple[str, str]]:
    """The error summary's links: (href, text)."""
    summary = page.by_id("error-summary")
    assert summary is not None, "no error summary with id error-summary"
    assert summary.attrs.get("tabindex") == "-1"
    start = page.elements.index(summary)
    inside = []
    for element in page.elements[start + 1:]:
        if element.tag == "a" and element.text and element.text in summary.text:
            inside.append((element.attrs["href"], " ".join(element.text.split())))
        if element.tag == "form" or element.attrs.get("data-step"):
            break
    return inside


def title(html: str) -> str:
    return re.search(r"<title>(.*?)</title>", html, re.S).group(1).strip()


def assert_on_the_field(html: str, control: str, label: str, message: str) -> None:
    page = Page(html)
    field = page.named(control)
    assert field.attrs.get("aria-invalid") == "true"
    assert message in page.description(field)
    assert [e for e in page.errors() if message in e] != [], page.errors()
    links = summary_links(page)
    assert any(href == f"#{control}" and text.startswith(label) and message in text
               for href, text in links), links
    assert page.by_id(control) is not None  # the link's target
    assert title(html).startswith("Error: ")


@pytest.mark.parametrize(("changes", "control", "label", "message"), REFUSALS, ids=REFUSAL_IDS)
def test_a_refused_log_puts_the_message_by_the_field(app, patient_client, changes, control,
                                                     label, message):
    form = routine_form(patient_client)
    form.update(changes)
    assert_on_the_field(refused_log(app, patient_client, form), control, label, message)


@pytest.mark.parametrize(("changes", "control", "label", "message"), REFUSALS, ids=REFUSAL_IDS)
def test_a_refused_correction_puts_the_message_by_the_field(app, patient_client, loop, changes,
                                                            control, label, message):
    url = f"/sessions/{loop.session_id}/edit"
    form = routine_form(patient_client, url)
    form.update(changes)
    html = refused_log(app, patient_client, form, url)
    assert_on_the_field(html, control, label, message)
    assert title(html).startswith("Error: Correct your log of ") and title(html).endswith(
        " \u00b7 Hip &amp; Back")


def test_a_refusal_about_a_whole_row_is_on_that_row(app, patient_client):
    """An exercise named twice (a tampered form) is about the row, not one of its answers: the
    message is at the top of that exercise's fields, which it describes."""
    form = routine_form(patient_client)
    form["exercises-1-prescription_id"] = form["exercises-0-prescription_id"]
    page = Page(refused_log(app, patient_client, form))
    error = page.by_id("exercises-1-prescription_id-error")
    assert error is not None and "appears twice" in error.text
    fieldset = page.by_id("exercises-1")
    assert fieldset is not None and fieldset.tag == "fieldset"
    assert fieldset.attrs.get("aria-describedby") == "exercises-1-prescription_id-error"
    assert any(href == "#exercises-1" and text.startswith("Glute bridge:")
               and "appears twice" in text for href, text in summary_links(page))


def test_check_exercises_names_the_row_and_the_field(app, loop):
    with app.app_context():
        version = db.session.scalars(db.select(ProgrammeVersion).where(
            ProgrammeVersion.patient_id == loop.patient.id)).first()
        bridge, clam, _held = version.prescriptions
        fine = LoggedExercise(bridge.id, LogStatus.DONE, 2, 20, None, None, None)
        skipped = LoggedExercise(clam.id, LogStatus.SKIPPED, 0, None, None, None, None)
        with pytest.raises(LogRefused) as refused:
            check_exercises(version, [fine, skipped])
        assert (refused.value.index, refused.value.field) == (1, "skip_reason")
        with pytest.raises(LogRefused) as refused:
            check_exercises(version, [fine, fine])
        assert (refused.value.index, refused.value.field) == (1, None)


def test_the_summary_links_form_errors_to_their_fields(app, patient_client):
    """Errors the form finds itself are listed too, each a link to its field."""
    form = routine_form(patient_client)
    form.update({"pain_before": "", "exercises-0-sets_done": "x",
                 "notes": "n" * (NOTE_MAX + 1)})
    response = patient_client.post("/routine", data=form)
    assert response.status_code == 422
    html = response.data.decode()
    page = Page(html)
    links = summary_links(page)
    assert links == [
        ("#pain_before-0", "Pain before you started: Choose a number from 0 to 10."),
        ("#exercises-0-sets_done", "Glute bridge, sets done: Enter a whole number, such as 3."),
        ("#notes", "Anything to tell your physio? Keep your notes to 2,000 characters."),
    ]
    for href, _text in links:
        assert page.by_id(href[1:]) is not None
    assert "Please correct the fields marked below." not in html
    assert title(html).startswith("Error: Today")


def test_a_page_without_errors_has_no_summary_and_a_plain_title(patient_client):
    html = patient_client.get("/routine?all=1").data.decode()
    assert 'id="error-summary"' not in html
    assert title(html).startswith("Today")


def test_other_forms_keep_their_summary(app, client, auth, world):
    """form_errors serves every form: a form-level message stays as it was, and field errors
    link to controls that exist."""
    response = client.post("/login", data={"email": world.patient.email, "password": "wrong"})
    page = Page(response.data.decode())
    summary = page.by_id("error-summary")
    assert summary is not None and summary.attrs.get("role") == "alert"
    assert "password" in summary.text.lower()
    auth.login(world.patient)
    response = client.post("/account/password", data={
        "current_password": PASSWORD, "password": "short", "confirm": "other"})
    html = response.data.decode()
    page = Page(html)
    links = summary_links(page)
    assert links, html
    for href, _text in links:
        target = page.by_id(href[1:])
        assert target is not None and target.tag in ("input", "select", "textarea")
    with app.app_context():
        assert db.session.get(User, world.patient.id) is not None
