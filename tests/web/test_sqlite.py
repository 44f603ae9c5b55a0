"""SQLite runs in WAL mode with a busy timeout, foreign keys and BEGIN IMMEDIATE writes, which
queue on a lock file."""

from __future__ import annotations

import fcntl
import os
import threading
import time

import pytest
from sqlalchemy import text

from exercise_app import create_app, extensions
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


def _writers_lock_is_free(path: str) -> bool:
    descriptor = os.open(path, os.O_RDWR)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False
    finally:
        os.close(descriptor)  # and with it the test's own hold, if it got one


def test_a_write_holds_the_writers_lock_until_its_connection_goes_back(sqlite_app, tmp_path):
    path = str(tmp_path / "wal.sqlite") + "-writers"
    with sqlite_app.test_request_context("/", method="POST"):
        db.session.add(Clinic(name="Writer"))
        db.session.flush()
        assert not _writers_lock_is_free(path)
        db.session.commit()  # the session gives its connection back to the pool
        assert _writers_lock_is_free(path)
    with sqlite_app.test_request_context("/", method="GET"):  # reads never queue
        assert db.session.scalar(text("SELECT count(*) FROM clinics")) == 1
        assert _writers_lock_is_free(path)
        db.session.rollback()


def test_a_writer_goes_on_to_sqlites_own_wait_if_the_lock_is_never_let_go(sqlite_app, tmp_path,
                                                                           monkeypatch):
    path = str(tmp_path / "wal.sqlite") + "-writers"
    with sqlite_app.app_context():
        db.session.scalar(text("SELECT 1"))  # the first connection creates the lock file
        db.session.rollback()
    monkeypatch.setattr(extensions, "SQLITE_BUSY_TIMEOUT_MS", 50)
    stray = os.open(path, os.O_RDWR)
    fcntl.flock(stray, fcntl.LOCK_EX)  # held by something that never lets go
    try:
        started = time.monotonic()
        with sqlite_app.test_request_context("/", method="POST"):
            db.session.add(Clinic(name="Patient writer"))
            db.session.commit()
        assert time.monotonic() - started >= 0.05  # it waited its turn, then wrote anyway
    finally:
        os.close(stray)
    with sqlite_app.app_context():
        assert db.session.scalar(text("SELECT count(*) FROM clinics")) == 1
        db.engine.dispose()
