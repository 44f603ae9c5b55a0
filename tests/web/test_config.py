"""Configuration precedence and the production checks (like Django's check --deploy)."""

from __future__ import annotations

import pytest

from exercise_app import create_app
from exercise_app.config import ConfigError, normalise_database_url

GOOD = {
    "SECRET_KEY": "k" * 64,
    "TRUSTED_HOSTS": ["physio.example.org"],
    "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/15",
    "SQLALCHEMY_DATABASE_URI": "sqlite://",
}


@pytest.fixture
def production(monkeypatch):
    monkeypatch.setenv("EXERCISE_APP_ENV", "production")
    for name in ("SECRET_KEY", "DATABASE_URL", "REDIS_URL", "TRUSTED_HOSTS"):
        monkeypatch.delenv(name, raising=False)


def test_production_without_secret_key_refuses_to_start(production):
    with pytest.raises(ConfigError, match="SECRET_KEY is not set"):
        create_app({k: v for k, v in GOOD.items() if k != "SECRET_KEY"})


@pytest.mark.parametrize(
    ("override", "problem"),
    [
        ({"SECRET_KEY": "short"}, "at least 32"),
        ({"TRUSTED_HOSTS": None}, "TRUSTED_HOSTS"),
        ({"RATELIMIT_STORAGE_URI": "memory://"}, "REDIS_URL"),
        ({"DEBUG": True}, "DEBUG"),
        ({"MAX_CONTENT_LENGTH": None}, "MAX_CONTENT_LENGTH"),
    ],
)
def test_unsafe_production_settings_are_refused(production, override, problem):
    with pytest.raises(ConfigError, match=problem):
        create_app({**GOOD, **override})


def test_safe_production_settings_start_with_secure_cookies(production):
    app = create_app(GOOD)
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_SECURE"]
    assert app.config["SESSION_COOKIE_HTTPONLY"]
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert not app.debug
    assert app.test_client().get("/healthz", headers={"Host": "evil.example"}).status_code == 400


def test_environment_overrides_defaults(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://u@h/db")
    monkeypatch.setenv("SECRET_KEY", "from-the-environment")
    monkeypatch.setenv("TRUSTED_HOSTS", "a.example, b.example")
    monkeypatch.setenv("MAIL_SERVER", "smtp.example")
    monkeypatch.setenv("MAIL_PORT", "2525")
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@h/db"
    assert app.config["SECRET_KEY"] == "from-the-environment"
    assert app.config["TRUSTED_HOSTS"] == ["a.example", "b.example"]
    assert app.config["MAIL_BACKEND"] == "smtp" and app.config["MAIL_PORT"] == 2525


def test_test_config_wins_over_environment(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "from-the-environment")
    app = create_app({"SECRET_KEY": "from-the-test", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert app.config["SECRET_KEY"] == "from-the-test"


def test_development_secret_is_generated_once(tmp_path, monkeypatch):
    from exercise_app.config import _development_secret

    first = _development_secret(tmp_path)
    assert len(first) == 64
    assert _development_secret(tmp_path) == first
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgres://u@h/d", "postgresql+psycopg://u@h/d"),
        ("postgresql://u@h/d", "postgresql+psycopg://u@h/d"),
        ("postgresql+psycopg://u@h/d", "postgresql+psycopg://u@h/d"),
        ("sqlite:///x.db", "sqlite:///x.db"),
    ],
)
def test_database_urls_use_psycopg3(given, expected):
    assert normalise_database_url(given) == expected


def test_production_believes_one_proxy_and_development_none(production, monkeypatch):
    """Production is served behind a TLS-terminating proxy (README): the client's address
    and scheme are in its X-Forwarded headers; without a proxy they would be forged."""
    monkeypatch.delenv("PROXY_HOPS", raising=False)
    proxied = create_app(GOOD).test_client().get(
        "/healthz", base_url="http://physio.example.org",
        headers={"X-Forwarded-For": "203.0.113.66", "X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" in proxied.headers  # https as the proxy says
    monkeypatch.setenv("EXERCISE_APP_ENV", "development")
    direct = create_app({"SECRET_KEY": "k" * 64, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert direct.config["PROXY_HOPS"] == 0
    assert "Strict-Transport-Security" not in direct.test_client().get(
        "/healthz", headers={"X-Forwarded-Proto": "https"}).headers


@pytest.mark.parametrize(("value", "hops"), [("2", 2), ("0", 0)])
def test_proxy_hops_come_from_the_environment(production, monkeypatch, value, hops):
    monkeypatch.setenv("PROXY_HOPS", value)
    assert create_app(GOOD).config["PROXY_HOPS"] == hops


@pytest.mark.parametrize("value", ["one", "-1", "1.5"])
def test_a_proxy_count_that_is_not_a_whole_number_is_refused(production, monkeypatch, value):
    monkeypatch.setenv("PROXY_HOPS", value)
    with pytest.raises(ConfigError, match="PROXY_HOPS"):
        create_app(GOOD)
