"""When an e-mail that could not be sent is tried again.

A critical alert's e-mail is queued in the same transaction as the alert and sent at once; if
the mail server refuses it or cannot be reached, it waits and is tried again, sooner at first
(a server restarting) and then every ``MAX_WAIT`` until it goes. It is never given up: the
admin's clinic page shows what is still waiting, and why.
"""

from __future__ import annotations

from datetime import timedelta

FIRST_WAIT = timedelta(minutes=1)
MAX_WAIT = timedelta(minutes=30)
# How long a sender may take over an e-mail before another may try it: one that died while
# sending leaves it to be tried again after this, and two senders never send it at once.
CLAIM = timedelta(minutes=5)
# An e-mail still waiting this long after it was queued is shown on the admin's clinic page
# (one being sent as the page is read is not).
NOTICE_AFTER = timedelta(minutes=2)
# A sent e-mail is kept this long (what went, and when, for a question about an alert), then
# deleted by ``flask mail send-pending``: its address and link need not stay for good.
KEEP_SENT = timedelta(days=30)
# What is kept of why sending failed (the column's length).
ERROR_LENGTH = 200


def wait_after(failures: int) -> timedelta:
    """How long to wait after the ``failures``-th failed attempt (1 for the first):
    1, 2, 4, 8, 16 minutes, then 30 minutes each time."""
    if failures < 1:
        raise ValueError("wait_after counts failures from 1")
    if failures > 6:  # 2 ** 5 minutes is already past the cap; no need for huge powers
        return MAX_WAIT
    wait: timedelta = FIRST_WAIT * 2 ** (failures - 1)
    return min(wait, MAX_WAIT)


def error_text(error: BaseException) -> str:
    """A failure as the admin reads it: its kind and message, on one line, cut to fit."""
    message = " ".join(str(error).split())
    text = f"{type(error).__name__}: {message}" if message else type(error).__name__
    return text if len(text) <= ERROR_LENGTH else text[:ERROR_LENGTH - 1] + "…"
