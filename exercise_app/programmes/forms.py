"""The physio's programme editor and the patient's precautions."""

from __future__ import annotations

import re

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    Form,
    FormField,
    HiddenField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)

from ..fields import CheckboxListField, RowList, WholeNumberField
from ..forms import strip, unix_line_breaks
from ..library.labels import PRECAUTION_LABELS_BY_VALUE
from ..models import NOTE_MAX, Side

MAX_EXERCISES = 12
TEMPO_MAX = 20  # seconds a phase of a rep may take
BLANK_ROWS = 3
WEEKDAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
SIDE_LABELS = {
    Side.BOTH: "Both sides together",
    Side.EACH: "Each side in turn",
    Side.LEFT: "Left only",
    Side.RIGHT: "Right only",
}


def _frequency(n: int) -> SelectChoice:
    """N days a week, on any days (``scheduling.DayPlan``): the patient is asked for N
    sessions in each Monday-to-Sunday week and chooses the days. Short enough for a phone's
    select box."""
    return SelectChoice(str(n), "Every day" if n == 7 else
                        "Once a week, any day" if n == 1 else f"{n} days a week, any days")


FREQUENCIES = [_frequency(n) for n in range(1, 8)]
FREQUENCIES.append(SelectChoice("days", "On the weekdays ticked"))


class PrescriptionForm(Form):
    """One row of the programme editor."""

    exercise = SelectField("Exercise", choices=[], validate_choice=False)
    position = WholeNumberField("Order", validators=[Optional(), NumberRange(0, 99)])
    sets = WholeNumberField("Sets", validators=[Optional(), NumberRange(1, 10)])
    reps = WholeNumberField("Reps", validators=[Optional(), NumberRange(1, 100)])
    hold_seconds = WholeNumberField("Hold (s)", validators=[Optional(), NumberRange(1, 600)])
    rest_seconds = WholeNumberField("Rest (s)", validators=[Optional(), NumberRange(0, 600)])
    # Blank: as the library does the exercise (each side in turn, or both together).
    side = SelectField("Side", default="", choices=[
        SelectChoice("", "As the exercise is done"),
        *(SelectChoice(s.value, t) for s, t in SIDE_LABELS.items())])
    tempo = StringField("Tempo", validators=[Optional(), Length(max=8)], filters=[strip],
                        description="Seconds up-pause-down, e.g. 2-1-2")
    load_note = StringField("Load", validators=[Optional(), Length(max=200)], filters=[strip],
                            description="e.g. red band, 4 kg")
    frequency = SelectField("How often", choices=FREQUENCIES, default="3")
    weekdays = CheckboxListField(
        "Weekdays", choices=[SelectChoice(str(i), n) for i, n in enumerate(WEEKDAY_NAMES)]
    )
    remove = BooleanField("Remove")

    @property
    def is_blank(self) -> bool:
        return not self.exercise.data

    def validate_tempo(self, field: StringField) -> None:
        # ASCII digits: "\d" also passed Arabic-Indic and full-width ones (security.md trap 3).
        if not field.data:
            return
        parts = re.fullmatch(r"([0-9]{1,2})-([0-9]{1,2})-([0-9]{1,2})", field.data)
        seconds = [int(p) for p in parts.groups()] if parts else []
        if not seconds or max(seconds) > TEMPO_MAX or not any(seconds):
            raise ValidationError(f"Use three numbers of seconds from 0 to {TEMPO_MAX}, not all "
                                  "0, such as 2-1-2.")


class ProgrammeForm(FlaskForm):
    # The number of the newest version when the editor was opened (0: none): saving over a
    # version made since would silently undo it.
    based_on = HiddenField(validators=[InputRequired(), Regexp(r"^[0-9]{1,9}\Z")])
    # Whether the patient had exercised today when the editor was opened ("1" or "0"): the
    # start date it offered (today, or tomorrow once today's session is done) is stale if
    # they logged a session since (``editor.start_date_in_range``).
    exercised_today = HiddenField(validators=[Optional(), Regexp(r"^[01]\Z")])
    start_date = DateField("Start date", validators=[InputRequired()])
    note = TextAreaField(
        "Note to the patient", validators=[Optional(), Length(max=NOTE_MAX)],
        filters=[unix_line_breaks, strip],
        description="Shown on their programme page, e.g. what to focus on this fortnight.",
    )
    exercises = RowList(FormField(PrescriptionForm), min_entries=0,
                          max_entries=MAX_EXERCISES + BLANK_ROWS)
    confirm_precautions = BooleanField(
        "I have checked that the flagged exercises suit this patient"
    )
    # Which warnings the tick is for (``editor.clash_key``): a tick given for one exercise, or
    # sent without the warnings ever shown, confirmed whatever else was flagged.
    confirmed_clashes = HiddenField(validators=[Optional(), Length(max=64)])


class TemplatePickForm(FlaskForm):
    """Start the editor from a programme template's stage (a GET form)."""

    class Meta:
        csrf = False

    template = SelectField("Template", choices=[], validate_choice=False)
    stage = WholeNumberField("Stage", validators=[Optional(), NumberRange(1, 4)], default=1)


class PrecautionsForm(FlaskForm):
    precautions = CheckboxListField(
        "Conditions to take care with",
        choices=[SelectChoice(k, v) for k, v in PRECAUTION_LABELS_BY_VALUE.items()],
        description="Exercises tagged with these are flagged in the programme editor.",
    )
