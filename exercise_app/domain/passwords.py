"""Password policy (OWASP ASVS 2.1): length, not common, not built from the account's details.

No composition rules: they make passwords harder to remember without making them stronger.
"""

from __future__ import annotations

import re
import unicodedata

MIN_LENGTH = 12  # ASVS 2.1.1: at least 12 characters
MAX_LENGTH = 128  # ASVS 2.1.2 asks to allow at least 64; 128 bounds hashing work per request

# Common choices that pass the length rule, drawn from the patterns breach corpora show most
# often: keyboard walks, counting, the word "password" and the product's own name.
_COMMON_WORDS = (
    "password",
    "passw0rd",
    "qwerty",
    "azerty",
    "asdfgh",
    "zxcvbn",
    "letmein",
    "welcome",
    "iloveyou",
    "admin",
    "changeme",
    "physio",
    "exercise",
    "monkey",
    "dragon",
    "football",
    "baseball",
    "sunshine",
    "princess",
    "trustno",
    "abc123",
)
_SEQUENCES = (
    "0123456789012345678901234567890",
    "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz",
    "qwertyuiopasdfghjklzxcvbnmqwertyuiop",
    "1qaz2wsx3edc4rfv5tgb",
)


def _normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def _is_mostly_common(password: str) -> bool:
    """True when the password is a common word or run padded with digits and symbols."""
    stripped = re.sub(r"[\W\d_]+", "", password)
    if len(set(password)) <= 3:
        return True
    for run in _SEQUENCES:
        if password in run or password in run[::-1]:
            return True
    for word in _COMMON_WORDS:
        if word in password and len(password.replace(word, "")) <= 6:
            return True
    return stripped in _COMMON_WORDS


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
    if _is_mostly_common(normal):
        problems.append("This password is too common. Try a few unrelated words together.")
    personal = [_normalise(email.split("@")[0]), *_normalise(display_name).split()]
    if any(len(part) >= 4 and part in normal for part in personal):
        problems.append("Do not build the password from your name or e-mail address.")
    return problems
