"""E-mails that must arrive (a critical alert's): queued in the transaction of what they tell
of, sent once it is committed, and tried again until the mail server takes them.

``queue_mail`` adds one to the caller's transaction, so a red flag is never saved without its
e-mail, nor an e-mail queued for a screen that was rolled back. ``send_queued`` sends what is
due, each e-mail in transactions of its own: it claims the e-mail (a conditional update, so
two senders, a request and ``flask mail send-pending``, never both send it), sends it, and
records that it went or when to try again (``domain.mail_retry``). A sender that dies
mid-way leaves its claim to run out, and the e-mail is tried again after it: an e-mail may
go twice (sent, then the record of it lost), never not at all.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime

from flask import Response, after_this_request, current_app, render_template
from flask_mailman import EmailMessage
from sqlalchemy import delete, func, select, update

from .domain.mail_retry import CLAIM, KEEP_SENT, error_text, wait_after
from .extensions import db
from .models import QueuedMail, now_utc

# E-mails a sender takes on in one go (``flask mail send-pending`` runs until none are due).
BATCH = 100


def queue_mail(clinic_id: int, to: str, subject: str, template: str,
               **context: object) -> QueuedMail:
    """Queue a plain-text e-mail rendered from ``templates/mail/<template>``, due now, in the
    current transaction (flushed, so that it has its id)."""
    now = now_utc()
    mail = QueuedMail(clinic_id=clinic_id, to_address=to, subject=subject,
                      body=render_template(f"mail/{template}", **context), created_at=now,
                      next_attempt_at=now, attempts=0)
    db.session.add(mail)
    db.session.flush()
    return mail


@dataclass(frozen=True)
class Sent:
    sent: int
    failed: int


def send_queued(ids: Collection[int] | None = None) -> Sent:
    """Send the queued e-mails that are due, oldest first (only those of ``ids`` if given),
    committing as it goes: call it after the caller's own work is committed."""
    sent = failed = 0
    while True:
        now = now_utc()
        query = select(QueuedMail.id).where(
            QueuedMail.sent_at.is_(None), QueuedMail.next_attempt_at <= now,
        ).order_by(QueuedMail.id).limit(BATCH)
        if ids is not None:
            query = query.where(QueuedMail.id.in_(list(ids)))
        due = list(db.session.scalars(query))
        db.session.commit()
        for mail_id in due:
            outcome = _send_one(mail_id)
            sent += outcome is True
            failed += outcome is False
        if len(due) < BATCH or ids is not None:
            return Sent(sent, failed)


def forget_sent() -> int:
    """Delete the e-mails sent more than ``KEEP_SENT`` ago; return how many."""
    deleted = db.session.execute(delete(QueuedMail).where(
        QueuedMail.sent_at.is_not(None), QueuedMail.sent_at < now_utc() - KEEP_SENT))
    db.session.commit()
    return deleted.rowcount


def _send_one(mail_id: int) -> bool | None:
    """Claim, send and record one e-mail: True sent, False failed, None another sender has
    it (or it went meanwhile). No transaction is open while the mail server is talked to: on
    SQLite one would hold the write lock for every writer meanwhile."""
    now = now_utc()
    claimed = db.session.execute(
        update(QueuedMail).where(QueuedMail.id == mail_id, QueuedMail.sent_at.is_(None),
                                 QueuedMail.next_attempt_at <= now)
        .values(next_attempt_at=now + CLAIM)
        .returning(QueuedMail.to_address, QueuedMail.subject, QueuedMail.body,
                   QueuedMail.attempts)).first()
    db.session.commit()
    if claimed is None:
        return None
    to, subject, body, attempts = claimed
    try:
        EmailMessage(subject=subject, body=body, to=[to]).send()
    except Exception as error:
        # smtplib's errors are OSErrors; a bad setting or a bug is tried again too (after a
        # fix, it goes), rather than losing a critical alert's e-mail to it.
        current_app.logger.exception("Could not send queued e-mail %s (%r to %s), failure %s",
                                     mail_id, subject, to, attempts + 1)
        _record(mail_id, attempts=attempts + 1, last_error=error_text(error),
                next_attempt_at=now_utc() + wait_after(attempts + 1))
        return False
    _record(mail_id, sent_at=now_utc())
    return True


def _record(mail_id: int, **values: object) -> None:
    db.session.execute(update(QueuedMail).where(QueuedMail.id == mail_id).values(**values))
    db.session.commit()


def after_response(task: Callable[[], None]) -> None:
    """Run ``task`` (in an app context) once the response has gone, where
    ``MAIL_AFTER_RESPONSE`` is on (the WSGI server closes the response after sending it), so
    the page does not wait for the mail server; else at once (tests read the mail a request
    sent as soon as it answers)."""
    if not current_app.config["MAIL_AFTER_RESPONSE"]:
        task()
        return
    app = current_app._get_current_object()  # type: ignore[attr-defined]

    def run() -> None:
        with app.app_context():
            task()

    @after_this_request
    def _when_sent(response: Response) -> Response:
        response.call_on_close(run)
        return response


def send_after_response(ids: Collection[int]) -> None:
    """Send the queued e-mails ``ids`` once the response has gone (``after_response``)."""
    wanted = list(ids)
    if wanted:
        after_response(lambda: send_queued(wanted))


@dataclass(frozen=True)
class Waiting:
    """A clinic's e-mails not sent yet: how many, since when, and the last failure's words."""

    count: int
    oldest: datetime
    last_error: str | None


def waiting(clinic_id: int, older_than: datetime) -> Waiting | None:
    """The clinic's e-mails queued before ``older_than`` and still not sent, or None (one
    query, on every load of the admin's page)."""
    unsent = (QueuedMail.clinic_id == clinic_id, QueuedMail.sent_at.is_(None))
    last_error = (
        select(QueuedMail.last_error)
        .where(*unsent, QueuedMail.last_error.is_not(None))
        .order_by(QueuedMail.next_attempt_at.desc()).limit(1).scalar_subquery()
    )
    count, oldest, error = db.session.execute(
        select(func.count(), func.min(QueuedMail.created_at), last_error)
        .where(*unsent, QueuedMail.created_at < older_than)).one()
    return Waiting(count, oldest, error) if count else None
