"""Row locks taken before a write (PostgreSQL; SQLite writes one at a time anyway): one
writer at a time per patient, and accounts that must stay as read while a request relies on
them.

Every write to a patient's derived rows (programme versions, progression runs, the summary,
alerts) takes the patient's lock first, so that two requests (two workers, two tabs, the
physio and the patient) neither overwrite each other's summary nor deadlock by taking rows in
opposite orders: patient first, then whatever they write.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from .extensions import db
from .models import User

HELD = "patient_locks"  # session.info: (the transaction, the patients it has locked)


def lock_patient(patient_id: int) -> None:
    """Serialise writes to one patient's rows until the transaction ends (once per
    transaction: a second call for the same patient costs no query).

    FOR NO KEY UPDATE, not FOR UPDATE: the session just inserted holds a key-share lock on
    the same row through its foreign key, and FOR UPDATE would wait for another request's
    key-share while that request waits for ours (a deadlock seen in the bench).
    """
    session = db.session()  # the request's own Session (the proxy has no get_transaction)
    if session.get_bind().dialect.name != "postgresql":
        return  # SQLite: the transaction began with BEGIN IMMEDIATE, the one write lock
    held = session.info.get(HELD)
    transaction = session.get_transaction()
    if held is not None and transaction is not None and held[0] is transaction \
            and patient_id in held[1]:
        return
    session.execute(
        select(User.id).where(User.id == patient_id).with_for_update(key_share=True))
    transaction = session.get_transaction()
    if held is None or held[0] is not transaction:
        held = session.info[HELD] = (transaction, set())
    held[1].add(patient_id)


def lock_accounts(user_ids: Iterable[int], *, share: bool = False) -> dict[int, bool]:
    """Lock the users' rows (PostgreSQL) in id order, and say whether each is active now, as
    committed by a request that held them: FOR SHARE to rely on an account staying as it is
    (a physio inviting), else FOR NO KEY UPDATE to change it (an admin deactivating). A
    physio's invitation and their deactivation take the physio's row first, so the patient
    invited is either handed over with the rest or refused (``InviterInactive``)."""
    statement = select(User.id, User.active).where(User.id.in_(sorted(set(user_ids))))
    if db.session.get_bind().dialect.name == "postgresql":
        statement = statement.order_by(User.id).with_for_update(
            read=share, key_share=not share)
    return {user_id: active for user_id, active in db.session.execute(statement)}
