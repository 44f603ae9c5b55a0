"""The whole-number field: plain ASCII digits, as long as an id can be."""

from __future__ import annotations

import pytest
from werkzeug.datastructures import MultiDict
from wtforms import Form

from exercise_app.fields import WholeNumberField


class NumberForm(Form):
    number = WholeNumberField()


@pytest.mark.parametrize(("text", "value"), [("0", 0), ("7", 7), ("-3", -3), (" 12 ", 12),
                                             ("2147483647", 2**31 - 1), ("", None)])
def test_plain_digits_are_read(text, value):
    form = NumberForm(MultiDict({"number": text}))
    assert form.number.data == value
    assert not form.number.process_errors


@pytest.mark.parametrize("text", ["12345678901", "1_0", "\u0663", "\uff13", "3.5", "1e3",
                                  "+5", "nan", "abc"])
def test_anything_else_is_an_error(text):
    form = NumberForm(MultiDict({"number": text}))
    assert form.number.data is None
    assert form.number.process_errors == ["Enter a whole number, such as 3."]
