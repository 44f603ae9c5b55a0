"""Which red-flag screen a patient owes today, from what the queries loaded (no queries)."""

from __future__ import annotations

from datetime import date

from ..domain.red_flags import Occasion, pain_jumped, screening_due
from ..triage.queries import ScreeningState


def due_screen(state: ScreeningState, today: date) -> Occasion | None:
    """The screen due today: onboarding first, then weekly, then after a jump in pain."""
    jump = False
    if len(state.recent_pain) >= 2:
        (latest_at, latest), (_previous_at, previous) = state.recent_pain[:2]
        jump = pain_jumped(previous, latest) and (
            state.last_screened_at is None or latest_at > state.last_screened_at)
    return screening_due(state.last_screened, today, state.last_screened is not None, jump)
