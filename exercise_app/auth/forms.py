from __future__ import annotations

from collections.abc import Callable

from flask_wtf import FlaskForm
from wtforms import BooleanField, Field, PasswordField
from wtforms.validators import DataRequired, Length, ValidationError

from ..domain.passwords import MAX_LENGTH
from ..forms import NewPasswordForm, email_field, time_zone_field


class LoginForm(FlaskForm):
    email = email_field()
    password = PasswordField(
        "Password",
        validators=[DataRequired(), Length(max=MAX_LENGTH)],
        render_kw={"autocomplete": "current-password"},
    )
    remember = BooleanField(
        "Keep me signed in on this device",
        description="Patients only; clinicians are always signed out after 30 idle minutes.",
    )


class ForgotPasswordForm(FlaskForm):
    email = email_field()


class ResetPasswordForm(NewPasswordForm):
    pass


class AcceptInvitationForm(NewPasswordForm):
    time_zone = time_zone_field()


class ChangePasswordForm(NewPasswordForm):
    current_password = PasswordField(
        "Current password",
        validators=[DataRequired(), Length(max=MAX_LENGTH)],
        render_kw={"autocomplete": "current-password"},
    )
    # Set by the view: whether a password is the account's. Checked with the other fields, so
    # a wrong one is said with the first refusal (it was checked only once the rest passed).
    is_current: Callable[[str], bool] | None = None

    def validate_current_password(self, field: Field) -> None:
        if self.is_current is not None and not self.is_current(field.data):
            raise ValidationError("That is not your current password.")


class TimeZoneForm(FlaskForm):
    time_zone = time_zone_field(default=None)  # a form sent without one changes nothing
