"""``flask progression simulate FILE``: see how the rules behave before trusting them."""

from __future__ import annotations

from pathlib import Path

import click
import yaml
from flask.cli import AppGroup

from .domain.scenarios import run

progression_cli = AppGroup("progression", help="Look at the pain-guided progression rules.")


def _dose_text(sets: int, reps: int | None, hold: int | None) -> str:
    parts = [f"{sets}x{reps}" if reps else f"{sets} set{'' if sets == 1 else 's'}"]
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


def _echo_inputs(run) -> None:
    """What a run read: the usual pain, then each session with its pains and exercises."""
    from .progression import queries

    record = run.inputs
    sessions = queries.run_sessions(run)
    click.echo(f"  read: usual pain {record['baseline'] if record['baseline'] is not None else '-'}"
               f" ({record['baseline_source']}), {len(sessions)} session(s)")
    for s in sessions:
        morning = s["next_morning"] if s["next_morning"] is not None else "-"
        done = ", ".join(f"{slug} {status} {_dose_text(sets, reps, hold)}"
                         for slug, status, sets, reps, hold in s["exercises"])
        click.echo(f"    {s['day']}  during {s['during']} after {s['after']} morning {morning} "
                   f"effort {s['effort']}: {done}")


@progression_cli.command("explain")
@click.argument("patient")
@click.option("--limit", default=50, show_default=True, help="How many decisions to show.")
@click.option("--inputs", is_flag=True, help="Also print what each run read: the usual pain "
              "and every session, as it was then.")
def explain(patient: str, limit: int, inputs: bool) -> None:
    """Print a patient's decisions (by id or e-mail), newest last, with reasons and reviews."""
    from .progression import present, queries

    user = queries.patient_for_cli(patient)
    if user is None or user.role != "patient":
        raise click.ClickException(f"No patient {patient!r}.")
    rows = list(reversed(queries.recent_decisions(user.id, limit)))
    runs = queries.runs_by_id({d.run_id for d in rows}) if inputs else {}
    click.echo(f"{user.display_name} <{user.email}>: {len(rows)} decision(s)")
    run_id = None
    for d in rows:
        if d.run_id != run_id:
            run_id = d.run_id
            after = "session" if d.trigger == "session" else "morning check-in"
            day = d.day.isoformat() if d.day else "-"
            click.echo(f"\nrun {d.run_id} at {d.created_at:%Y-%m-%d %H:%M} UTC after the "
                       f"{after}, reading up to the session of {day}")
            if inputs:
                _echo_inputs(runs[d.run_id])
        change = present.dose_text(d.old_dose)
        if d.new_dose != d.old_dose or d.new_exercise_slug:
            target = f"{d.new_exercise_slug} " if d.new_exercise_slug else ""
            change += f" -> {target}{present.dose_text(d.new_dose)}"
        alert = " ALERT" if d.alert_physio else ""
        click.echo(f"  {d.exercise_slug:<24} {d.kind:<17} {change:<28} {d.status}{alert}")
        click.echo(f"    why: {', '.join(d.reasons)}"
                   + (f" ({', '.join(f'{k}={v}' for k, v in sorted(d.evidence.items()))})"
                      if d.evidence else ""))
        click.echo(f"    says: {d.sentence}")
        if d.review_action:
            click.echo(f"    {d.review_action} by {d.reviewed_by} at "
                       f"{d.reviewed_at:%Y-%m-%d %H:%M} UTC"
                       + (f": {d.review_note}" if d.review_note else ""))
