"""The routine's log form (also the no-JavaScript checklist) and the morning check-in."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    Form,
    FormField,
    HiddenField,
    SelectChoice,
    SelectField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    StopValidation,
    ValidationError,
)

from ..domain.sessions import PAIN_MAX, PAIN_MIN
from ..fields import RowList, WholeNumberField
from ..forms import UUID, strip, unix_line_breaks
from ..models import NOTE_MAX, LogStatus, SkipReason, StopReason

STATUS_LABELS = {
    LogStatus.DONE: "Done",
    LogStatus.PARTIAL: "Partly done",
    LogStatus.SKIPPED: "Skipped",
    LogStatus.STOPPED: "Stopped: it hurt",
}
SKIP_LABELS = {
    SkipReason.PAIN: "Too painful to start",
    SkipReason.NO_TIME: "No time",
    SkipReason.TOO_HARD: "Too hard",
    SkipReason.NO_EQUIPMENT: "Did not have the equipment",
    SkipReason.UNWELL: "Feeling unwell",
    SkipReason.OTHER: "Another reason",
}
STOP_LABELS = {
    StopReason.PAIN_OVER_5: "Pain went above 5 out of 10",
    StopReason.PAIN_RISING: "Pain kept rising with each rep",
    StopReason.SHARP: "Sharp, catching or giving-way pain",
    StopReason.PINS_AND_NEEDLES: "New pins and needles or numbness",
    StopReason.SPREADING: "Pain spreading down the leg",
    StopReason.OTHER: "Something else",
}


def _choices(labels: dict, blank: str | None = None) -> list[SelectChoice]:
    options = [SelectChoice("", blank)] if blank else []
    return options + [SelectChoice(k.value, v) for k, v in labels.items()]


def read_as_number(form: Form, field: WholeNumberField) -> None:
    """Stop at the field's own "Enter a whole number" when what was typed could not be read:
    the checks after it would only add another message ("Number must be between ...") about
    the same typing."""
    if field.process_errors:
        raise StopValidation()


def score(label: str) -> WholeNumberField:
    return WholeNumberField(
        label,
        validators=[read_as_number, InputRequired(message="Choose a number from 0 to 10."),
                    NumberRange(PAIN_MIN, PAIN_MAX, message="Choose a number from 0 to 10.")],
    )


class ExerciseLogForm(Form):
    prescription_id = WholeNumberField(
        validators=[read_as_number, DataRequired(), NumberRange(1, 2**31 - 1)])
    status = SelectField("How did it go?", choices=_choices(STATUS_LABELS), default="done")
    sets_done = WholeNumberField(
        "Sets done", validators=[read_as_number, Optional(), NumberRange(0, 10)])
    reps_done = WholeNumberField(
        "Reps done in all", validators=[read_as_number, Optional(), NumberRange(0, 1000)])
    reps_done_other_side = WholeNumberField(
        "Reps on the right side, in all",
        validators=[read_as_number, Optional(), NumberRange(0, 1000)],
    )
    skip_reason = SelectField("Why skipped?", choices=_choices(SKIP_LABELS, "(choose)"))
    stop_reason = SelectField("Why stopped?", choices=_choices(STOP_LABELS, "(choose)"))

    # A reason given with another status would be dropped on saving: on the checklist (no
    # JavaScript) "Sharp pain" chosen while "How did it go?" stayed at Done saved a finished
    # exercise, and the physio never heard of the stop. The message stands alone under the
    # field's label (routine.html), so it is a sentence of its own.
    # A status that needs its reason is checked here too, with the rest of the form: checked
    # only on saving, after every other answer had passed, a checklist with two slips came
    # back twice, one slip at a time.
    def validate_skip_reason(self, field: SelectField) -> None:
        if field.data and self.status.data != LogStatus.SKIPPED.value:
            raise ValidationError(f"Either choose \u201c{STATUS_LABELS[LogStatus.SKIPPED]}\u201d "
                                  "for How did it go, or leave this blank.")
        if not field.data and self.status.data == LogStatus.SKIPPED.value:
            raise ValidationError("Say why an exercise was skipped.")

    def validate_stop_reason(self, field: SelectField) -> None:
        if field.data and self.status.data != LogStatus.STOPPED.value:
            raise ValidationError(f"Either choose \u201c{STATUS_LABELS[LogStatus.STOPPED]}\u201d "
                                  "for How did it go, or leave this blank.")
        if not field.data and self.status.data == LogStatus.STOPPED.value:
            raise ValidationError("Say why an exercise was stopped.")


class RoutineLogForm(FlaskForm):
    client_id = HiddenField(validators=[DataRequired(), Regexp(f"^{UUID}\\Z")])
    started_at = HiddenField(validators=[Optional(), Length(max=40)])  # the guided start
    # When the page was served: the start of a checklist sent without JavaScript, which
    # sets no start (opened at 23:40 and sent at 00:05, the session was the next day's).
    opened_at = HiddenField(validators=[Optional(), Length(max=40)])
    # A correction: when the answers it was opened with were saved. Answers saved since, in
    # another tab or on another device, are not overwritten unseen (``correct_session``).
    answers_saved_at = HiddenField(validators=[Optional(), Length(max=40)])
    pain_before = score("Pain before you started")
    exercises = RowList(FormField(ExerciseLogForm), min_entries=0, max_entries=20)
    pain_during = score("Worst pain during the exercises")
    pain_after = score("Pain now, straight after")
    effort = score("How hard was it?")
    notes = TextAreaField(
        "Anything to tell your physio?", filters=[unix_line_breaks, strip],
        validators=[Optional(), Length(max=NOTE_MAX,
                                       message=f"Keep your notes to {NOTE_MAX:,} characters.")],
    )


class MorningCheckInForm(FlaskForm):
    pain = score("Pain this morning")
