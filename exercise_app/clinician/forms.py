from __future__ import annotations

from flask_wtf import FlaskForm

from ..forms import email_field, name_field


class InviteForm(FlaskForm):
    display_name = name_field("Full name")
    email = email_field()
