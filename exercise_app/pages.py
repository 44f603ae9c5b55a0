"""Small helpers every feature's views share."""

from __future__ import annotations

from flask import render_template, request


def invalid(template: str, **context: object) -> tuple[str, int]:
    """Render a form page; when it was submitted and failed validation, answer 422."""
    status = 422 if request.method == "POST" else 200
    return render_template(template, **context), status
