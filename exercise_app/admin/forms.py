from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import RadioField, SelectChoice
from wtforms.validators import NumberRange, Optional

from ..clinician.forms import InviteForm
from ..fields import WholeNumberField
from ..forms import PeopleSearchForm

MAX_ID = 2**31 - 1  # PostgreSQL's integer, as the id converter of the URLs


class NewPhysioForm(InviteForm):
    pass


class DeactivateForm(FlaskForm):
    """Deactivating an account: for a physio with patients, who takes them over (a user id,
    checked against the clinic's active physios by the view)."""

    takeover = WholeNumberField("Who takes over their patients",
                                validators=[Optional(), NumberRange(min=1, max=MAX_ID)])


class PeopleFilterForm(PeopleSearchForm):
    """The users page's search: by name or e-mail, role and account."""

    role = RadioField("Role", choices=[
        SelectChoice("", "Everyone"), SelectChoice("physio", "Physios"),
        SelectChoice("patient", "Patients"), SelectChoice("admin", "Admins")],
        default="", validate_choice=True)
    account = RadioField("Account", choices=[
        SelectChoice("", "Any"), SelectChoice("active", "Active"),
        SelectChoice("invited", "Invited"), SelectChoice("deactivated", "Deactivated")],
        default="", validate_choice=True)

    def query(self, **more: object) -> dict[str, object]:
        """The filters set, as the query string of a link that keeps them (empty ones
        left out), with ``more`` (e.g. the page)."""
        return {name: value for name, value in (
            ("q", self.q.data), ("role", self.role.data), ("account", self.account.data),
            *more.items()) if value}
