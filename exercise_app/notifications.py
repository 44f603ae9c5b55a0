"""Messages the app sends by e-mail. Without SMTP settings they go to the console."""

from __future__ import annotations

from flask import current_app, render_template, url_for
from flask_mailman import EmailMessage

from .models import User


def send_mail(to: str, subject: str, template: str, **context: object) -> None:
    """Send a plain-text e-mail rendered from ``templates/mail/<template>``."""
    body = render_template(f"mail/{template}", **context)
    message = EmailMessage(subject=subject, body=body, to=[to])
    try:
        message.send()
    except OSError:
        # The link is also shown on screen (invitations) or can be requested again (resets),
        # so a mail outage is logged rather than turned into an error page.
        current_app.logger.exception("Could not send %r to %s", subject, to)


def send_invitation(person: User, inviter: User, token: str) -> str:
    """E-mail an invitation link to ``person`` and return the link to show on screen."""
    link = url_for("auth.accept_invitation", token=token, _external=True)
    days = current_app.config["INVITATION_TTL"].days
    send_mail(
        person.email,
        "Your exercise programme account",
        "invitation.txt",
        name=person.display_name,
        inviter=inviter.display_name,
        link=link,
        expires=f"in {days} days",
    )
    return link


def send_red_flag_alert(physio: User, patient: User) -> None:
    """Tell the physio at once that a patient answered yes to a safety question.

    The message names no symptom: the details are behind the sign-in.
    """
    send_mail(
        physio.email,
        "Critical alert: a patient needs you",
        "red_flag.txt",
        name=physio.display_name,
        patient=patient.display_name,
        link=url_for("clinician.patient", patient_id=patient.id, _external=True),
    )
