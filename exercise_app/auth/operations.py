"""Account writes. Operations add and flush; the request commits once."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update

from ..extensions import db
from ..models import Invitation, PasswordReset, User, new_session_token, now_utc
from ..security import hash_password, hash_token, needs_rehash, new_link_token, verify_password


def authenticate(email: str, password: str) -> User | None:
    """Return the active user with these credentials, or None. Unknown e-mails cost the same."""
    user = db.session.scalar(select(User).where(User.email == email))
    if not verify_password(user.password_hash if user else None, password):
        return None
    assert user is not None and user.password_hash is not None
    if not user.is_active:
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def sign_out_everywhere(user: User) -> None:
    """Rotate the session token so every existing session cookie stops working."""
    user.session_token = new_session_token()


def set_password(user: User, password: str) -> None:
    """Set a new password, sign out every other session, and spend every reset and
    invitation link still open for the user: a link sent before (perhaps to a mailbox
    someone else reads, or one they never asked for) sets no other password after it."""
    user.password_hash = hash_password(password)
    sign_out_everywhere(user)
    now = now_utc()
    for link in (PasswordReset, Invitation):
        db.session.execute(update(link).where(link.user_id == user.id, link.used_at.is_(None))
                           .values(used_at=now))


def set_time_zone(user: User, time_zone: str) -> None:
    """Set the zone the user's days are counted in (a patient's Today, streak and logs)."""
    user.time_zone = time_zone


def create_invitation(user: User, invited_by: User, ttl: timedelta) -> str:
    """Create a single-use invitation for ``user`` and return its token (only its hash is kept)."""
    token, token_hash = new_link_token()
    db.session.add(
        Invitation(
            user=user,
            invited_by_id=invited_by.id,
            token_hash=token_hash,
            expires_at=now_utc() + ttl,
        )
    )
    db.session.flush()
    return token


def find_invitation(token: str, now: datetime | None = None) -> Invitation | None:
    """Return the unused, unexpired invitation for ``token``, while its user has not joined:
    once they have a password, a link sent before (a physio may send another) sets none."""
    return db.session.scalar(
        select(Invitation).join(User, User.id == Invitation.user_id).where(
            Invitation.token_hash == hash_token(token),
            Invitation.used_at.is_(None),
            Invitation.expires_at > (now or now_utc()),
            User.password_hash.is_(None),
        )
    )


class LinkSpent(Exception):
    """Another request used the link between this one finding it and using it."""


def _spend(link: Invitation | PasswordReset) -> None:
    """Mark a link used, or raise LinkSpent if another request did so first: the UPDATE waits
    for that request's transaction and then finds the link used (a double tap on the link's
    form set two passwords, the first of which silently stopped working)."""
    model = type(link)
    spent = db.session.execute(
        update(model).where(model.id == link.id, model.used_at.is_(None))
        .values(used_at=now_utc()).execution_options(synchronize_session=False))
    if spent.rowcount != 1:
        raise LinkSpent


def accept_invitation(invitation: Invitation, password: str, time_zone: str) -> User:
    """Set the invited user's password and time zone; the invitation is spent with every
    other link they were sent (``set_password``). LinkSpent if it was used just now."""
    _spend(invitation)
    user = invitation.user
    set_password(user, password)
    user.time_zone = time_zone
    db.session.flush()
    return user


def create_password_reset(user: User, ttl: timedelta) -> str:
    """Create a single-use reset token for ``user`` and return it."""
    token, token_hash = new_link_token()
    db.session.add(PasswordReset(user=user, token_hash=token_hash, expires_at=now_utc() + ttl))
    db.session.flush()
    return token


def find_password_reset(token: str) -> PasswordReset | None:
    """Return the unused, unexpired reset for ``token`` whose user may still sign in."""
    reset = db.session.scalar(
        select(PasswordReset).where(
            PasswordReset.token_hash == hash_token(token),
            PasswordReset.used_at.is_(None),
            PasswordReset.expires_at > now_utc(),
        )
    )
    if reset is None or not reset.user.is_active:
        return None
    return reset


def reset_password(reset: PasswordReset, password: str) -> None:
    """Set the new password; the link is spent with every other one (``set_password``).
    LinkSpent if it was used just now."""
    _spend(reset)
    set_password(reset.user, password)
    db.session.flush()


def user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == email))
