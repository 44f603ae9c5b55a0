from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms.validators import NumberRange, Optional

from ..clinician.forms import InviteForm
from ..fields import WholeNumberField

MAX_ID = 2**31 - 1  # PostgreSQL's integer, as the id converter of the URLs


class NewPhysioForm(InviteForm):
    pass


class DeactivateForm(FlaskForm):
    """Deactivating an account: for a physio with patients, who takes them over (a user id,
    checked against the clinic's active physios by the view)."""

    takeover = WholeNumberField("Who takes over their patients",
                                validators=[Optional(), NumberRange(min=1, max=MAX_ID)])
