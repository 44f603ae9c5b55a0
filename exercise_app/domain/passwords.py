"""Password policy (OWASP ASVS 2.1): length, not easy to guess, not built from the account's
details.

No composition rules: they make passwords harder to remember without making them stronger.
"""

from __future__ import annotations

import unicodedata

from zxcvbn import zxcvbn

MIN_LENGTH = 12  # ASVS 2.1.1: at least 12 characters
MAX_LENGTH = 128  # ASVS 2.1.2 asks to allow at least 64; 128 bounds hashing work per request

GUESSES_SCORE_MIN = 3  # zxcvbn's score, 0-4: 3 is about 10^8 guesses or more
ASSESSED_LENGTH = 64  # the estimate's work grows with length; the rest only adds to it
# The product's own words: a password built on them is easier to guess here.
SITE_WORDS = ("physio", "physiotherapy", "exercise", "hip", "back", "programme", "clinic")


def _normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def _too_guessable(password: str, personal: list[str]) -> bool:
    """Whether the password is quick to guess, by zxcvbn's estimate (Dropbox's: common
    passwords and words from breach corpora, keyboard walks, repeats, sequences, dates, and
    the user's own details), rather than a hand-kept list of a few."""
    inputs = [*SITE_WORDS, *(part for part in personal if part)]
    score: int = zxcvbn(password[:ASSESSED_LENGTH], user_inputs=inputs)["score"]
    return score < GUESSES_SCORE_MIN


def password_problems(password: str, *, email: str = "", display_name: str = "") -> list[str]:
    """Return what is wrong with ``password`` as plain sentences; empty when it is acceptable."""
    problems: list[str] = []
    if len(password) < MIN_LENGTH:
        problems.append(f"Use at least {MIN_LENGTH} characters.")
    if len(password) > MAX_LENGTH:
        problems.append(f"Use at most {MAX_LENGTH} characters.")
    if problems:
        return problems
    normal = _normalise(password)
    personal = [_normalise(email.split("@")[0]), *_normalise(display_name).split()]
    if any(len(part) >= 4 and part in normal for part in personal):
        problems.append("Do not build the password from your name or e-mail address.")
    elif _too_guessable(normal, personal):
        problems.append("This password is too common or too easy to guess. Try a few "
                        "unrelated words together.")
    return problems
