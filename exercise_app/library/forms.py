from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField, StringField
from wtforms.validators import Length, Optional

from ..fields import CheckboxListField
from ..forms import strip
from .labels import (
    EQUIPMENT_LABELS,
    FAMILY_LABELS,
    LEVEL_LABELS,
    POSITION_LABELS,
    PRECAUTION_LABELS_BY_VALUE,
    TARGET_LABELS,
)


def _choices(labels: dict, anything: str) -> list[SelectChoice]:
    return [SelectChoice("", anything)] + [
        SelectChoice(str(value), text) for value, text in labels.items()
    ]


class LibraryFilterForm(FlaskForm):
    """Search and filters for the library list; read from the query string."""

    class Meta:
        csrf = False  # a GET search changes nothing

    q = StringField("Search by name", validators=[Optional(), Length(max=80)], filters=[strip])
    family = SelectField("Family", choices=_choices(FAMILY_LABELS, "All families"),
                         validators=[Optional()])
    target = SelectField("Works on", choices=_choices(TARGET_LABELS, "Anything"),
                         validators=[Optional()])
    position = SelectField("Position", choices=_choices(POSITION_LABELS, "Any position"),
                           validators=[Optional()])
    equipment = SelectField("Equipment", choices=_choices(EQUIPMENT_LABELS, "Any equipment"),
                            validators=[Optional()])
    level = SelectField("Level", choices=_choices({str(k): v for k, v in LEVEL_LABELS.items()},
                                                  "Any level"), validators=[Optional()])
    # Every precaution a patient has at once (avoid=a&avoid=b); an empty value, as the single
    # choice of earlier links sent for "show everything", is no precaution.
    avoid = CheckboxListField(
        "Hide what is unsuitable for",
        choices=[SelectChoice(str(value), text)
                 for value, text in PRECAUTION_LABELS_BY_VALUE.items()],
        filters=[lambda values: [value for value in values or () if value]],
        validators=[Optional()],
    )

    def criteria(self) -> dict[str, Any]:
        """The filters that were set, by name."""
        return {name: field.data for name, field in self._fields.items() if field.data}
