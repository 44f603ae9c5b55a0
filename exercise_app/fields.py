"""Form fields with the input policy security.md asks for."""

from __future__ import annotations

import re
from typing import Any

from wtforms import FieldList, IntegerField, SelectMultipleField, widgets

ASCII_INTEGER = re.compile(r"-?[0-9]{1,10}")  # ids reach 2**31 - 1


class WholeNumberField(IntegerField):
    """An integer typed with ASCII digits only.

    WTForms' IntegerField also accepts "1_0", Arabic-Indic and full-width digits through
    ``int()`` (security.md trap 3); a pain score or a rep count is plain digits.
    """

    def process_formdata(self, valuelist: list[Any]) -> None:
        if not valuelist:
            return
        raw = valuelist[0]
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            self.data = None
            return
        if isinstance(raw, int):
            self.data = raw
            return
        text = str(raw).strip()
        if not ASCII_INTEGER.fullmatch(text):
            self.data = None
            raise ValueError(self.gettext("Enter a whole number, such as 3."))
        self.data = int(text)


class CheckboxListField(SelectMultipleField):
    """Several choices shown as checkboxes."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class RowList(FieldList):
    """A list of form rows (``exercises-0-...``) whose row numbers are ASCII digits, nine at
    most. WTForms takes any name part that ``str.isdigit`` passes, and then ``int`` refused a
    superscript "¹" (a 500), as it would a number of 4,300 digits."""

    def _extract_indices(self, prefix: str, formdata: Any) -> Any:
        offset = len(prefix) + 1
        for key in formdata:
            if key.startswith(prefix):
                number = key[offset:].split(self._field_separator, 1)[0]
                if number.isascii() and number.isdigit() and len(number) <= 9:
                    yield int(number)
