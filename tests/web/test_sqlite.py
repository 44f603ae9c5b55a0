"""SQLite runs in WAL mode with a busy timeout, foreign keys and BEGIN IMMEDIATE writes."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import text

from exercise_app import create_app
from exercise_app.extensions import db
from exercise_app.models import Clinic
from tests.conftest import migrate_to_head


@pytest.fixture
def sqlite_app(tmp_path):
    url = "sqlite:///" + str(tmp_path / "wal.sqlite")
    migrate_to_head(url)
    return create_app({"TESTING": True, "SECRET_KEY": "x" * 32, "SQLALCHEMY_DATABASE_URI": url})


def test_pragmas(sqlite_app):
    with sqlite_app.app_context(), db.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_foreign_keys_are_enforced(sqlite_app):
    from sqlalchemy.exc import IntegrityError

    with sqlite_app.app_context(), pytest.raises(IntegrityError), db.engine.begin() as c:
        c.execute(text("INSERT INTO care_relationships (patient_id, physio_id, clinic_id, "
                       "created_at) VALUES (99, 98, 97, '2026-01-01')"))


def test_concurrent_writers_all_succeed(sqlite_app):
    """With a deferred BEGIN, read-then-write transactions fail with 'database is locked'."""
    errors: list[BaseException] = []
    threads_count, writes = 8, 25

    def writer(n: int) -> None:
        try:
            with sqlite_app.app_context():
                for i in range(writes):
                    count = db.session.scalar(text("SELECT count(*) FROM clinics"))
                    db.session.add(Clinic(name=f"c{n}-{i}-{count}"))
                    db.session.commit()
                db.session.remove()
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with sqlite_app.app_context():
        assert db.session.scalar(text("SELECT count(*) FROM clinics")) == threads_count * writes
        db.engine.dispose()
