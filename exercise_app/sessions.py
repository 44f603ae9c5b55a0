"""Signing in and out, and the idle and absolute session limits checked on every request."""

from __future__ import annotations

import time

from flask import Flask, current_app, flash, redirect, request, session, url_for
from flask_login import current_user, login_user, logout_user, user_loaded_from_cookie
from sqlalchemy import bindparam, select

from .extensions import db, login_manager
from .models import Role, User

AUTH_AT = "auth_at"
SEEN_AT = "seen_at"
SEEN_RESOLUTION = 60  # seconds; rewrite the cookie at most once a minute for idle tracking


def start_session(user: User, remember: bool = False) -> None:
    """Sign ``user`` in on a fresh session (no state carried over from before sign-in)."""
    # Unwrap ``current_user``: storing the proxy itself as the signed-in user would make it
    # point at itself for the rest of the request.
    unwrap = getattr(user, "_get_current_object", None)
    user = unwrap() if unwrap is not None else user
    session.clear()
    login_user(user, remember=remember and user.role == Role.PATIENT)
    now = int(time.time())
    session[AUTH_AT] = now
    session[SEEN_AT] = now
    session.permanent = True


def end_session() -> None:
    """Sign out this browser and forget everything in its session."""
    logout_user()
    session.clear()


USER_BY_TOKEN = select(User).where(User.session_token == bindparam("token"))  # built once


@login_manager.user_loader
def load_user(session_token: str) -> User | None:
    """Find the user whose current session token this cookie carries."""
    if not session_token:
        return None
    return db.session.scalar(USER_BY_TOKEN, {"token": session_token})


def _restored_from_cookie(_app: Flask, user: User) -> None:
    now = int(time.time())
    session[AUTH_AT] = now
    session[SEEN_AT] = now


def enforce_session_limits() -> object | None:
    """Sign out sessions that were idle too long or are older than the absolute limit."""
    if not current_user.is_authenticated or request.endpoint == "static":
        return None
    config = current_app.config
    now = int(time.time())
    auth_at = session.get(AUTH_AT, 0)
    seen_at = session.get(SEEN_AT, 0)
    idle = (
        config["CLINICIAN_IDLE_TIMEOUT"]
        if current_user.is_clinician
        else config["PATIENT_IDLE_TIMEOUT"]
    )
    too_old = now - auth_at > config["ABSOLUTE_SESSION_TIMEOUT"].total_seconds()
    too_idle = now - seen_at > idle.total_seconds()
    if too_old or too_idle:
        end_session()
        flash("You were signed out to keep your information safe. Please sign in again.", "info")
        return redirect(url_for("auth.login", next=request.path))
    if now - seen_at >= SEEN_RESOLUTION:
        session[SEEN_AT] = now
    return None


def init_app(app: Flask) -> None:
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please sign in to see this page."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    user_loaded_from_cookie.connect(_restored_from_cookie, app)
    app.before_request(enforce_session_limits)
