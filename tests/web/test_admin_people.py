"""The admin's users page for a clinic of any size: search, filters, pages of 50, and forms
that come back to the listing they were sent from."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

from exercise_app.admin.directory import PAGE_SIZE
from exercise_app.extensions import db
from exercise_app.models import Role, User
from tests.conftest import QueryCounter, add_user, snapshot

# The clinic of ``world``: Ada Admin, two physios, two patients and Ivy, who is invited.
WORLD_CLINIC = 6


def names(page: str) -> list[str]:
    """The people listed on a users page, in order."""
    return re.findall(r'<tr>\s*<th scope="row">([^<]+)<br>', page)


def add_people(app, world, count: int, *, role: Role = Role.PATIENT, stem: str = "Member"):
    """``count`` more people in the admin's clinic, named "<stem> 001" onwards (so that they
    sort by number), patients in Pat Physio's care."""
    with app.app_context():
        physio = db.session.get(User, world.physio.id)
        for n in range(1, count + 1):
            add_user(world.clinic, role, f"{stem} {n:03}",
                     physio=physio if role is Role.PATIENT else None)
        db.session.commit()


def listing(client, **query) -> str:
    response = client.get("/admin/users", query_string=query)
    assert response.status_code == 200
    return response.data.decode()


def test_the_search_finds_a_name_or_email_in_any_case_in_the_own_clinic_only(
        app, client, auth, world):
    with app.app_context():
        add_user(world.clinic, Role.PATIENT, "Zoë Ødegaard")
        db.session.commit()
    auth.login(world.admin)
    assert names(listing(client, q="ZOË")) == ["Zoë Ødegaard"]
    page = listing(client, q="otherpatient@EXAMPLE")
    assert names(page) == ["Otto Otherpatient"]
    assert "1 matches the search" in page and f"{WORLD_CLINIC + 1} people in the clinic" in page
    assert 'value="otherpatient@EXAMPLE"' in page  # the box keeps the search
    # Fay, Fern and Finn are of another clinic: never listed, whatever is typed.
    assert names(listing(client, q="foreign")) == []
    assert "No one in the clinic matches this search." in listing(client, q="foreign")


def test_role_and_account_filters_narrow_the_list(app, client, auth, world):
    auth.login(world.admin)
    assert names(listing(client, role="physio")) == ["Olive Otherphysio", "Pat Physio"]
    assert names(listing(client, account="invited")) == ["Ivy Invited"]
    assert names(listing(client, role="patient", account="active")) == [
        "Otto Otherpatient", "Paula Patient"]
    page = listing(client, role="patient", account="invited")
    assert re.search(r'<input checked id="role-2" name="role" type="radio" value="patient">',
                     page)
    assert re.search(r'<input checked id="account-2" name="account" type="radio" '
                     r'value="invited">', page)


def test_filters_that_do_not_validate_are_dropped_not_an_error(app, client, auth, world):
    auth.login(world.admin)
    everyone = names(listing(client))
    assert len(everyone) == WORLD_CLINIC
    for query in ({"role": "superuser"}, {"account": "' OR 1=1 --"}, {"q": "x" * 81},
                  {"page": "abc"}, {"page": "-3"}, {"page": "99999999999999999999"}):
        assert names(listing(client, **query)) == everyone, query


def test_a_large_clinic_is_shown_fifty_at_a_time_with_the_filters_kept(
        app, client, auth, world):
    add_people(app, world, 120)
    auth.login(world.admin)
    first = listing(client, q="member")
    assert names(first) == [f"Member {n:03}" for n in range(1, PAGE_SIZE + 1)]
    assert "Page 1 of 3" in first and 'rel="prev"' not in first
    following = re.search(r'<a class="button" href="([^"]+)" rel="next">', first).group(1)
    assert parse_qs(urlsplit(following.replace("&amp;", "&")).query) == {
        "q": ["member"], "page": ["2"]}
    second = client.get(following.replace("&amp;", "&")).data.decode()
    assert names(second) == [f"Member {n:03}" for n in range(PAGE_SIZE + 1, 2 * PAGE_SIZE + 1)]
    assert 'rel="prev"' in second and "Page 2 of 3" in second
    # A page past the last shows the last.
    assert names(listing(client, q="member", page=9)) == [
        f"Member {n:03}" for n in range(2 * PAGE_SIZE + 1, 121)]


def test_the_page_runs_as_many_queries_for_6_people_as_for_126(app, client, auth, world):
    auth.login(world.admin)
    listing(client)  # the first request after sign-in stores the CSRF secret
    with QueryCounter(app) as small:
        listing(client)
    add_people(app, world, 120)
    add_people(app, world, 3, role=Role.PHYSIO, stem="Physio")
    with QueryCounter(app) as large:
        listing(client, page=2)
    assert large.count == small.count


def test_a_form_sent_from_a_listing_comes_back_to_it(app, client, auth, world):
    add_people(app, world, 60)
    auth.login(world.admin)
    second = listing(client, q="member", page=2)
    target = names(second)[0]
    action = re.search(rf'<th scope="row">{target}<br>.*?<form method="post" action="([^"]+)"',
                       second, re.S).group(1).replace("&amp;", "&")
    assert re.fullmatch(r"/admin/users/\d+/deactivate\?(q=member&page=2|page=2&q=member)",
                        action)
    response = client.post(action)
    assert response.status_code == 303
    back = urlsplit(response.headers["Location"])
    assert back.path == "/admin/users"
    assert parse_qs(back.query) == {"q": ["member"], "page": ["2"]}
    after = client.get(response.headers["Location"]).data.decode()
    assert f"{target} is deactivated" in after
    row = re.search(rf'<th scope="row">{target}<br>.*?</tr>', after, re.S).group(0)
    assert "Deactivated" in row and "/reactivate" in row


def test_a_refused_deactivation_shows_that_person_with_every_physio_to_choose(
        app, client, auth, world):
    # Pat Physio sorts after the first page of physios: the refusal still shows Pat's row,
    # and the takeover offers every active physio, not only those on a page.
    add_people(app, world, 60, role=Role.PHYSIO, stem="Aaron")
    auth.login(world.admin)
    assert "Pat Physio" not in names(listing(client, role="physio"))
    before = snapshot(app)
    response = client.post(f"/admin/users/{world.physio.id}/deactivate?role=physio")
    assert response.status_code == 409
    page = response.data.decode()
    assert snapshot(app) == before
    assert names(page) == ["Pat Physio"]
    assert f'value="{world.physio.email}"' in page  # the search box says why only Pat
    assert "Pat Physio cares for 2 patients" in page
    options = re.findall(r'<option value="(\d+)">([^<]+)</option>', page)
    assert len(options) == 61  # the 60 added and Olive, not Pat
    assert (str(world.other_physio.id), "Olive Otherphysio") in options
