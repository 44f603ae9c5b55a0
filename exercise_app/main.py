"""The front door, health check, error pages and response headers."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import unquote_to_bytes

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    has_request_context,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from markupsafe import Markup
from werkzeug.exceptions import HTTPException, SecurityError
from werkzeug.routing import IntegerConverter

from .domain.sessions import outcome_words
from .models import Role
from .pages import local_time

bp = Blueprint("main", __name__)

LANDING = {Role.PATIENT: "patient.today", Role.PHYSIO: "clinician.patients",
           Role.ADMIN: "admin.users"}

CSP = (
    "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'; form-action 'self'"
)


# The signed-in menu by role: (endpoint, label). Every page shows it.
NAV = {
    Role.PATIENT: (("patient.today", "Today"), ("patient.programme", "My programme"),
                   ("patient.history_page", "History"), ("library.index", "Exercises")),
    Role.PHYSIO: (("clinician.patients", "Patients"), ("clinician.invite", "Invite a patient"),
                  ("library.index", "Library"), ("progression.rules", "Progression rules")),
    Role.ADMIN: (("admin.users", "Clinic users"), ("admin.new_physio", "Add a physio"),
                 ("admin.audit_log", "Audit log"), ("library.index", "Library")),
}
NAV_FOR_EVERYONE = (("auth.change_password", "Password"),)


def _layout_urls() -> dict[str, object]:
    """The layout's links, which take no values: built once per mount point, not per page
    (a dozen ``url_for`` calls were a twentieth of a page's time)."""
    return {
        "css": url_for("static", filename="app.css"),
        "icon": url_for("static", filename="favicon.svg"),
        "home": url_for("main.home"),
        "logout": url_for("auth.logout"),
        "time_zone": url_for("auth.time_zone"),
        # Today's own links (its url_for calls were a twentieth of its time).
        "routine": url_for("patient.routine_page"),
        "routine_all": url_for("patient.routine_page", all=1),
        "programme": url_for("patient.programme"),
        "history": url_for("patient.history_page"),
        "nav": {role: [(endpoint, label, url_for(endpoint))
                       for endpoint, label in (*links, *NAV_FOR_EVERYONE)]
                for role, links in NAV.items()},
    }


def layout() -> dict[str, object]:
    """Context for ``base.html``: its URLs, for the mount point this request came through."""
    if not has_request_context():  # e.g. an e-mail rendered by a command
        return {}
    cache = current_app.extensions.setdefault("layout_urls", {})
    root = request.script_root
    if root not in cache:
        cache[root] = _layout_urls()
    return {"layout": cache[root]}


@bp.get("/")
def home():
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    return redirect(url_for(LANDING[current_user.role]))


@bp.get("/healthz")
def healthz():
    return {"status": "ok"}


def reject_unsafe_text() -> None:
    """Refuse form values holding NUL or lone surrogates, and form bodies that are not UTF-8,
    before any view sees them. Werkzeug decodes a form leniently: a field whose bytes were
    not UTF-8 lost them, and a precautions form of nothing but such bytes cleared every
    precaution the patient had."""
    if request.method not in ("POST", "PUT", "PATCH"):
        return
    if request.mimetype == "application/x-www-form-urlencoded":
        try:  # the form still parses from the cached body
            unquote_to_bytes(request.get_data(cache=True)).decode("utf-8")
        except UnicodeDecodeError:
            abort(400, "The form was not sent as UTF-8 text.")
    elif request.mimetype == "multipart/form-data":
        # No form here uploads a file: refused rather than decoded as leniently.
        abort(415, "The form was sent in a way this app does not accept.")
    for values in request.form.listvalues():
        for value in values:
            if "\x00" in value or any(unicodedata.category(ch) == "Cs" for ch in value):
                abort(400, "The form contained characters that cannot be stored.")


# Set on every response unless the view set its own (the demo SVG has its own CSP and caching).
SECURITY_HEADERS = (
    ("Content-Security-Policy", CSP),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "no-referrer"),
    ("X-Frame-Options", "DENY"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
)
NO_STORE = ("Cache-Control", "no-store")
HSTS = ("Strict-Transport-Security", "max-age=31536000; includeSubDomains")


def security_headers(response):
    headers = response.headers
    # One pass over the few headers the view set: ``Headers.setdefault`` looked each name up
    # by raising and catching a KeyError, a tenth of a signed-in request's own time.
    own = {name.lower() for name, _value in headers}
    wanted = [*SECURITY_HEADERS]
    if request.is_secure:
        wanted.append(HSTS)
    if request.endpoint != "static":
        # Pages may hold patient data: never keep them in shared or browser caches.
        wanted.append(NO_STORE)
    for name, value in wanted:
        if name.lower() not in own:
            headers.add(name, value)
    return response


ERROR_TEXT = {
    400: ("Something in that request was not right", "Please go back and try again."),
    403: ("You cannot open this page", "Your account does not have access to it."),
    404: ("Page not found", "The page does not exist, or you do not have access to it."),
    405: ("Not allowed", "This page cannot be used that way."),
    413: ("Too much data", "What you sent was larger than the app accepts."),
    422: ("Something in that request was not right", "Please go back and try again."),
    429: ("Too many attempts", "Please wait a few minutes before trying again."),
    500: ("Something went wrong on our side", "It has been logged. Please try again shortly."),
}


def render_error(error: HTTPException):
    code = error.code or 500
    title, text = ERROR_TEXT.get(code, (error.name, error.description or ""))
    if error.description and error.description != type(error).description:
        text = error.description  # a view's own plain-words reason, e.g. abort(422, "...")
    if isinstance(error, CSRFError):
        title, text = "This form has expired", "Please reload the page and send it again."
    if isinstance(error, SecurityError):
        # An untrusted Host header: no URLs can be built, so answer in plain text.
        return f"{code} {title}", code, {"Content-Type": "text/plain; charset=utf-8"}
    response = render_template("errors/error.html", code=code, title=title, text=text)
    return response, code


def internal_error(_error: Exception):
    from .extensions import db

    db.session.rollback()
    title, text = ERROR_TEXT[500]
    return render_template("errors/error.html", code=500, title=title, text=text), 500


class IdConverter(IntegerConverter):
    """A database id: 1 to 2**31 - 1 (PostgreSQL's integer); anything else is a 404.

    ASCII digits only: werkzeug's ``\\d+`` matches any script's digits, and ``int`` reads them,
    so a path with an Arabic-Indic one in place of 1 was user 1's page."""

    regex = r"[0-9]+"

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("min", 1)
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(url_map, *args, **kwargs)


def aria_error(field) -> dict[str, str]:
    """A form field's attributes when it has an error: marked invalid and described by its
    message (a template shows it with the id ``<field id>-error``); none otherwise."""
    if not field.errors:
        return {}
    return {"aria-invalid": "true", "aria-describedby": f"{field.id}-error"}


def email_breaks(address: str) -> Markup:
    """An e-mail address that a narrow screen wraps after its "@" or a dot, not in the middle
    of a word ("alex@demo.exampl" / "e"): each part escaped, with a ``<wbr>`` after each."""
    return Markup("<wbr>").join(re.split(r"(?<=[@.])", address))


def init_app(app: Flask) -> None:
    app.url_map.converters["id"] = IdConverter
    app.add_template_filter(local_time, "local")
    app.add_template_filter(aria_error, "aria_error")
    app.add_template_filter(outcome_words, "outcome")
    app.add_template_filter(email_breaks, "email_breaks")
    app.context_processor(layout)
    app.register_blueprint(bp)
    app.before_request(reject_unsafe_text)
    app.after_request(security_headers)
    app.register_error_handler(HTTPException, render_error)
    app.register_error_handler(500, internal_error)
