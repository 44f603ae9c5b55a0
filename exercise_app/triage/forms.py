"""Forms for the physio's answers to alerts and notes to the patient."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, SelectChoice, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, Regexp

from ..forms import UUID, PeopleSearchForm, new_form_id, strip, unix_line_breaks
from ..models import NOTE_MAX

MESSAGE_MAX = 500


class AlertActionForm(FlaskForm):
    status = RadioField("Action", choices=[SelectChoice("acknowledged", "Acknowledge"),
                                           SelectChoice("resolved", "Resolve")],
                        validators=[InputRequired("Choose acknowledge or resolve.")])
    note = TextAreaField("Note", validators=[Optional(), Length(max=NOTE_MAX)],
                         filters=[unix_line_breaks, strip])


class MessageForm(FlaskForm):
    text = TextAreaField("Note to the patient", validators=[
        DataRequired("Write the note."), Length(max=MESSAGE_MAX)],
        filters=[unix_line_breaks, strip],
        description="Shown on the patient's Today page until you write another.")
    # New each time the page is drawn, kept when it comes back with an error: a note sent
    # twice from one page is stored once (``triage.operations.post_message``).
    client_id = HiddenField(default=new_form_id, validators=[
        DataRequired("This page is out of date: open it again to send the note."),
        Regexp(f"^{UUID}\\Z", message="This page is out of date: open it again to send the "
                                       "note.")])


class CaseloadFilterForm(PeopleSearchForm):
    level = RadioField("Alerts", choices=[
        SelectChoice("", "Everyone"), SelectChoice("critical", "Critical"),
        SelectChoice("high", "High"), SelectChoice("low", "Low"),
        SelectChoice("any", "Any open alert"), SelectChoice("none", "No open alert")],
        default="", validate_choice=True)
