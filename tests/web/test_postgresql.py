"""PostgreSQL connections: reads in autocommit, writes in one transaction, generic plans for
prepared statements, and pooled connections pinged after sitting idle
(extensions.configure_postgresql)."""

from __future__ import annotations

import psycopg
import pytest
from sqlalchemy import create_engine, event, text

from exercise_app import create_app, extensions
from exercise_app.extensions import db
from tests.conftest import _postgres_url, migrate_to_head, missing_leg

SCHEMA = "connection_test"


@pytest.fixture
def pg_app():
    url = _postgres_url()
    if not url:
        missing_leg("TEST_DATABASE_URL is not set: PostgreSQL leg not run")
    admin = create_engine(url)
    with admin.begin() as connection:
        connection.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
        connection.execute(text(f"CREATE SCHEMA {SCHEMA}"))
    scoped = url + ("&" if "?" in url else "?") + f"options=-csearch_path%3D{SCHEMA}"
    migrate_to_head(scoped)
    app = create_app({"TESTING": True, "SECRET_KEY": "x" * 32, "WTF_CSRF_ENABLED": False,
                      "SQLALCHEMY_DATABASE_URI": scoped})

    @app.route("/probe", methods=["GET", "POST"])
    def probe():
        connection = db.session.connection().connection.dbapi_connection
        count = db.session.execute(text("SELECT count(*) FROM clinics")).scalar()
        return {"autocommit": connection.autocommit, "pid": connection.info.backend_pid,
                "clinics": count}

    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    with admin.begin() as connection:
        connection.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
    admin.dispose()


def test_reads_run_in_autocommit_and_writes_in_a_transaction(pg_app):
    client = pg_app.test_client()
    assert client.get("/probe").json["autocommit"] is True
    assert client.post("/probe").json["autocommit"] is False
    assert client.get("/probe").json["autocommit"] is True
    # The connection goes back to the pool ready for transactions.
    with pg_app.app_context(), db.engine.connect() as connection:
        assert connection.connection.dbapi_connection.autocommit is False
        connection.execute(text("SELECT 1"))
        assert connection.connection.dbapi_connection.info.transaction_status \
            == psycopg.pq.TransactionStatus.INTRANS


def test_connections_keep_generic_plans_and_still_use_the_search_path(pg_app):
    # Set on connect; the URL's own options (the schema here) still apply.
    with pg_app.app_context(), db.engine.connect() as connection:
        assert connection.execute(text("SHOW plan_cache_mode")).scalar() == "force_generic_plan"
        assert connection.execute(text("SHOW search_path")).scalar() == SCHEMA
    client = pg_app.test_client()
    assert client.get("/probe").json["clinics"] == 0 and client.post("/probe").status_code == 200


def test_a_write_never_runs_in_autocommit_whatever_the_pool_left(pg_app):
    def leave_in_autocommit(dbapi_connection, _record, _proxy):
        dbapi_connection.autocommit = True  # as if a check-in had failed to reset it

    with pg_app.app_context():
        engine = db.engine
    event.listen(engine, "checkout", leave_in_autocommit)
    try:
        client = pg_app.test_client()
        assert client.post("/probe").json["autocommit"] is False
        assert client.get("/probe").json["autocommit"] is True
    finally:
        event.remove(engine, "checkout", leave_in_autocommit)


def test_a_connection_dropped_while_idle_is_replaced(pg_app, monkeypatch):
    client = pg_app.test_client()
    first = client.get("/probe").json["pid"]
    monkeypatch.setattr(extensions, "PING_AFTER_IDLE_SECONDS", 0.0)
    url = _postgres_url()
    assert url is not None
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"),
                         autocommit=True) as other:
        assert other.execute("SELECT pg_terminate_backend(%s)", (first,)).fetchone()[0]
    again = client.get("/probe")
    assert again.status_code == 200 and again.json["pid"] != first
