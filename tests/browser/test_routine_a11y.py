"""The routine on a small phone, by keyboard and in forced colours: scale options big enough to
tap, focus never under the sticky Back/Next bar, the chosen number visible in a contrast theme."""

from __future__ import annotations

from contextlib import contextmanager
from itertools import pairwise

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tests.browser.test_accounts import sign_in
from tests.browser.test_routine import choose, routine, trainer  # noqa: F401 - fixture reuse

pytestmark = pytest.mark.browser

SMALL_PHONE = {"width": 360, "height": 640}
TARGET = 44  # px, the smallest comfortable tap target (WCAG 2.5.5)


@contextmanager
def signed_in(browser, live_server, email: str, name: str, **options):
    context = browser.new_context(base_url=live_server, **options)
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.width_name = name  # type: ignore[attr-defined]
    try:
        sign_in(page, email)
        yield page
    finally:
        context.close()


OPTION_BOXES = """fieldset => [...fieldset.querySelectorAll('.scale-option')].map(option => {
  const box = option.getBoundingClientRect();
  const card = fieldset.closest('.card').getBoundingClientRect();
  const anchor = option.querySelector('.scale-anchor');
  const words = anchor && anchor.getBoundingClientRect();
  return {top: box.top, width: box.width, cardLeft: card.left, cardRight: card.right,
          words: words && {left: words.left, right: words.right,
                           overflows: anchor.scrollWidth > words.width + 1}};
})"""


@pytest.mark.parametrize("width", [360, 640, 800])
def test_every_scale_option_is_as_wide_as_the_others(browser, live_server, routine,  # noqa: F811
                                                     width):
    """Columns of 1fr could not shrink below their longest anchor word: at 360 px options 2
    and 8 were 17 px wide. Every option is now one equal column, 44 px or more; the anchor
    words wrap, reaching a little under the neighbouring numbers, never into another anchor
    or out of the card. Checked on the checklist, where every scale is shown."""
    with signed_in(browser, live_server, routine["email"], f"{width}-nojs",
                   viewport={"width": width, "height": 900},
                   java_script_enabled=False) as page:
        page.goto("/routine")
        for name in ("pain_before", "pain_during", "pain_after", "effort"):
            options = page.locator(f"fieldset#{name}").evaluate(OPTION_BOXES)
            assert len(options) == 11
            widths = [o["width"] for o in options]
            assert min(widths) >= TARGET, (name, widths)
            assert max(widths) - min(widths) < 1, (name, widths)
            anchors = [o for o in options if o["words"]]
            for o in anchors:
                assert o["cardLeft"] < o["words"]["left"] < o["words"]["right"] < o["cardRight"]
                assert not o["words"]["overflows"], (name, o)  # no word wider than its box
            for a, b in pairwise(anchors):
                if a["top"] == b["top"]:  # the same row
                    assert a["words"]["right"] < b["words"]["left"], (name, a, b)
        if width == 360:
            screenshot(page, "routine-scales")


def test_keyboard_focus_is_never_under_the_back_next_bar(browser, live_server,
                                                       routine):  # noqa: F811
    """On a phone the sticky Back/Next bar covered "Stop: this hurts" as the patient tabbed
    to it: the browser scrolls only a control it thinks is out of view."""
    with signed_in(browser, live_server, routine["email"], "360",
                   viewport=SMALL_PHONE, has_touch=True) as page:
        page.goto("/routine")
        choose(page, "pain_before", 2)
        page.get_by_role("button", name="Next").click()
        stop = trainer(page).get_by_role("button", name="Stop: this hurts")
        expect(stop).to_be_visible()
        covered = []
        for _ in range(30):
            page.keyboard.press("Tab")
            focus = page.evaluate("""() => {
              const el = document.activeElement, box = el.getBoundingClientRect();
              const bar = document.querySelector('.guide-nav').getBoundingClientRect();
              return {text: (el.textContent || el.tagName).trim().slice(0, 30),
                      top: box.top, bottom: box.bottom, barTop: bar.top,
                      inBar: !!el.closest('.guide-nav'),
                      stop: el.textContent === 'Stop: this hurts'};
            }""")
            if not focus["inBar"] and focus["bottom"] > focus["barTop"]:
                covered.append(focus)
            if focus["stop"]:
                break
        else:
            raise AssertionError("Tab never reached Stop: this hurts")
        assert covered == []
        screenshot(page, "routine-stop-focused")


def test_forced_colours_show_the_chosen_number(browser, live_server, routine):  # noqa: F811
    """In a contrast theme the chosen number's background was dropped (the radio itself is
    invisible): every option looked the same. Now it takes the theme's selection colours and
    its focus ring the theme's text colour."""
    with signed_in(browser, live_server, routine["email"], "forced-colours",
                   viewport={"width": 390, "height": 900}) as page:
        page.emulate_media(forced_colors="active")
        page.goto("/routine")
        scale = page.locator("fieldset#pain_before")
        scale.locator('input[value="0"]').focus()
        for _ in range(4):
            page.keyboard.press("ArrowRight")  # by keyboard, so the focus ring shows
        expect(scale.locator('input[value="4"]')).to_be_checked()
        expect(scale.locator('input[value="4"]')).to_be_focused()
        style = scale.evaluate("""fieldset => {
          const look = (n) => getComputedStyle(fieldset.querySelectorAll('.scale-number')[n]);
          const probe = document.createElement('span');
          probe.style.color = 'CanvasText';
          document.body.append(probe);
          const text = getComputedStyle(probe).color;
          probe.remove();
          const chosen = look(4), other = look(3);
          return {chosen: chosen.backgroundColor, other: other.backgroundColor,
                  chosenText: chosen.color, otherText: other.color,
                  ring: chosen.outlineStyle, ringColour: chosen.outlineColor, canvasText: text};
        }""")
        screenshot(page, "routine-forced-colours")
        assert style["chosen"] != style["other"], style
        assert style["chosenText"] != style["otherText"], style
        assert style["ring"] == "solid", style
        assert style["ringColour"] == style["canvasText"], style
