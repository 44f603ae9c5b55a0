"""Small helpers every feature's views share."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import render_template, request, url_for
from flask_login import current_user


def invalid(template: str, **context: object) -> tuple[str, int]:
    """Render a form page; when it was submitted and failed validation, answer 422."""
    status = 422 if request.method == "POST" else 200
    return render_template(template, **context), status


URL_SAFE = re.compile(r"[A-Za-z0-9._~-]+\Z")  # what a URL path carries as it is, unquoted


def id_urls(endpoint: str, name: str, ids: Iterable[int | str],
            **values: Any) -> dict[Any, str]:
    """``url_for(endpoint, **{name: id}, **values)`` for each id (or slug), by id. When the id is
    one part of the path, found there once, the URL is built once and each id put in its place
    (any query string, from ``values``, is the same for all): a ``url_for`` for each link of a
    list took more time than the rest of the list."""
    wanted = list(dict.fromkeys(ids))
    if not wanted:
        return {}
    first = url_for(endpoint, **{name: wanted[0]}, **values)
    path, question, query = first.partition("?")
    parts = path.split("/")
    found = [index for index, part in enumerate(parts) if part == str(wanted[0])]
    if len(found) != 1:  # not in the path as it is (quoted), or there twice
        return {i: url_for(endpoint, **{name: i}, **values) for i in wanted}
    head, tail = "/".join(parts[:found[0]]), "/".join(parts[found[0] + 1:])
    tail = ("/" + tail if found[0] + 1 < len(parts) else "") + question + query
    return {i: f"{head}/{i}{tail}" if URL_SAFE.match(str(i))
            else url_for(endpoint, **{name: i}, **values) for i in wanted}


def in_zone(value: datetime | None, fmt: str, time_zone: str, show_zone: bool = True) -> str:
    """A stored (UTC) time as a reader in ``time_zone`` reads it, e.g. "3 Nov 2026 14:05 GMT";
    empty for None. An unknown zone falls back to UTC, named as such."""
    if value is None:
        return ""
    try:
        zone = ZoneInfo(time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    local = value.astimezone(zone)
    text = local.strftime(fmt)
    return f"{text} {local.tzname()}" if show_zone else text


def local_time(value: datetime | None, fmt: str, show_zone: bool = True) -> str:
    """Template filter ``|local``: a stored time in the signed-in user's time zone."""
    zone = current_user.time_zone if current_user.is_authenticated else "UTC"
    return in_zone(value, fmt, zone, show_zone)
