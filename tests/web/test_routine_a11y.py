"""The routine's log form for screen readers and keyboards: each exercise's fields are named
for it, an error is tied to the control it is about, and a note the browser accepts is kept."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from sqlalchemy import select

from exercise_app.extensions import db
from exercise_app.models import NOTE_MAX, ExerciseSession
from tests.web.test_daily_loop import refused_log, routine_form


class Element:
    def __init__(self, tag: str, attrs: dict[str, str]) -> None:
        self.tag = tag
        self.attrs = attrs
        self.text = ""


class Page(HTMLParser):
    """A page's elements with their attributes and text (html.parser, no dependency)."""

    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
            "source", "track", "wbr"}

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[Element] = []
        self._open: list[Element] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        element = Element(tag, {k: v or "" for k, v in attrs})
        self.elements.append(element)
        if tag not in self.VOID:
            self._open.append(element)

    def handle_endtag(self, tag):
        for i in range(len(self._open) - 1, -1, -1):
            if self._open[i].tag == tag:
                del self._open[i:]
                break

    def handle_data(self, data):
        for element in self._open:
            element.text += data

    def by_id(self, value: str) -> Element | None:
        return next((e for e in self.elements if e.attrs.get("id") == value), None)

    def named(self, name: str) -> Element:
        return next(e for e in self.elements if e.attrs.get("name") == name
                    and e.tag in ("input", "select", "textarea"))

    def errors(self) -> list[str]:
        return [" ".join(e.text.split()) for e in self.elements
                if e.tag == "p" and "error" in e.attrs.get("class", "").split()]

    def description(self, element: Element) -> str:
        """The text of the elements ``aria-describedby`` names, each of which must exist."""
        ids = element.attrs.get("aria-describedby", "").split()
        assert ids, f"{element.attrs.get('name')} has no aria-describedby"
        found = [self.by_id(i) for i in ids]
        assert None not in found, f"aria-describedby names a missing id: {ids}"
        return " ".join(" ".join(e.text.split()) for e in found)


@pytest.fixture
def patient_client(client, auth, loop):
    auth.login(loop.patient)
    return client


def test_each_exercise_fieldset_names_its_exercise(patient_client, library):
    """Every exercise's fieldset was "What you did": a screen reader moving by form fields
    heard the same name three times and not which exercise the fields were for."""
    page = Page(patient_client.get("/routine?all=1").data.decode())
    legends = [" ".join(e.text.split()) for e in page.elements if e.tag == "legend"
               and e.text.startswith("What you did")]
    names = [library.exercises[slug].name for slug in ("glute-bridge", "clam", "knee-to-chest")]
    assert legends == [f"What you did: {name}" for name in names]


@pytest.mark.parametrize(
    ("changes", "control", "message"),
    [({"exercises-0-sets_done": "12"}, "exercises-0-sets_done",
      "Number must be between 0 and 10."),
     ({"exercises-1-reps_done": "abc"}, "exercises-1-reps_done",
      "Enter a whole number, such as 3."),
     ({"exercises-1-reps_done_other_side": "2.5"}, "exercises-1-reps_done_other_side",
      "Enter a whole number, such as 3."),
     ({"exercises-0-skip_reason": "no-time"}, "exercises-0-skip_reason",
      "Either choose \u201cSkipped\u201d for How did it go, or leave this blank."),
     ({"exercises-2-stop_reason": "sharp-or-giving-way"}, "exercises-2-stop_reason",
      "Either choose \u201cStopped: it hurt\u201d for How did it go, or leave this blank.")],
    ids=["sets-over-range", "reps-abc", "reps-not-whole", "skip-reason-with-done",
         "stop-reason-with-done"],
)
def test_an_exercise_field_error_is_tied_to_its_control(app, patient_client, changes, control,
                                                        message):
    """The messages were paragraphs after the row's fields, with no id and nothing on the
    control: a screen reader on the field heard no error. Now the control is marked invalid
    and described by its message, as _forms.html's field() does; "abc" gets one message, not
    also "Number must be between 0 and 1000"."""
    form = routine_form(patient_client)
    form.update(changes)
    page = Page(refused_log(app, patient_client, form))
    field = page.named(control)
    assert field.attrs.get("aria-invalid") == "true"
    assert page.description(field) == message
    assert page.errors() == [message]  # the one message, shown once


def test_an_unreadable_pain_score_gets_one_message(patient_client):
    form = routine_form(patient_client)
    form["pain_after"] = "abc"
    response = patient_client.post("/routine", data=form)
    assert response.status_code == 422
    assert Page(response.data.decode()).errors() == ["Enter a whole number, such as 3."]


def test_every_description_on_the_error_page_exists(patient_client):
    form = routine_form(patient_client)
    form.update({"exercises-0-sets_done": "x", "exercises-1-skip_reason": "no-time",
                 "pain_before": "", "notes": "n" * (NOTE_MAX + 1)})
    page = Page(patient_client.post("/routine", data=form).data.decode())
    described = [e for e in page.elements if "aria-describedby" in e.attrs]
    assert len(described) >= 4
    for element in described:
        page.description(element)
    invalid = {e.attrs["name"] for e in page.elements if e.attrs.get("aria-invalid") == "true"}
    assert invalid == {"exercises-0-sets_done", "exercises-1-skip_reason", "notes"}


@pytest.mark.parametrize("line_break", ["\r\n", "\r"])
def test_a_note_at_the_limit_with_line_breaks_is_saved(app, patient_client, line_break):
    """Browsers count a line break as one character for maxlength but send it as "\\r\\n":
    a note the textarea let through was refused as longer than 2000 characters."""
    lines = ["a" * 199] * 9 + ["a" * 200]
    note = line_break.join(lines)
    assert len(note.replace(line_break, "\n")) == NOTE_MAX  # as the browser counts it
    form = routine_form(patient_client)
    form["notes"] = note
    response = patient_client.post("/routine", data=form)
    assert response.status_code == 303, Page(response.data.decode()).errors()
    with app.app_context():
        stored = db.session.scalar(select(ExerciseSession.notes).order_by(
            ExerciseSession.id.desc()).limit(1))
    assert stored == "\n".join(lines)


def test_a_note_over_the_limit_says_so_plainly(app, patient_client):
    form = routine_form(patient_client)
    form["notes"] = "x" * (NOTE_MAX + 1)
    html = refused_log(app, patient_client, form)
    page = Page(html)
    notes = page.named("notes")
    assert notes.attrs.get("maxlength") == str(NOTE_MAX)
    assert notes.attrs.get("aria-invalid") == "true"
    assert page.description(notes) == "Keep your notes to 2,000 characters."
    assert "Field cannot be longer" not in html
