from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField
from wtforms.validators import DataRequired, Length

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


class TimeZoneForm(FlaskForm):
    time_zone = time_zone_field(default=None)  # a form sent without one changes nothing
