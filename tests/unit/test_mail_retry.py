"""When a refused e-mail is tried again (``domain.mail_retry``), without an app."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from exercise_app.domain.mail_retry import (
    ERROR_LENGTH,
    FIRST_WAIT,
    MAX_WAIT,
    error_text,
    wait_after,
)


def test_the_waits_double_then_stay_at_the_cap():
    assert [wait_after(n) for n in range(1, 9)] == [
        timedelta(minutes=m) for m in (1, 2, 4, 8, 16, 30, 30, 30)]


def test_there_is_no_wait_before_a_failure():
    with pytest.raises(ValueError):
        wait_after(0)


@given(st.integers(min_value=1, max_value=10**9))
def test_a_wait_is_never_shorter_than_the_one_before_nor_past_the_cap(failures):
    assert FIRST_WAIT <= wait_after(failures) <= MAX_WAIT
    if failures > 1:
        assert wait_after(failures) >= wait_after(failures - 1)


@given(st.text())
def test_an_error_fits_its_column_on_one_line(message):
    text = error_text(OSError(message))
    assert len(text) <= ERROR_LENGTH
    assert "\n" not in text and "\r" not in text
    assert text.startswith("OSError")


def test_an_error_names_its_kind_and_message():
    assert error_text(ConnectionRefusedError(111, "Connection refused")) == (
        "ConnectionRefusedError: [Errno 111] Connection refused")
    assert error_text(TimeoutError()) == "TimeoutError"
