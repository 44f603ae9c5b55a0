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
    # A patient's two precautions at once: what either flags is hidden.
    unsuitable = page.get_by_role("group", name="Hide what is unsuitable for")
    unsuitable.get_by_label("Gluteal tendinopathy").check()
    unsuitable.get_by_label("Early after a posterior-approach hip replacement").check()
    page.get_by_role("button", name="Show exercises").click()
    expect(page.get_by_role("status")).to_contain_text("found")
    listed = page.locator(".ex-name a").all_inner_texts()
    tagged = {e.name for e in synced_library.exercises.values()
              if {"gluteal-tendinopathy", "posterior-thr-early"} & set(e.precautions)}
    assert listed and not tagged & set(listed)
    assert {e.name for e in synced_library.exercises.values()
            if "gluteal-tendinopathy" in e.precautions} and {
        e.name for e in synced_library.exercises.values()
        if "posterior-thr-early" in e.precautions and e.family == "glute-strength"}
    expect(unsuitable.get_by_label("Gluteal tendinopathy")).to_be_checked()  # kept on the page
    screenshot(page, "library-filtered")

    page.get_by_label("Family").select_option("")
    unsuitable.get_by_label("Gluteal tendinopathy").uncheck()
    unsuitable.get_by_label("Early after a posterior-approach hip replacement").uncheck()
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
