"""Configuration: defaults < instance/config.py < environment < the test mapping.

Every setting has a safe default for development. Production is recognised by
``EXERCISE_APP_ENV=production`` (or ``FLASK_ENV``-free gunicorn runs that set it) and refuses
to start without the settings a real deployment needs.
"""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any

from .domain.sessions import MORNING_FROM_HOUR, MORNING_UNTIL_HOUR


class Defaults:
    """Values that hold unless the instance file or the environment says otherwise."""

    ENV_NAME = "development"
    SQLALCHEMY_DATABASE_URI: str | None = None  # filled in from DATABASE_URL or instance/
    # No ping before every checkout: SQLite has no connection to go stale, and PostgreSQL
    # connections are pinged after sitting idle instead (extensions.configure_postgresql).
    SQLALCHEMY_ENGINE_OPTIONS: dict[str, Any] = {"pool_pre_ping": False}
    MAX_CONTENT_LENGTH = 256 * 1024  # no form in the app needs more; larger bodies get a 413
    MAX_FORM_MEMORY_SIZE = 256 * 1024
    SESSION_COOKIE_HTTPONLY = True
    # The session is rewritten when it changes, and ``sessions.enforce_session_limits`` changes
    # it at most once a minute; re-signing it on every response cost about 0.3 ms a page.
    SESSION_REFRESH_EACH_REQUEST = False
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = False
    REMEMBER_COOKIE_DURATION = timedelta(days=30)
    # Idle and absolute session limits, checked on the server (security.md).
    CLINICIAN_IDLE_TIMEOUT = timedelta(minutes=30)
    PATIENT_IDLE_TIMEOUT = timedelta(hours=12)
    ABSOLUTE_SESSION_TIMEOUT = timedelta(hours=12)
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session, which has its own limits
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    RATELIMIT_LOGIN = "10 per minute;50 per hour"
    RATELIMIT_LOGIN_ACCOUNT = "5 per minute;20 per hour"
    RATELIMIT_RESET = "5 per minute;20 per hour"
    RATELIMIT_INVITE = "20 per hour"
    INVITATION_TTL = timedelta(days=7)
    PASSWORD_RESET_TTL = timedelta(hours=1)
    # The hour of the patient's day from which next-morning pain is asked (domain.sessions).
    MORNING_CHECK_IN_FROM_HOUR = MORNING_FROM_HOUR
    # ...and the hour it closes (exclusive; 24 keeps it open until midnight).
    MORNING_CHECK_IN_UNTIL_HOUR = MORNING_UNTIL_HOUR
    MAIL_BACKEND = "console"
    MAIL_AFTER_RESPONSE = True  # see notifications.send_mail
    MAIL_DEFAULT_SENDER = "Hip & Back Programme <no-reply@localhost>"
    TRUSTED_HOSTS: list[str] | None = None
    # Proxies in front of the app whose X-Forwarded-For and -Proto it believes (ProxyFix):
    # the client's address for the per-IP limits, https for links and HSTS. None: one in
    # production (the TLS-terminating proxy it is served behind), none otherwise.
    PROXY_HOPS: int | None = None
    PREFERRED_URL_SCHEME = "http"
    SECRET_KEY: str | None = None
    LIBRARY_PATH = str(Path(__file__).resolve().parent.parent / "exercises")


# Environment variables read without a prefix, as deployments conventionally name them.
PLAIN_ENV = {
    "DATABASE_URL": "SQLALCHEMY_DATABASE_URI",
    "SECRET_KEY": "SECRET_KEY",
    "REDIS_URL": "RATELIMIT_STORAGE_URI",
    "PROXY_HOPS": "PROXY_HOPS",
    "MAIL_SERVER": "MAIL_SERVER",
    "MAIL_PORT": "MAIL_PORT",
    "MAIL_USERNAME": "MAIL_USERNAME",
    "MAIL_PASSWORD": "MAIL_PASSWORD",
    "MAIL_USE_TLS": "MAIL_USE_TLS",
    "MAIL_DEFAULT_SENDER": "MAIL_DEFAULT_SENDER",
}


class ConfigError(RuntimeError):
    """A setting a deployment needs is missing or unsafe."""


def normalise_database_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL URLs given in the common short forms."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def load(app: Any, test_config: dict[str, Any] | None) -> None:
    """Fill ``app.config`` in precedence order and check it."""
    app.config.from_object(Defaults)
    app.config.from_pyfile("config.py", silent=True)
    for env_name, key in PLAIN_ENV.items():
        value = os.environ.get(env_name)
        if value:
            app.config[key] = value
    if os.environ.get("TRUSTED_HOSTS"):
        app.config["TRUSTED_HOSTS"] = [
            host.strip() for host in os.environ["TRUSTED_HOSTS"].split(",") if host.strip()
        ]
    app.config.from_prefixed_env("EXERCISE_APP")
    if os.environ.get("EXERCISE_APP_ENV"):
        app.config["ENV_NAME"] = os.environ["EXERCISE_APP_ENV"]
    if test_config is not None:
        app.config.from_mapping(test_config)

    hops = app.config.get("PROXY_HOPS")
    if hops is None:
        hops = 1 if app.config["ENV_NAME"] == "production" else 0
    if not str(hops).isdigit():
        raise ConfigError(f"PROXY_HOPS must be a number of proxies (0, 1, ...), not {hops!r}.")
    app.config["PROXY_HOPS"] = int(hops)
    if isinstance(app.config.get("MAIL_PORT"), str):
        app.config["MAIL_PORT"] = int(app.config["MAIL_PORT"])
    if isinstance(app.config.get("MAIL_USE_TLS"), str):
        app.config["MAIL_USE_TLS"] = app.config["MAIL_USE_TLS"].lower() in ("1", "true", "yes")

    production = app.config["ENV_NAME"] == "production"
    if app.config.get("MAIL_SERVER") and app.config["MAIL_BACKEND"] == "console":
        app.config["MAIL_BACKEND"] = "smtp"
    if app.config.get("RATELIMIT_STORAGE_URI", "").startswith("redis"):
        app.config.setdefault("RATELIMIT_STORAGE_OPTIONS", {"socket_connect_timeout": 2})

    uri = app.config.get("SQLALCHEMY_DATABASE_URI")
    if not uri:
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)
        uri = "sqlite:///" + str(Path(app.instance_path) / "exercise_app.sqlite")
    app.config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(uri)

    if not app.config.get("SECRET_KEY"):
        if production:
            raise ConfigError(
                "SECRET_KEY is not set. In production the secret key must come from the "
                "environment (SECRET_KEY=...); generate one with "
                "`python -c 'import secrets; print(secrets.token_hex(32))'`."
            )
        app.config["SECRET_KEY"] = _development_secret(Path(app.instance_path))

    if production:
        app.config.update(
            SESSION_COOKIE_SECURE=True, REMEMBER_COOKIE_SECURE=True, PREFERRED_URL_SCHEME="https"
        )
        check_production(app.config)


def check_production(config: Any) -> None:
    """Refuse settings that are unsafe for real patient data (like Django's check --deploy)."""
    problems = []
    if config.get("DEBUG"):
        problems.append("DEBUG must be off")
    if len(config.get("SECRET_KEY") or "") < 32:
        problems.append("SECRET_KEY must be at least 32 characters")
    if not config.get("TRUSTED_HOSTS"):
        problems.append("TRUSTED_HOSTS must list the host names the app answers to")
    if config.get("RATELIMIT_STORAGE_URI", "memory://").startswith("memory"):
        problems.append("REDIS_URL must be set: in-memory rate limits do not hold across workers")
    if not config.get("MAX_CONTENT_LENGTH"):
        problems.append("MAX_CONTENT_LENGTH must be set")
    if problems:
        raise ConfigError("Unsafe production configuration: " + "; ".join(problems) + ".")


def _development_secret(instance: Path) -> str:
    """Return the development secret key, generating it once into the instance folder."""
    instance.mkdir(parents=True, exist_ok=True)
    path = instance / "secret_key"
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass  # generated earlier, or by another worker starting at the same moment
    else:
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
    return path.read_text().strip()
