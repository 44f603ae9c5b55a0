"""A new invitation link, sent by a physio (their patient) or a clinic admin (anyone of the
clinic): both pages refuse the same way and answer with the same page."""

from __future__ import annotations

from flask import current_app, render_template

from .auth.operations import create_invitation
from .extensions import db
from .models import User
from .notifications import send_invitation


def new_invitation(person: User, inviter: User, when_deactivated: str):
    """E-mail ``person`` a new link and show it (201); 409 once they have joined, or while
    their account is deactivated (``when_deactivated`` says what to do about it)."""
    if person.has_accepted:
        return render_template(
            "errors/error.html", code=409, title="Already joined",
            text=f"{person.display_name} has already set up their account.",
        ), 409
    if not person.active:
        return render_template(
            "errors/error.html", code=409, title="Account deactivated",
            text=f"{person.display_name}'s account is deactivated, so an invitation link "
                 f"would not work: {when_deactivated}",
        ), 409
    token = create_invitation(person, inviter, current_app.config["INVITATION_TTL"])
    db.session.commit()
    link = send_invitation(person, inviter, token)
    return render_template("clinician/invited.html", person=person, link=link), 201
