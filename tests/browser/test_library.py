"""Browsing the exercise library at phone and desktop widths."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tests.browser.test_accounts import people, sign_in  # noqa: F401 - fixture reuse

pytestmark = pytest.mark.browser


def test_physio_filters_the_library_and_climbs_a_ladder(page, people, synced_library):  # noqa: F811
    sign_in(page, people["physio"])
    page.get_by_role("link", name="Library").click()
    expect(page.get_by_role("heading", name="Exercise library")).to_be_visible()
    page.get_by_text("Filters: family").click()  # the filters fold away until asked for
    page.get_by_label("Family").select_option("glute-strength")
    page.get_by_label("Hide what is unsuitable for").select_option("gluteal-tendinopathy")
    page.get_by_role("button", name="Show exercises").click()
    expect(page.get_by_role("status")).to_contain_text("found")
    listed = page.locator(".ex-name a").all_inner_texts()
    tagged = {e.name for e in synced_library.exercises.values()
              if "gluteal-tendinopathy" in e.precautions}
    assert listed and not tagged & set(listed)
    screenshot(page, "library-filtered")

    page.get_by_label("Family").select_option("")
    page.get_by_label("Hide what is unsuitable for").select_option("")
    page.get_by_label("Search by name").fill("bridge")
    page.get_by_role("button", name="Show exercises").click()
    bridge = synced_library.exercises["glute-bridge"]
    page.get_by_role("link", name=bridge.name, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(bridge.name)
    demo = page.get_by_role("img", name=f"Animated figure showing {bridge.name.lower()}")
    expect(demo).to_be_visible()
    assert demo.evaluate("img => img.complete && img.naturalWidth > 0")
    screenshot(page, "library-exercise")
    harder = synced_library.exercises[bridge.ladder.harder]
    page.get_by_role("link", name=f"Harder: {harder.name}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(harder.name)
    page.get_by_role("link", name=f"Easier: {bridge.name}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(bridge.name)


def test_patient_reads_a_programme_template(page, people, synced_library):  # noqa: F811
    sign_in(page, people["patient"])
    page.get_by_role("link", name="Exercises").click()
    page.get_by_role("link", name="Programme templates").click()
    template = synced_library.programmes["hip-and-back-starter"]
    page.get_by_role("link", name=template.name).click()
    for stage in template.stages:
        expect(page.get_by_role("heading", name=stage.name)).to_be_visible()
    screenshot(page, "library-programme")


def test_gallery_renders_every_demonstration(page, people, synced_library):  # noqa: F811
    sign_in(page, people["physio"])
    page.goto("/library/gallery")
    images = page.locator(".gallery img")
    expect(images).to_have_count(len(synced_library.exercises))
    images.last.scroll_into_view_if_needed()
    page.wait_for_function(
        "() => [...document.querySelectorAll('.gallery img')].every(i => i.complete)")
    broken = page.evaluate(
        "() => [...document.querySelectorAll('.gallery img')]"
        ".filter(i => !i.naturalWidth).map(i => i.alt)")
    assert broken == []
    screenshot(page, "library-gallery")
