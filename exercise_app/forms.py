"""Form fields and validators shared by every feature's forms."""

from __future__ import annotations

from typing import Any
from uuid import uuid4
from zoneinfo import available_timezones

from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional, ValidationError

from .domain.passwords import MAX_LENGTH, password_problems
from .models import EMAIL_MAX, NAME_MAX

# A form's id, made where the form is shown (a UUID): what it sends twice is stored once.
UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"


def new_form_id() -> str:
    """A new id for a form drawn on a page (``UUID``)."""
    return str(uuid4())

TIME_ZONES = sorted(available_timezones() - {"localtime", "Factory"})
# The zones people pick from, by region and named by their place ("Buenos Aires", not
# "America/Argentina/Buenos_Aires"); UTC, and the old names a stored zone may still have
# (GB, US/Eastern, Etc/GMT+5, whose sign is the reverse of what it reads), come last.
REGIONS = ("Africa", "America", "Antarctica", "Arctic", "Asia", "Atlantic", "Australia",
           "Europe", "Indian", "Pacific")
OTHER_ZONES = "Other names"


def _place(zone: str) -> str:
    return " / ".join(part.replace("_", " ") for part in zone.split("/")[1:])


def _zone_choices() -> list[SelectChoice]:
    """Every zone as a choice in its region's group (``optgroup``), by place within it."""
    choices = [SelectChoice("UTC", "UTC", optgroup="UTC")]
    for region in REGIONS:
        places = [zone for zone in TIME_ZONES if zone.split("/")[0] == region and "/" in zone]
        choices += sorted((SelectChoice(zone, _place(zone), optgroup=region) for zone in places),
                          key=lambda choice: choice.label)
    named = {choice.value for choice in choices}
    return choices + [SelectChoice(zone, zone.replace("_", " "), optgroup=OTHER_ZONES)
                      for zone in TIME_ZONES if zone not in named]


ZONE_CHOICES = _zone_choices()


def normalise_email(value: str | None) -> str:
    """Compare and store e-mail addresses trimmed and lower-cased."""
    return (value or "").strip().lower()


def strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def unix_line_breaks(value: Any) -> Any:
    """Line breaks as "\\n": browsers send a textarea's as "\\r\\n" but count them as one
    character for its maxlength, so a note the browser let through was refused as too long."""
    return value.replace("\r\n", "\n").replace("\r", "\n") if isinstance(value, str) else value


def email_field(label: str = "E-mail address") -> EmailField:
    return EmailField(
        label,
        validators=[DataRequired(), Length(max=EMAIL_MAX), Email(check_deliverability=False)],
        filters=[normalise_email],
        render_kw={"autocomplete": "email", "spellcheck": "false"},
    )


def name_field(label: str = "Name") -> StringField:
    return StringField(
        label,
        validators=[DataRequired(), Length(max=NAME_MAX)],
        filters=[strip],
        render_kw={"autocomplete": "name"},
    )


def time_zone_field(default: str | None = "Europe/London") -> SelectField:
    return SelectField(
        "Time zone",
        choices=ZONE_CHOICES,
        default=default,
        description="Used to work out which day it is for you.",
    )


class NewPasswordForm(FlaskForm):
    """A new password with its confirmation, checked against the password policy."""

    password = PasswordField(
        "New password",
        validators=[DataRequired(), Length(max=MAX_LENGTH)],
        description="At least 12 characters. A few unrelated words make a good one.",
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        "Repeat the new password",
        validators=[DataRequired(), EqualTo("password", message="The two passwords differ.")],
        render_kw={"autocomplete": "new-password"},
    )

    account_email = ""
    account_name = ""

    def validate_password(self, field: PasswordField) -> None:
        problems = password_problems(
            field.data or "", email=self.account_email, display_name=self.account_name
        )
        if problems:
            raise ValidationError(" ".join(problems))


class PeopleSearchForm(FlaskForm):
    """A GET form that searches people by name or e-mail (the caseload, the clinic's users);
    subclasses add their filters."""

    class Meta:
        csrf = False  # a GET search form changes nothing

    q = StringField("Search by name or e-mail", validators=[Optional(), Length(max=80)],
                    filters=[strip])
