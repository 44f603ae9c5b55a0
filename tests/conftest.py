"""Fixtures shared by every tier: the database backends, the app, the client and a small world.

The suite runs on SQLite always and on PostgreSQL when ``TEST_DATABASE_URL`` is set. With
``CI=true`` a missing PostgreSQL or browser leg fails instead of skipping.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from jinja2.bccache import Bucket, BytecodeCache
from sqlalchemy import create_engine, func, inspect, select, text

from exercise_app import create_app
from exercise_app.extensions import db
from exercise_app.models import CareRelationship, Clinic, Role, User
from exercise_app.security import hash_password

IN_CI = os.environ.get("CI", "").lower() == "true"
PASSWORD = "lantern-orchard-ninety"


def missing_leg(reason: str) -> None:
    """Skip a test leg locally; fail it in CI, where every leg is mandatory."""
    if IN_CI:
        pytest.fail(f"{reason} (CI=true makes this leg mandatory)", pytrace=False)
    pytest.skip(reason)


# The pytest-xdist worker running this process ("gw0", "gw1", ...), or "" without xdist.
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")


def _postgres_url() -> str | None:
    url = os.environ.get("TEST_DATABASE_URL")
    if url and url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return _worker_database(url) if url and WORKER else url


@functools.cache
def _worker_database(url: str) -> str:
    """A database of this xdist worker's own beside the one given (made on first use): the
    tests reset schemas and empty tables, which two workers must not do to each other."""
    from sqlalchemy.engine import make_url

    given = make_url(url)
    name = f"{given.database}_{WORKER}"
    engine = create_engine(given, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        if connection.execute(text("SELECT 1 FROM pg_database WHERE datname = :name"),
                              {"name": name}).scalar() is None:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return given.set(database=name).render_as_string(hide_password=False)


def redis_url() -> str:
    """The Redis database for the tests: ``TEST_REDIS_URL``'s (15 unless it names one in its
    path; none there is 0), counted down by the xdist worker's number, as ``limiter.reset()``
    empties the whole database. A URL naming its database otherwise (a socket's ``?db=``) is
    kept as given."""
    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    parts = urlsplit(url)
    number = parts.path.strip("/") or "0"
    if not WORKER or parts.scheme not in ("redis", "rediss") or not number.isdigit():
        return url
    database = int(number) - int(WORKER.removeprefix("gw"))
    if database < 0:
        pytest.fail(f"{WORKER} has no Redis database of its own below {url}: run fewer "
                    "workers (make test PYTEST_ARGS='-n 4') or name a higher database",
                    pytrace=False)
    return urlunsplit(parts._replace(path=f"/{database}"))


def reset_postgres_schema(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def migrate_to_head(url: str) -> None:
    """Build the schema the way production does: by running every migration."""
    from flask_migrate import upgrade

    app = create_app({"TESTING": True, "SECRET_KEY": "x" * 32, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
        db.engine.dispose()


@pytest.fixture(scope="session", autouse=True)
def cheap_password_hashing() -> Iterator[None]:
    """Tests hash and verify with argon2id at its lowest cost (a login took 150 ms with the
    production parameters, a tenth of the suite's time). Production keeps argon2-cffi's
    defaults; the hash-upgrade test still sees a hash with other parameters upgraded."""
    from argon2 import PasswordHasher

    from exercise_app import security

    saved = security._hasher, security._DUMMY_HASH
    security._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    security._DUMMY_HASH = security._hasher.hash("dummy-password-for-unknown-accounts")
    yield
    security._hasher, security._DUMMY_HASH = saved


class _SharedBytecode(BytecodeCache):
    """Compiled templates kept across the apps the tests build (each has its own Jinja
    environment, and compiling the templates again took about 6% of the suite's time)."""

    def __init__(self) -> None:
        self.store: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        if bucket.key in self.store:
            bucket.bytecode_from_string(self.store[bucket.key])

    def dump_bytecode(self, bucket: Bucket) -> None:
        self.store[bucket.key] = bucket.bytecode_to_string()


SHARED_BYTECODE = _SharedBytecode()


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A migrated, empty database per backend for the whole session."""
    if request.param == "sqlite":
        url = "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.sqlite")
    else:
        pg = _postgres_url()
        if not pg:
            missing_leg("TEST_DATABASE_URL is not set: PostgreSQL leg not run")
        assert pg is not None
        url = pg
        reset_postgres_schema(url)
    migrate_to_head(url)
    return url


def config_for(database_url: str, **overrides: Any) -> dict[str, Any]:
    config: dict[str, Any] = {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-that-is-long-enough-000",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "MAIL_BACKEND": "locmem",
        "MAIL_AFTER_RESPONSE": False,  # the mail a request sent is read as soon as it answers
        "SERVER_NAME": None,
        # The check-in is open from 4 am until 2 pm in production; tests run at any hour, and
        # the rule has its own tests (test_daily_loop, test_checkin_changes,
        # tests/unit/test_sessions.py, tests/unit/test_checkin_window.py).
        "MORNING_CHECK_IN_FROM_HOUR": 0,
        "MORNING_CHECK_IN_UNTIL_HOUR": 24,
    }
    config.update(overrides)
    return config


def empty_tables(app: Flask) -> None:
    with app.app_context():
        db.session.remove()
        tables = [t.name for t in reversed(db.metadata.sorted_tables)]
        with db.engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                connection.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
            else:
                for table in tables:
                    connection.execute(text(f"DELETE FROM {table}"))  # noqa: S608
        db.engine.dispose()


@pytest.fixture
def make_app(database_url: str) -> Iterator[Callable[..., Flask]]:
    """Build apps on the test database with config overrides; tables are emptied afterwards."""
    apps: list[Flask] = []

    def factory(**overrides: Any) -> Flask:
        app = create_app(config_for(database_url, **overrides))
        app.jinja_env.bytecode_cache = SHARED_BYTECODE
        apps.append(app)
        return app

    yield factory
    if apps:
        empty_tables(apps[-1])
    for app in apps:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def app(make_app: Callable[..., Flask]) -> Flask:
    return make_app()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask):
    return app.test_cli_runner()


@functools.cache
def password_hash(password: str) -> str:
    """Hashing is slow on purpose; tests hash each password once."""
    return hash_password(password)


@dataclass
class World:
    """Two clinics with their people, for own/foreign access checks."""

    clinic: Clinic
    other_clinic: Clinic
    admin: User
    physio: User
    other_physio: User
    patient: User
    other_patient: User
    foreign_admin: User
    foreign_physio: User
    foreign_patient: User
    invited_patient: User
    session_id: int = 0
    other_session_id: int = 0
    decision_id: int = 0
    other_decision_id: int = 0
    alert_id: int = 0
    other_alert_id: int = 0

    def ids(self) -> dict[str, int]:
        return {
            name: value.id for name, value in vars(self).items() if isinstance(value, User)
        }


def add_user(clinic: Clinic, role: Role, name: str, *, physio: User | None = None,
             accepted: bool = True) -> User:
    slug = re.sub(r"\W+", ".", name.lower())
    user = User(
        clinic_id=clinic.id,
        email=f"{slug}@example.org",
        display_name=name,
        role=role,
        password_hash=password_hash(PASSWORD) if accepted else None,
    )
    db.session.add(user)
    db.session.flush()
    if physio is not None:
        db.session.add(
            CareRelationship(patient_id=user.id, physio_id=physio.id, clinic_id=clinic.id)
        )
    return user


@pytest.fixture
def world(app: Flask) -> World:
    return build_world(app)


def build_world(app: Flask) -> World:
    """The two clinics and their people (the ``world`` fixture) in ``app``'s database."""
    with app.app_context():
        clinic = Clinic(name="Northside Physio")
        other = Clinic(name="Southside Physio")
        db.session.add_all([clinic, other])
        db.session.flush()
        physio = add_user(clinic, Role.PHYSIO, "Pat Physio")
        other_physio = add_user(clinic, Role.PHYSIO, "Olive Otherphysio")
        foreign_physio = add_user(other, Role.PHYSIO, "Fern Foreignphysio")
        made = World(
            clinic=clinic,
            other_clinic=other,
            admin=add_user(clinic, Role.ADMIN, "Ada Admin"),
            physio=physio,
            other_physio=other_physio,
            patient=add_user(clinic, Role.PATIENT, "Paula Patient", physio=physio),
            other_patient=add_user(clinic, Role.PATIENT, "Otto Otherpatient",
                                   physio=other_physio),
            foreign_admin=add_user(other, Role.ADMIN, "Fay Foreignadmin"),
            foreign_physio=foreign_physio,
            foreign_patient=add_user(other, Role.PATIENT, "Finn Foreignpatient",
                                     physio=foreign_physio),
            invited_patient=add_user(clinic, Role.PATIENT, "Ivy Invited", physio=physio,
                                     accepted=False),
        )
        db.session.commit()
        for value in vars(made).values():
            if isinstance(value, User | Clinic):
                db.session.refresh(value)
        db.session.expunge_all()
        return made


class Auth:
    """Sign in and out through the real login form."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client

    def login(self, user_or_email: User | str, password: str = PASSWORD):
        email = user_or_email if isinstance(user_or_email, str) else user_or_email.email
        return self.client.post("/login", data={"email": email, "password": password})

    def logout(self):
        return self.client.post("/logout")


@pytest.fixture
def new_patient(app: Flask, world: World, library: Any) -> World:
    """``world`` with a programme for its patient, who has not answered the onboarding
    red-flag check yet."""
    from tests.factories import assign

    assign(app, world.patient.id, world.physio.id, screened=False)
    return world


@pytest.fixture
def auth(client: FlaskClient) -> Auth:
    return Auth(client)


def snapshot(app: Flask) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, to show that a refused request changed nothing."""
    with app.app_context():
        db.session.remove()
        names = inspect(db.engine).get_table_names()
        result = {}
        with db.engine.connect() as connection:
            for name in sorted(names):
                if name == "alembic_version":
                    continue
                rows = connection.execute(text(f"SELECT * FROM {name}")).all()  # noqa: S608
                result[name] = sorted(tuple(map(repr, row)) for row in rows)
        return result


@pytest.fixture
def project_root() -> Path:
    return Path(__file__).resolve().parent.parent


@functools.cache
def loaded_library_for_tests():
    """The real exercise library, parsed and validated once per test process."""
    from exercise_app.config import Defaults
    from exercise_app.library import load_library

    return load_library(Path(Defaults.LIBRARY_PATH))


@pytest.fixture(scope="session")
def loaded_library():
    """The real exercise library, parsed and validated once per test session."""
    return loaded_library_for_tests()


@pytest.fixture
def library(app: Flask, loaded_library):
    """The real exercise library, synced into the test database."""
    return sync_library_into(app, loaded_library)


# The rows the real library's first sync wrote into each test database, by its URL.
_LIBRARY_ROWS: dict[str, dict[str, list[dict[str, Any]]]] = {}


def sync_library_into(app: Flask, loaded):
    """Sync ``loaded`` into ``app``'s database, as ``flask library sync`` does.

    The test library's first sync into an empty database runs ``sync_library``; later ones
    into the same database, emptied again, put back the rows it wrote, in one statement per
    table (the sync took 50 ms on SQLite and 110 ms on PostgreSQL, for each of about 900
    tests). Any other library, or a database that still has one, gets the real sync."""
    from exercise_app.library.sync import sync_library

    url = app.config["SQLALCHEMY_DATABASE_URI"]
    cached = loaded is loaded_library_for_tests()
    with app.app_context():
        tables = [t for t in db.metadata.sorted_tables if t.name.startswith("library_")]
        empty = db.session.execute(
            select(func.count()).select_from(tables[0])).scalar_one() == 0
        if cached and empty and url in _LIBRARY_ROWS:
            _put_back(tables, _LIBRARY_ROWS[url])
            return loaded
        sync_library(db.session(), loaded)
        db.session.commit()
        if cached and empty:
            with db.engine.connect() as connection:
                _LIBRARY_ROWS[url] = {table.name: [dict(row._mapping) for row in
                                                   connection.execute(select(table))]
                                      for table in tables}
    return loaded


def _put_back(tables, rows: dict[str, list[dict[str, Any]]]) -> None:
    """Insert saved rows with their ids; on PostgreSQL, move each id sequence past them."""
    db.session.remove()
    with db.engine.begin() as connection:
        for table in tables:
            if rows[table.name]:
                connection.execute(table.insert(), rows[table.name])
        if connection.dialect.name == "postgresql":
            for table in tables:
                if "id" in table.c and table.c.id.autoincrement and rows[table.name]:
                    connection.execute(select(func.setval(
                        func.pg_get_serial_sequence(table.name, "id"),
                        select(func.max(table.c.id)).scalar_subquery())))


class QueryCounter:
    """Count the SQL statements an app runs (for queries-per-page tests)."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.statements: list[str] = []

    def _count(self, conn, cursor, statement, *args) -> None:
        if not statement.lstrip().upper().startswith(("BEGIN", "PRAGMA", "SAVEPOINT", "RELEASE")):
            self.statements.append(statement)

    def __enter__(self) -> QueryCounter:
        from sqlalchemy import event

        with self.app.app_context():
            self.engine = db.engine
        event.listen(self.engine, "before_cursor_execute", self._count)
        return self

    def __exit__(self, *exc: object) -> None:
        from sqlalchemy import event

        event.remove(self.engine, "before_cursor_execute", self._count)

    @property
    def count(self) -> int:
        return len(self.statements)


@pytest.fixture
def loop(app: Flask, world: World, library) -> World:
    """Programmes for two patients of the clinic, with one logged session each."""
    return build_loop(app, world)


def build_loop(app: Flask, world: World) -> World:
    """The ``loop`` fixture's programmes, sessions, decisions and alerts, added to ``world``
    in ``app``'s database (the library synced already)."""
    from tests.factories import add_alert, assign, log, newest_decision

    assign(app, world.patient.id, world.physio.id)
    assign(app, world.other_patient.id, world.other_physio.id)
    world.session_id = log(app, world.patient.id)
    world.other_session_id = log(app, world.other_patient.id)
    world.decision_id = newest_decision(app, world.patient.id)
    world.other_decision_id = newest_decision(app, world.other_patient.id)
    world.alert_id = add_alert(app, world.patient.id)
    world.other_alert_id = add_alert(app, world.other_patient.id)
    return world
