"""``flask progression simulate FILE``: see how the rules behave before trusting them."""

from __future__ import annotations

from pathlib import Path

import click
import yaml
from flask.cli import AppGroup

from .domain.scenarios import run

progression_cli = AppGroup("progression", help="Look at the pain-guided progression rules.")


def _dose_text(sets: int, reps: int | None, hold: int | None) -> str:
    parts = [f"{sets}x{reps}" if reps else f"{sets} sets"]
    if hold:
        parts.append(f"{hold}s hold")
    return " ".join(parts)


@progression_cli.command("simulate")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def simulate(file: Path) -> None:
    """Run a scenario file (a pain trajectory) and print each decision with its reasons."""
    try:
        scenario = yaml.safe_load(file.read_text())
        steps = run(scenario)
    except (yaml.YAMLError, KeyError, TypeError, ValueError) as error:
        raise click.ClickException(f"{file}: {error}") from None
    click.echo(f"{scenario.get('name', file.stem)} (usual pain {scenario['baseline']})")
    for step in steps:
        s, d = step.session, step.decision
        pain = f"{s.worst_during}/{s.after}/{s.next_morning if s.next_morning is not None else '-'}"
        dose = _dose_text(d.new_dose.sets, d.new_dose.reps, d.new_dose.hold_seconds)
        alert = " ALERT" if d.alert_physio else ""
        click.echo(f"day {step.spec['day']:>3}  pain {pain:<8} effort {s.effort:>2}  "
                   f"{d.kind.value:<17} {dose:<14} {','.join(d.reasons)}{alert}")
        click.echo(f"          {d.sentence}")
