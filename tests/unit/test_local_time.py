"""Stored times are shown in the reader's time zone, with the zone named."""

from __future__ import annotations

from datetime import UTC, datetime

from exercise_app.pages import in_zone

WINTER = datetime(2026, 1, 15, 13, 5, tzinfo=UTC)
SUMMER = datetime(2026, 7, 15, 13, 5, tzinfo=UTC)


def test_a_stored_time_reads_in_the_readers_zone_with_its_name():
    assert in_zone(WINTER, "%-d %b %H:%M", "Europe/London") == "15 Jan 13:05 GMT"
    assert in_zone(SUMMER, "%-d %b %H:%M", "Europe/London") == "15 Jul 14:05 BST"
    assert in_zone(WINTER, "%-d %b %H:%M", "America/New_York") == "15 Jan 08:05 EST"
    # Late evening in Auckland is already the next day.
    assert in_zone(SUMMER, "%-d %b", "Pacific/Auckland", show_zone=False) == "16 Jul"


def test_nothing_and_unknown_zones():
    assert in_zone(None, "%H:%M", "Europe/London") == ""
    assert in_zone(WINTER, "%H:%M", "Mars/Olympus_Mons") == "13:05 UTC"
    assert in_zone(WINTER, "%H:%M", "../../etc/passwd") == "13:05 UTC"
