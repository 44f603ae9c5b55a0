from __future__ import annotations

from ..clinician.forms import InviteForm


class NewPhysioForm(InviteForm):
    pass
