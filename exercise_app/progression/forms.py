"""Forms for the physio's progression controls: settings, and answering a decision."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import RadioField, SelectChoice, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from ..domain.progression import SETTINGS, RuleSettings
from ..fields import CheckboxListField, WholeNumberField
from ..forms import strip, unix_line_breaks
from ..models import NOTE_MAX, ProgressionMode

MODE_LABELS = {
    ProgressionMode.AUTO: "Apply decisions automatically",
    ProgressionMode.APPROVE: "Hold progressions for my approval (step-downs still apply at "
                             "once)",
}


class _SettingsBase(FlaskForm):
    mode = RadioField("How decisions apply",
                      choices=[SelectChoice(m.value, t) for m, t in MODE_LABELS.items()],
                      default=ProgressionMode.AUTO.value, validators=[InputRequired()])
    baseline_pain = WholeNumberField(
        "Usual pain (0-10)", validators=[Optional(), NumberRange(0, 10)],
        description="The patient's usual pain level. Left empty, the median pain before "
                    "their first 3 sessions is used.")
    locked = CheckboxListField("Lock the dose of", choices=[], validate_choice=True)


def _settings_form_class() -> type[_SettingsBase]:
    defaults = RuleSettings()
    fields: dict[str, Any] = {
        info.name: WholeNumberField(
            info.label, default=getattr(defaults, info.name),
            validators=[InputRequired("Give a whole number."),
                        NumberRange(info.low, info.high)],
            description=info.source,
        )
        for info in SETTINGS
    }
    return type("SettingsForm", (_SettingsBase,), fields)


SettingsForm = _settings_form_class()


def threshold_values(form: _SettingsBase) -> dict[str, int]:
    return {info.name: getattr(form, info.name).data for info in SETTINGS}


class ReviewForm(FlaskForm):
    """Approve or reject a decision that waits for approval."""

    note = TextAreaField("Note (optional)", validators=[Optional(), Length(max=NOTE_MAX)],
                         filters=[unix_line_breaks, strip])


class OverrideForm(FlaskForm):
    """The physio's own dose instead of the rules', with a note saying why."""

    sets = WholeNumberField("Sets", validators=[InputRequired("Give the sets."),
                                                NumberRange(1, 10)])
    reps = WholeNumberField("Reps", validators=[Optional(), NumberRange(1, 100)])
    hold_seconds = WholeNumberField("Hold (s)", validators=[Optional(), NumberRange(1, 600)])
    note = TextAreaField("Why", validators=[InputRequired("Say why you are overriding."),
                                            Length(max=NOTE_MAX)],
                       filters=[unix_line_breaks, strip])
