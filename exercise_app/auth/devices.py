"""Devices an account has signed in on ("device cookies", OWASP's answer to lockouts).

Failed sign-ins are limited per account, so a stranger who knows someone's e-mail address
could use up the account's failures and keep its owner out for an hour. A browser that has
signed in to an account before carries a signed cookie that says so; its attempts for that
account are counted on a budget of its own (``attempt_key``), the same size, so guesses from
anywhere else no longer lock the owner out of their own phone. The cookie grants nothing but
that budget: it signs nobody in, and it is sent only to the sign-in page.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask import Response, current_app, request, url_for
from itsdangerous import BadSignature, URLSafeTimedSerializer

from ..extensions import form_email, form_email_key

COOKIE = "known_device"
SALT = "known-device"
MAX_AGE = timedelta(days=180)
MAX_ACCOUNTS = 5  # a shared phone remembers this many accounts, the newest kept


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt=SALT)


def _account(email: str) -> str:
    """The account as the cookie names it: a digest of the address, not the address."""
    return hashlib.sha256(email.strip().casefold().encode()).hexdigest()[:32]


def _read() -> dict[str, object] | None:
    token = request.cookies.get(COOKIE)
    if not token:
        return None
    try:
        data = _serializer().loads(token, max_age=int(MAX_AGE.total_seconds()))
    except BadSignature:  # forged, from another secret key, or expired
        return None
    if (not isinstance(data, dict) or not isinstance(data.get("n"), str)
            or not isinstance(data.get("a"), list)):
        return None
    return data


def known_device(email: str) -> str | None:
    """This browser's id when it has signed in to the account with ``email`` before."""
    data = _read()
    if data is None or _account(email) not in data["a"]:  # type: ignore[operator]
        return None
    return str(data["n"])


def attempt_key() -> str:
    """The budget a sign-in attempt is counted on: this browser's own for an account it has
    signed in to before, else the account's (the e-mail address typed)."""
    email = form_email()
    device = known_device(email)
    return f"device:{device}:{_account(email)}" if device else form_email_key()


def remember(response: Response, email: str) -> Response:
    """Mark this browser as one that has signed in to ``email``'s account (on the response to
    a successful sign-in), keeping the accounts it knew already."""
    data = _read() or {"n": secrets.token_urlsafe(16), "a": []}
    account = _account(email)
    accounts = [a for a in data["a"] if a != account][-(MAX_ACCOUNTS - 1):]  # type: ignore[attr-defined]
    token = _serializer().dumps({"n": data["n"], "a": [*accounts, account]})
    response.set_cookie(
        COOKIE, token, max_age=int(MAX_AGE.total_seconds()), path=url_for("auth.login"),
        secure=current_app.config["SESSION_COOKIE_SECURE"], httponly=True, samesite="Lax")
    return response
