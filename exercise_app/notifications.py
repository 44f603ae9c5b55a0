"""Messages the app sends by e-mail. Without SMTP settings they go to the console."""

from __future__ import annotations

from flask import current_app, render_template, url_for
from flask_mailman import EmailMessage

from . import outbox
from .models import User


def send_mail(to: str, subject: str, template: str, *, after_response: bool = False,
              **context: object) -> None:
    """Send a plain-text e-mail rendered from ``templates/mail/<template>``.

    ``after_response``: once the response has gone (the WSGI server closes it after sending),
    where ``MAIL_AFTER_RESPONSE`` is on: a page that mails only some of the addresses typed
    into it (a password reset, for those with an account) then answers as fast for all, and
    its timing no longer tells who has an account. Tests turn it off to read the mail the
    request sent straight away."""
    body = render_template(f"mail/{template}", **context)
    message = EmailMessage(subject=subject, body=body, to=[to])
    if after_response:
        outbox.after_response(lambda: _send(message, subject, to))
    else:
        _send(message, subject, to)


def _send(message: EmailMessage, subject: str, to: str) -> None:
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


def queue_red_flag_alert(physio: User, patient: User) -> int:
    """Queue the e-mail that tells the physio at once that a patient answered yes to a safety
    question (sent after the commit, and tried again until it goes: ``outbox``); return its id.

    The message names neither the patient nor a symptom: who and what are behind the sign-in
    (a link to the patient's page), not in an inbox.
    """
    return outbox.queue_mail(
        patient.clinic_id,
        physio.email,
        "Critical alert: a patient needs you",
        "red_flag.txt",
        name=physio.display_name,
        link=url_for("clinician.patient", patient_id=patient.id, _external=True),
    ).id
