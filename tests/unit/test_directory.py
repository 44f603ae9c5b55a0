"""The admin's list of the clinic's people: search, filters and pages (no app, no database)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from exercise_app.admin.directory import ACCOUNTS, ROLES, Person, filtered, page_of


def person(n: int, name: str = "", *, role: str = "patient", active: bool = True,
           accepted: bool = True, email: str = "") -> Person:
    return Person(id=n, name=name or f"Person {n}", email=email or f"p{n}@example.org",
                  role=role, active=active, accepted=accepted, physio_name=None,
                  physio_active=None, patient_count=0)


people_lists = st.lists(
    st.builds(person, st.integers(1, 10_000), st.text(max_size=12), role=st.sampled_from(ROLES),
              active=st.booleans(), accepted=st.booleans()),
    max_size=60)


def test_an_account_is_deactivated_invited_or_active():
    assert person(1, active=False, accepted=True).account == "deactivated"
    assert person(2, active=False, accepted=False).account == "deactivated"
    assert person(3, accepted=False).account == "invited"
    assert person(4).account == "active"


def test_only_physios_who_can_sign_in_take_over_patients():
    assert person(1, role="physio").can_take_over
    assert not person(2, role="physio", accepted=False).can_take_over
    assert not person(3, role="physio", active=False).can_take_over
    assert not person(4, role="admin").can_take_over
    assert not person(5, role="patient").can_take_over


def test_the_search_finds_any_part_of_a_name_or_email_in_any_case():
    zoe = person(1, "Zoë Ødegaard", email="zoe@north.example")
    max_ = person(2, "Max Strauß", email="max@south.example")
    everyone = [zoe, max_]
    assert filtered(everyone, "ZOË") == [zoe]
    assert filtered(everyone, "strauss") == [max_]  # casefold: ß is "ss"
    assert filtered(everyone, "south.EX") == [max_]
    assert filtered(everyone, "example") == everyone
    assert filtered(everyone, "nobody") == []


def test_role_and_account_narrow_the_search_together():
    invited_physio = person(1, "Ann", role="physio", accepted=False)
    physio = person(2, "Ann", role="physio")
    patient = person(3, "Ann")
    everyone = [invited_physio, physio, patient]
    assert filtered(everyone, "ann", "physio") == [invited_physio, physio]
    assert filtered(everyone, "ann", "physio", "invited") == [invited_physio]
    assert filtered(everyone, "", "", "active") == [physio, patient]


@given(people_lists, st.text(max_size=3), st.sampled_from(("", "bogus", *ROLES)),
       st.sampled_from(("", "bogus", *ACCOUNTS)))
def test_filtering_keeps_exactly_the_matching_people_in_order(people, search, role, account):
    kept = filtered(people, search, role, account)

    def matches(p: Person) -> bool:
        return (search.casefold() in f"{p.name} {p.email}".casefold()
                and role in (p.role, "", "bogus") and account in (p.account, "", "bogus"))

    assert list(kept) == [p for p in people if matches(p)]


@given(people_lists, st.integers(-5, 20), st.integers(1, 25))
def test_the_pages_hold_everyone_once_and_a_page_asked_for_is_one_there_is(people, asked, size):
    page = page_of(people, asked, size)
    assert 1 <= page.number <= page.pages
    assert page.pages == max(1, -(-len(people) // size))
    assert len(page.people) <= size
    every = [p for number in range(1, page.pages + 1) for p in page_of(people, number, size).people]
    assert every == list(people)
    if 1 <= asked <= page.pages:
        assert page.number == asked


def test_a_page_past_the_last_shows_the_last():
    people = [person(n) for n in range(1, 121)]
    last = page_of(people, 99)
    assert (last.number, last.pages) == (3, 3)
    assert [p.id for p in last.people] == list(range(101, 121))
    assert page_of([], 5) == ([], 1, 1)
