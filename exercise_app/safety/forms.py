"""The red-flag screen: one yes/no question per warning sign, every one answered."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import RadioField, SelectChoice
from wtforms.validators import InputRequired

from ..domain.red_flags import Occasion, questions_for

ANSWERS = [SelectChoice("no", "No"), SelectChoice("yes", "Yes")]


def screening_form(occasion: Occasion) -> FlaskForm:
    """A form with the questions asked on this occasion, in the order they are asked."""
    fields: dict[str, Any] = {
        question.id: RadioField(question.text, choices=ANSWERS,
                                validators=[InputRequired("Answer yes or no.")])
        for question in questions_for(occasion)
    }
    return type("ScreeningForm", (FlaskForm,), fields)()


def answers(form: FlaskForm, occasion: Occasion) -> dict[str, bool]:
    return {q.id: getattr(form, q.id).data == "yes" for q in questions_for(occasion)}

