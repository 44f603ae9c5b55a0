"""The page layout: the menu for each role, the current page marked, links under a mount point."""

from __future__ import annotations

import re

from flask import url_for

from exercise_app.main import NAV, NAV_FOR_EVERYONE


def menu(page: str) -> list[tuple[str, str, bool]]:
    nav = page[page.index('<nav aria-label="Main">'):page.index("</nav>")]
    return [(href, label, current.strip() == 'aria-current="page"') for href, current, label
            in re.findall(r'<li><a href="([^"]*)" ?([^>]*)>([^<]*)</a></li>', nav)]


def test_each_role_gets_its_menu_with_the_current_page_marked(app, client, auth, world):
    for user, role, page_url in ((world.patient, "patient", "/today"),
                                 (world.physio, "physio", "/clinic/patients"),
                                 (world.admin, "admin", "/admin/users")):
        auth.login(user)
        page = client.get(page_url).data.decode()
        with app.test_request_context():
            expected = [(url_for(endpoint), label, url_for(endpoint) == page_url)
                        for endpoint, label in (*NAV[user.role], *NAV_FOR_EVERYONE)]
        assert menu(page) == expected, role
        assert sum(current for _href, _label, current in menu(page)) == 1
        assert 'action="/logout"' in page and 'href="/static/app.css"' in page
        auth.logout()
    assert '<nav aria-label="Main">' not in client.get("/login").data.decode()


def test_links_follow_the_mount_point(client, auth, world):
    auth.login(world.patient)
    mounted = client.get("/today", base_url="http://localhost/app").data.decode()
    assert 'href="/app/static/app.css"' in mounted
    assert menu(mounted)[0][0] == "/app/today"
    plain = client.get("/today").data.decode()  # each mount point keeps its own links
    assert menu(plain)[0][0] == "/today"


def test_an_email_address_wraps_after_its_at_sign_or_a_dot(app, client, auth, world):
    """On a phone the patient page's e-mail broke mid-word ("alex@demo.exampl" / "e"): it
    now has a break opportunity after "@" and each dot, and stays escaped."""
    from exercise_app.main import email_breaks

    assert str(email_breaks("a.b@c.org")) == "a.<wbr>b@<wbr>c.<wbr>org"
    assert str(email_breaks("<i>@x")) == "&lt;i&gt;@<wbr>x"
    auth.login(world.physio)
    page = client.get(f"/clinic/patients/{world.patient.id}").data.decode()
    assert "<dd>paula.<wbr>patient@<wbr>example.<wbr>org</dd>" in page
    auth.logout()
    auth.login(world.admin)
    page = client.get("/admin/users").data.decode()
    assert '<span class="muted small">paula.<wbr>patient@<wbr>example.<wbr>org</span>' in page
