"""The clinic's people as the admin's users page lists them: searched, filtered and one page
at a time (plain rows in, no queries, no Flask)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

PAGE_SIZE = 50
ROLES = ("physio", "patient", "admin")
ACCOUNTS = ("active", "invited", "deactivated")


@dataclass(frozen=True)
class Person:
    """One account of the clinic, with what its row on the users page says."""

    id: int
    name: str
    email: str
    role: str  # a ``models.Role`` value
    active: bool  # not deactivated
    accepted: bool  # has set a password (joined)
    physio_name: str | None  # a patient's physio
    physio_active: bool | None  # whether that physio's account is active
    patient_count: int  # for a physio: how many patients are in their care (0 for others)

    @property
    def account(self) -> str:
        """"deactivated", "invited" (active, not joined yet) or "active"."""
        if not self.active:
            return "deactivated"
        return "active" if self.accepted else "invited"

    @property
    def can_take_over(self) -> bool:
        """A physio who can sign in, to whom another physio's patients may be handed over."""
        return self.role == "physio" and self.account == "active"


class Page(NamedTuple):
    people: Sequence[Person]
    number: int  # 1-based, within 1..pages
    pages: int  # at least 1


def filtered(people: Sequence[Person], search: str = "", role: str = "",
             account: str = "") -> Sequence[Person]:
    """The people who pass the page's filters, in the order given: ``search`` anywhere in the
    name or e-mail (any case); ``role`` one of ROLES, ``account`` one of ACCOUNTS; an empty or
    unknown filter lets everyone through."""
    wanted = search.casefold()
    if not wanted and role not in ROLES and account not in ACCOUNTS:
        return people
    return [person for person in people
            if (not wanted or wanted in f"{person.name} {person.email}".casefold())
            and (role not in ROLES or person.role == role)
            and (account not in ACCOUNTS or person.account == account)]


def page_of(people: Sequence[Person], requested: int, size: int = PAGE_SIZE) -> Page:
    """The page ``requested`` (brought within the pages there are) of ``people``."""
    pages = max(1, -(-len(people) // size))
    number = min(max(requested, 1), pages)
    return Page(people[(number - 1) * size:number * size], number, pages)
