from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from exercise_app.domain.passwords import MAX_LENGTH, MIN_LENGTH, password_problems


@given(st.text(max_size=MIN_LENGTH - 1))
def test_anything_shorter_than_the_minimum_is_refused(password):
    assert password_problems(password)


@given(st.text(min_size=MAX_LENGTH + 1, max_size=MAX_LENGTH + 50))
def test_anything_longer_than_the_maximum_is_refused(password):
    assert password_problems(password)


@given(st.lists(st.sampled_from(["maple", "quartz", "harbour", "violet", "tundra", "cobalt",
                                 "meadow", "lantern"]), min_size=3, max_size=5, unique=True))
def test_several_unrelated_words_are_accepted(words):
    assert password_problems("-".join(words)) == []


def test_sixty_four_characters_are_allowed():
    assert password_problems("plum-orbit-" * 5 + "seventeen-words-ok") == []


def test_no_composition_rules():
    assert password_problems("all lower case words here") == []


def test_common_patterns_are_refused():
    for password in ("password1234", "123456789012", "qwertyuiop12", "aaaaaaaaaaaa",
                     "Password!2024", "abcdefghijklm", "iloveyou1234", "welcome12345"):
        assert password_problems(password), password


def test_personal_details_are_refused():
    problems = password_problems("jordan-summer-2026", email="jordan@example.org")
    assert any("name or e-mail" in p for p in problems)
    problems = password_problems("my-name-is-okafor!", display_name="Sam Okafor")
    assert any("name or e-mail" in p for p in problems)
