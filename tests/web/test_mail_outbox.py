"""A red flag's e-mail is queued with the screen and tried again until the mail server takes
it; the admin sees what is still waiting (``exercise_app.outbox``)."""

from __future__ import annotations

import smtplib
from datetime import timedelta

import pytest
from flask_mailman import EmailMessage
from sqlalchemy import select, update

from exercise_app import outbox
from exercise_app.domain.mail_retry import CLAIM, KEEP_SENT, NOTICE_AFTER, wait_after
from exercise_app.domain.red_flags import Occasion
from exercise_app.extensions import db
from exercise_app.models import Alert, QueuedMail, Role, Screening, User, now_utc
from tests.web.test_safety import all_no

ADMIN_NOTICE = "critical alert e-mail"


def _sent(app) -> list:
    return list(getattr(app.extensions["mailman"], "outbox", []))


def _queued(app) -> list[QueuedMail]:
    with app.app_context():
        mails = list(db.session.scalars(select(QueuedMail).order_by(QueuedMail.id)))
        db.session.expunge_all()
        return mails


@pytest.fixture
def server_down(monkeypatch):
    """The mail server refuses every e-mail until ``.up()``."""

    class Server:
        down = True

        def up(self) -> None:
            self.down = False

    server = Server()
    real_send = EmailMessage.send

    def send(message, *args, **kwargs):
        if server.down:
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        return real_send(message, *args, **kwargs)

    monkeypatch.setattr(EmailMessage, "send", send)
    return server


def _red_flag(client, auth, world) -> None:
    auth.login(world.patient)
    response = client.post("/check", data={**all_no(Occasion.ONBOARDING), "ce_bladder": "yes"})
    assert response.status_code == 303
    auth.logout()


def _due_now(app) -> None:
    """Time passes: every waiting e-mail is due again, and old enough for the admin's page."""
    with app.app_context():
        db.session.execute(update(QueuedMail).values(
            next_attempt_at=now_utc() - timedelta(seconds=1),
            created_at=now_utc() - NOTICE_AFTER - timedelta(minutes=1)))
        db.session.commit()


def test_a_sent_red_flag_email_is_recorded_as_sent(app, client, auth, new_patient):
    world = new_patient
    _red_flag(client, auth, world)
    [mail] = _sent(app)
    assert mail.to == [world.physio.email]
    [queued] = _queued(app)
    assert queued.sent_at is not None and queued.attempts == 0
    assert queued.to_address == world.physio.email and queued.body == mail.body
    assert queued.clinic_id == world.clinic.id


def test_a_refused_email_is_kept_and_sent_when_the_server_is_back(app, client, auth, runner,
                                                                   new_patient, server_down):
    world = new_patient
    _red_flag(client, auth, world)
    # The patient's red flag is saved and they are told where to get care, mail or no mail.
    with app.app_context():
        assert db.session.scalar(select(Screening.flagged)) == ["ce_bladder"]
        assert db.session.scalar(select(Alert.code)) == "red_flag"
    auth.login(world.patient)
    assert "Get emergency help now" in client.get("/check").data.decode()
    auth.logout()
    assert _sent(app) == []
    [queued] = _queued(app)
    assert queued.sent_at is None and queued.attempts == 1
    assert queued.last_error == "SMTPServerDisconnected: Connection unexpectedly closed"
    assert queued.next_attempt_at > now_utc() + wait_after(1) - timedelta(seconds=30)

    # Not due yet: the sender leaves it alone.
    result = runner.invoke(args=["mail", "send-pending"])
    assert result.exit_code == 0 and "0 sent, 0 failed" in result.output
    assert _queued(app)[0].attempts == 1

    # Due and still refused: a second failure, a longer wait, and the command says so.
    _due_now(app)
    result = runner.invoke(args=["mail", "send-pending"])
    assert result.exit_code == 1 and "0 sent, 1 failed" in result.output
    [queued] = _queued(app)
    assert queued.attempts == 2 and queued.sent_at is None
    assert queued.next_attempt_at > now_utc() + wait_after(2) - timedelta(seconds=30)

    # The admin sees what is waiting, and why; the physio's e-mail is not shown to them twice.
    _due_now(app)
    auth.login(world.admin)
    page = client.get("/admin/users").data.decode()
    assert "1 critical alert e-mail has not been sent yet" in page
    assert "SMTPServerDisconnected: Connection unexpectedly closed" in page
    auth.logout()

    server_down.up()
    result = runner.invoke(args=["mail", "send-pending"])
    assert result.exit_code == 0 and "1 sent, 0 failed" in result.output
    [mail] = _sent(app)
    assert mail.to == [world.physio.email] and "Critical alert" in mail.subject
    assert f"/clinic/patients/{world.patient.id}" in mail.body
    assert _queued(app)[0].sent_at is not None
    # Sent once: another run finds nothing to send.
    assert "0 sent, 0 failed" in runner.invoke(args=["mail", "send-pending"]).output
    assert len(_sent(app)) == 1
    auth.login(world.admin)
    assert ADMIN_NOTICE not in client.get("/admin/users").data.decode()


def test_the_admin_sees_only_their_own_clinics_waiting_emails(app, client, auth, world,
                                                              new_patient, server_down):
    _red_flag(client, auth, world)
    _due_now(app)
    auth.login(world.foreign_admin)
    assert ADMIN_NOTICE not in client.get("/admin/users").data.decode()
    auth.logout()
    auth.login(world.admin)
    assert ADMIN_NOTICE in client.get("/admin/users").data.decode()


def test_an_email_being_sent_is_not_sent_again_by_another_sender(app, client, auth,
                                                                 new_patient, server_down):
    """Two senders (a request and the cron job, or two cron runs) never both send one e-mail:
    the second finds it claimed until the first is done or its claim runs out."""
    world = new_patient
    _red_flag(client, auth, world)
    _due_now(app)
    server_down.up()
    seen_by_second: list[object] = []
    real_send = EmailMessage.send

    def send_while_another_sender_runs(message, *args, **kwargs):
        with app.app_context():  # another sender, with its own session and connection
            seen_by_second.append(outbox.send_queued())
        return real_send(message, *args, **kwargs)

    EmailMessage.send = send_while_another_sender_runs  # undone by server_down's monkeypatch
    with app.app_context():
        first = outbox.send_queued()
    assert first == outbox.Sent(sent=1, failed=0)
    assert seen_by_second == [outbox.Sent(sent=0, failed=0)]
    assert len(_sent(app)) == 1


def test_a_sender_that_died_leaves_the_email_to_be_tried_after_its_claim(app, client, auth,
                                                                         new_patient,
                                                                         server_down):
    world = new_patient
    _red_flag(client, auth, world)
    server_down.up()
    with app.app_context():  # claimed by a sender that never finished
        db.session.execute(update(QueuedMail).values(next_attempt_at=now_utc() + CLAIM))
        db.session.commit()
        assert outbox.send_queued() == outbox.Sent(0, 0)
        db.session.execute(update(QueuedMail).values(
            next_attempt_at=now_utc() - timedelta(seconds=1)))
        db.session.commit()
        assert outbox.send_queued() == outbox.Sent(1, 0)
    assert len(_sent(app)) == 1


def test_the_daily_job_sends_what_is_waiting(app, client, auth, runner, new_patient,
                                             server_down):
    _red_flag(client, auth, new_patient)
    _due_now(app)
    server_down.up()
    result = runner.invoke(args=["summaries", "rebuild"])
    assert result.exit_code == 0 and "Queued e-mails: 1 sent, 0 failed." in result.output
    assert len(_sent(app)) == 1


def test_admins_emails_are_queued_when_no_physio_cares_for_the_patient(app, client, auth,
                                                                        new_patient,
                                                                        server_down):
    world = new_patient
    with app.app_context():
        db.session.execute(update(User).where(User.id == world.physio.id).values(active=False))
        second = User(clinic_id=world.clinic.id, role=Role.ADMIN, email="second@example.org",
                      display_name="Second Admin", time_zone="Europe/London")
        db.session.add(second)
        db.session.commit()
    _red_flag(client, auth, world)
    assert sorted(m.to_address for m in _queued(app)) == [world.admin.email,
                                                          "second@example.org"]
    assert all(m.attempts == 1 for m in _queued(app))
    _due_now(app)
    server_down.up()
    with app.app_context():
        assert outbox.send_queued() == outbox.Sent(2, 0)
    assert sorted(m.to[0] for m in _sent(app)) == [world.admin.email, "second@example.org"]


def test_an_unexpected_failure_is_retried_too(app, client, auth, new_patient, monkeypatch):
    """A bad setting (here a mail backend that raises something other than an OSError) does
    not lose the e-mail, nor turn the patient's answer into an error page."""

    def broken(message, *args, **kwargs):
        raise ValueError("bad\nsetting")

    monkeypatch.setattr(EmailMessage, "send", broken)
    _red_flag(client, auth, new_patient)
    [queued] = _queued(app)
    assert queued.attempts == 1 and queued.last_error == "ValueError: bad setting"


def test_sent_emails_are_deleted_after_the_keeping_time(app, client, auth, runner, world,
                                                        new_patient, server_down):
    """What went is kept a while (for a question about an alert), then deleted: an address
    and a link to a patient's page need not stay for good. Unsent ones are never deleted."""
    _red_flag(client, auth, world)  # refused: waiting
    now = now_utc()
    with app.app_context():
        for sent_at in (now - KEEP_SENT - timedelta(minutes=1), now - KEEP_SENT + timedelta(
                minutes=5)):
            db.session.add(QueuedMail(
                clinic_id=world.clinic.id, to_address=world.physio.email, subject="Old",
                body="...", created_at=sent_at, next_attempt_at=sent_at, attempts=0,
                sent_at=sent_at))
        db.session.execute(update(QueuedMail).where(QueuedMail.sent_at.is_(None)).values(
            created_at=now - KEEP_SENT - timedelta(days=3)))
        db.session.commit()
    result = runner.invoke(args=["mail", "send-pending"])
    assert "Deleted 1 e-mails sent more than 30 days ago." in result.output
    kept = _queued(app)
    assert [(m.subject, m.sent_at is None) for m in kept] == [
        ("Critical alert: a patient needs you", True), ("Old", False)]
    assert kept[1].sent_at > now - KEEP_SENT
