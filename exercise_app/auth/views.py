"""Sign in and out, password reset and change, accepting an invitation."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required

from ..extensions import db, form_email_key, limiter
from ..models import Role
from ..notifications import send_mail
from ..pages import invalid
from ..sessions import end_session, start_session
from ..triage.operations import refresh_patient
from . import devices, operations
from .forms import (
    AcceptInvitationForm,
    ChangePasswordForm,
    ForgotPasswordForm,
    LoginForm,
    ResetPasswordForm,
    TimeZoneForm,
)

bp = Blueprint("auth", __name__)

LOGIN_FAILED = "That e-mail address and password do not match an active account."


F = TypeVar("F", bound=Callable[..., Any])


def _failed(response: object) -> bool:
    """Count a request against a limit unless it succeeded (a redirect)."""
    return getattr(response, "status_code", 500) not in (302, 303)


def safe_next(target: str | None) -> str | None:
    """Allow only same-site relative paths as a post-login redirect."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def _password_guess_limits(account_key: Callable[[], str]) -> Callable[[F], F]:
    """The limits on a POST that checks a password: per client address, and per account
    (``account_key``), failures only. Every page that checks one shares the account's
    budget, so guesses cannot be spread over several."""
    def decorate(view: F) -> F:
        view = limiter.limit(lambda: current_app.config["RATELIMIT_LOGIN_ACCOUNT"],
                             key_func=account_key, methods=["POST"], deduct_when=_failed,
                             scope="login-account")(view)
        return limiter.limit(lambda: current_app.config["RATELIMIT_LOGIN"], methods=["POST"],
                             deduct_when=_failed)(view)
    return decorate


@bp.route("/login", methods=["GET", "POST"])
@_password_guess_limits(devices.attempt_key)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    if form.validate_on_submit():
        user = operations.authenticate(form.email.data, form.password.data)
        if user is not None:
            db.session.commit()  # a rehashed password
            start_session(user, remember=form.remember.data)
            return devices.remember(
                redirect(safe_next(request.args.get("next")) or url_for("main.home"), 303),
                user.email)
        form.form_errors.append(LOGIN_FAILED)
        return render_template("auth/login.html", form=form), 401
    return invalid("auth/login.html", form=form)


@bp.post("/logout")
@login_required
def logout():
    operations.sign_out_everywhere(current_user)
    db.session.commit()
    end_session()
    flash("You are signed out.", "info")
    return redirect(url_for("auth.login"), 303)


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_RESET"], methods=["POST"])
@limiter.limit(
    lambda: current_app.config["RATELIMIT_RESET"],
    key_func=form_email_key,
    methods=["POST"],
    scope="reset-account",
)
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        user = operations.user_by_email(form.email.data)
        if user is not None and user.is_active:
            token = operations.create_password_reset(
                user, current_app.config["PASSWORD_RESET_TTL"]
            )
            db.session.commit()
            link = url_for("auth.reset_password", token=token, _external=True)
            send_mail(  # after the response: its timing must not tell who has an account
                user.email, "Reset your password", "password_reset.txt", after_response=True,
                name=user.display_name, link=link,
            )
        flash(
            "If that address belongs to an account, a link to reset the password is on its "
            "way. It works for one hour.",
            "info",
        )
        return redirect(url_for("auth.login"), 303)
    return invalid("auth/forgot_password.html", form=form)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_RESET"], methods=["POST"])
def reset_password(token: str):
    reset = operations.find_password_reset(token)
    if reset is None:
        return render_template("auth/link_invalid.html"), 404
    form = ResetPasswordForm()
    form.account_email, form.account_name = reset.user.email, reset.user.display_name
    if form.validate_on_submit():
        try:
            operations.reset_password(reset, form.password.data)
        except operations.LinkSpent:  # the same link, sent twice at once: the other set it
            db.session.rollback()
            return render_template("auth/link_invalid.html"), 404
        db.session.commit()
        flash("Your password is changed. Please sign in with it.", "success")
        return redirect(url_for("auth.login"), 303)
    return invalid("auth/reset_password.html", form=form)


@bp.route("/invitations/<token>", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_RESET"], methods=["POST"])
def accept_invitation(token: str):
    invitation = operations.find_invitation(token)
    if invitation is None or not invitation.user.active:
        return render_template("auth/link_invalid.html"), 404
    # Someone signed in stays signed in until the new account is made (``start_session``
    # then starts afresh): opening a link must change nothing, or any page could sign a
    # user out by linking to an invitation.
    form = AcceptInvitationForm()
    form.account_email = invitation.user.email
    form.account_name = invitation.user.display_name
    if form.validate_on_submit():
        try:
            user = operations.accept_invitation(invitation, form.password.data,
                                                form.time_zone.data)
        except operations.LinkSpent:  # the same link, sent twice at once: the other joined
            db.session.rollback()
            return render_template("auth/link_invalid.html"), 404
        db.session.commit()
        start_session(user)
        flash(f"Welcome, {user.display_name}. Your account is ready.", "success")
        return devices.remember(redirect(url_for("main.home"), 303), user.email)
    return invalid("auth/accept_invitation.html", form=form, invitation=invitation)


def _signed_in_account_key() -> str:
    """The signed-in user's per-account key, the one sign-in's per-account limit counts for
    a browser not known to the account (``devices.attempt_key``): guesses at the current
    password share one budget with sign-ins from anywhere else."""
    return "account:" + current_user.email


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
@_password_guess_limits(_signed_in_account_key)
def change_password():
    form = ChangePasswordForm()
    form.account_email, form.account_name = current_user.email, current_user.display_name
    form.is_current = lambda password: operations.authenticate(
        current_user.email, password) is not None
    if form.validate_on_submit():
        operations.set_password(current_user, form.password.data)
        db.session.commit()
        start_session(current_user)
        flash("Your password is changed. Other devices have been signed out.", "success")
        return redirect(url_for("main.home"), 303)
    return invalid("auth/change_password.html", form=form)



@bp.route("/account/time-zone", methods=["GET", "POST"])
@login_required
def time_zone():
    # Shown with the zone in use; a submitted form must name one itself.
    form = TimeZoneForm() if request.method == "POST" else \
        TimeZoneForm(time_zone=current_user.time_zone)
    if form.validate_on_submit():
        operations.set_time_zone(current_user, form.time_zone.data)
        if current_user.role is Role.PATIENT:  # their today, streak and figures move with it
            refresh_patient(current_user)
        db.session.commit()
        flash(f"Your time zone is now {form.time_zone.data.replace('_', ' ')}.", "success")
        return redirect(url_for("main.home"), 303)
    return invalid("auth/time_zone.html", form=form)
