"""``flask library check`` and ``flask library sync``."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from ..extensions import db
from .loader import LibraryError, load_library
from .sync import sync_library

library_cli = AppGroup("library", help="Check and load the exercise library (exercises/).")

path_option = click.option(
    "--path", type=click.Path(file_okay=False, path_type=Path), default=None,
    help="The library folder (default: the project's exercises/).",
)


def _load(path: Path | None):  # type: ignore[no-untyped-def]
    root = path or Path(current_app.config["LIBRARY_PATH"])
    try:
        return load_library(root)
    except LibraryError as error:
        click.echo(f"The library in {root} has {len(error.problems)} problem(s):", err=True)
        for problem in error.problems:
            click.echo(f"  {problem}", err=True)
        raise SystemExit(1) from None


@library_cli.command("check")
@path_option
def check(path: Path | None) -> None:
    """Validate every exercise, ladder and programme file; list every problem found."""
    library = _load(path)
    click.echo(
        f"Library OK: {len(library.exercises)} exercises, {len(library.ladders)} ladders, "
        f"{len(library.programmes)} programme templates."
    )


@library_cli.command("sync")
@path_option
@click.option("-v", "--verbose", is_flag=True, help="List each created, updated, retired item.")
def sync(path: Path | None, verbose: bool) -> None:
    """Load the library into the database (safe to repeat); a broken library changes nothing."""
    library = _load(path)
    try:
        report = sync_library(db.session(), library)
    except LibraryError as error:
        db.session.rollback()
        for problem in error.problems:
            click.echo(f"  {problem}", err=True)
        raise SystemExit(1) from None
    db.session.commit()
    click.echo(f"Library synced: {report.summary()}.")
    if verbose:
        for label, items in (("created", report.created), ("updated", report.updated),
                             ("retired", report.retired)):
            for item in items:
                click.echo(f"  {label}: {item}")
