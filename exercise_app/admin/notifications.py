"""E-mails to a clinic's admins."""

from __future__ import annotations

from flask import current_app, url_for

from ..models import User
from ..outbox import queue_mail
from .queries import active_admins

NO_PHYSIO_SUBJECT = "Critical alert: a patient with no active physio needs you"


def queue_red_flag_to_admins(patient: User) -> list[int]:
    """Queue the e-mails (``outbox``) that tell each active admin of the patient's clinic at
    once that a patient without an active physio answered yes to a safety question, with a
    link to the page where they choose a physio to take the patient over.

    The message names neither the patient nor a symptom: the details are behind the sign-in.
    Returns the e-mails' ids.
    """
    admins = active_admins(patient.clinic_id)
    if not admins:
        current_app.logger.error("A red-flag alert of patient %s reached nobody: their clinic "
                                 "has no active physio for them and no active admin", patient.id)
    link = url_for("admin.users", _external=True)
    # One e-mail each: admins do not see each other's addresses.
    return [queue_mail(patient.clinic_id, admin.email, NO_PHYSIO_SUBJECT,
                       "red_flag_no_physio.txt", name=admin.display_name, link=link).id
            for admin in admins]
