"""How a dose reads to a person, and how long it takes."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DoseText:
    """The parts of a dose a page shows: what to do, rest, and how often."""

    work: str
    rest: str
    frequency: str


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


HOLD = "hold"  # what one timed set is called, unless the exercise names it ("walk")


def whole_minutes(seconds: int, bout: str = HOLD) -> int | None:
    """A timed set's length in minutes, where it is said so: whole minutes of anything but a
    hold (a walk); None when it is said in seconds."""
    return seconds // 60 if bout != HOLD and seconds >= 60 and seconds % 60 == 0 else None


def timed(seconds: int, bout: str = HOLD) -> str:
    """A timed set's length: '30 seconds', or '2 minutes' (``whole_minutes``)."""
    minutes = whole_minutes(seconds, bout)
    return _plural(seconds, "second") if minutes is None else _plural(minutes, "minute")


def describe_dose(
    *,
    sets: int,
    reps: int | None,
    hold_seconds: int | None,
    rest_seconds: int,
    sessions_per_week: int,
    each_side: bool,
    bout: str = HOLD,
) -> DoseText:
    """Describe a dose in plain words, e.g. '2 sets of 10, holding each for 3 seconds', or,
    for a timed exercise whose sets are called ``bout``, '3 walks of 2 minutes'."""
    side = " on each side" if each_side else ""
    if reps is not None and hold_seconds is not None:
        work = (
            f"{_plural(sets, 'set')} of {reps}{side}, "
            f"holding each for {_plural(hold_seconds, 'second')}"
        )
    elif reps is not None:
        work = f"{_plural(sets, 'set')} of {reps}{side}"
    elif hold_seconds is not None:
        work = f"{_plural(sets, bout)} of {timed(hold_seconds, bout)}{side}"
    else:
        raise ValueError("a dose needs reps or a hold time")
    # The routine rests after every set on every side but the last (``estimated_seconds``):
    # one set on each side rests between the sides, and a single set not at all.
    bouts = sets * (2 if each_side else 1)
    if rest_seconds == 0 or bouts <= 1:
        rest = "no rest needed"
    elif not each_side:
        rest = f"rest {rest_seconds} s between sets"
    elif sets == 1:
        rest = f"rest {rest_seconds} s between sides"
    else:
        rest = f"rest {rest_seconds} s between sets and sides"
    if sessions_per_week == 7:
        frequency = "every day"
    elif sessions_per_week == 1:
        frequency = "once a week"
    else:
        frequency = f"{sessions_per_week} days a week"
    return DoseText(work=work, rest=rest, frequency=frequency)


SECONDS_PER_REP = 4  # a controlled repetition (about 2 s each way) when no tempo is given


def estimated_seconds(
    *,
    sets: int,
    reps: int | None,
    hold_seconds: int | None,
    rest_seconds: int,
    each_side: bool,
    tempo: tuple[int, int, int] | None = None,
) -> int:
    """Roughly how long an exercise takes: work plus rests, both sides. The guided routine
    rests after every bout but the last, and a one-side-at-a-time set is two bouts (left,
    then right), so there are ``sets * sides - 1`` rests."""
    per_rep = sum(tempo) if tempo else SECONDS_PER_REP
    work = reps * (per_rep + (hold_seconds or 0)) if reps is not None else hold_seconds or 0
    sides = 2 if each_side else 1
    return sets * work * sides + max(sets * sides - 1, 0) * rest_seconds
