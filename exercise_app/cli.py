"""``flask`` commands: create-user, seed-demo, seed-bench, summaries rebuild and mail
send-pending."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import select

from .domain.passwords import password_problems
from .extensions import db
from .forms import normalise_email
from .models import CareRelationship, Clinic, Role, User
from .security import hash_password


@click.command("create-user")
@click.option("--email", required=True)
@click.option("--name", "display_name", required=True)
@click.option("--role", type=click.Choice([role.value for role in Role]), required=True)
@click.option("--clinic", "clinic_name", required=True, help="Created when it does not exist.")
@click.option("--physio", "physio_email", help="The responsible physio (patients only).")
@click.password_option()
@with_appcontext
def create_user(
    email: str, display_name: str, role: str, clinic_name: str, physio_email: str | None,
    password: str,
) -> None:
    """Create an account (the first admin of a clinic, typically)."""
    email = normalise_email(email)
    if db.session.scalar(select(User.id).where(User.email == email)) is not None:
        raise click.ClickException(f"An account with {email} already exists.")
    problems = password_problems(password, email=email, display_name=display_name)
    if problems:
        raise click.ClickException(" ".join(problems))
    clinic = db.session.scalar(select(Clinic).where(Clinic.name == clinic_name))
    if clinic is None:
        clinic = Clinic(name=clinic_name)
        db.session.add(clinic)
        db.session.flush()
    user = User(
        clinic_id=clinic.id, email=email, display_name=display_name.strip(), role=Role(role),
        password_hash=hash_password(password),
    )
    db.session.add(user)
    db.session.flush()
    if user.role == Role.PATIENT:
        physio = db.session.scalar(
            select(User).where(
                User.email == normalise_email(physio_email), User.role == Role.PHYSIO,
                User.clinic_id == clinic.id,
            )
        )
        if physio is None:
            db.session.rollback()
            raise click.ClickException("A patient needs --physio: a physio of the same clinic.")
        db.session.add(
            CareRelationship(patient_id=user.id, physio_id=physio.id, clinic_id=clinic.id)
        )
    db.session.commit()
    click.echo(f"Created {role} {email} in {clinic.name}.")


@click.command("seed-demo")
@with_appcontext
def seed_demo_command() -> None:
    """Load the demo clinic and its people (safe to run again) and print the logins."""
    from datetime import UTC, datetime

    from .demo import DEMO_LOGINS, seed_demo, seed_demo_history

    created, kept = seed_demo()
    histories = seed_demo_history(datetime.now(UTC).date())
    db.session.commit()
    click.echo(f"Demo data: {len(created)} accounts created, {len(kept)} already there; "
               f"{histories} patients given a programme and a few weeks of sessions.")
    click.echo("Demo logins (password after the e-mail):")
    for login in DEMO_LOGINS:
        click.echo(f"  {login.role.value:<8} {login.email:<22} {login.password}")


@click.command("seed-bench")
@click.option("--patients", default=200, show_default=True)
@click.option("--days", default=365, show_default=True)
@with_appcontext
def seed_bench_command(patients: int, days: int) -> None:
    """Load a large data set for benchmarks: the demo physio's caseload with a year each."""
    from .benchdata import analyse, seed_bench
    from .demo import DEMO_LOGINS, seed_demo

    seed_demo()
    physio = db.session.scalar(select(User).where(User.email == DEMO_LOGINS[1].email))
    demo_patients = list(db.session.scalars(select(User).where(
        User.email.in_([d.email for d in DEMO_LOGINS if d.role == Role.PATIENT]))))
    from datetime import UTC, datetime

    count = seed_bench(physio, patients - len(demo_patients), days, datetime.now(UTC).date(),
                       extra=demo_patients)
    db.session.commit()
    from .triage.operations import refresh_patient

    for person in db.session.scalars(select(User).where(User.role == Role.PATIENT)):
        refresh_patient(person)
    db.session.commit()
    analyse()
    db.session.commit()
    click.echo(f"Bench data: {patients} patients, {count} sessions.")


summaries_cli = AppGroup("summaries", help="Keep the caseload's per-patient summaries.")


@summaries_cli.command("rebuild")
def rebuild_summaries() -> None:
    """Recompute every patient's alerts and caseload summary (safe to run again; also daily,
    so alerts about missed days appear without a new log)."""
    from .progression.operations import record_run_notes
    from .summaries import record_stages
    from .triage.operations import refresh_patient

    count = 0
    for patient in db.session.scalars(select(User).where(User.role == Role.PATIENT)):
        refresh_patient(patient)
        record_stages(patient.id)
        record_run_notes(patient.id)
        count += 1
    db.session.commit()
    click.echo(f"Summaries rebuilt for {count} patients.")
    # A backstop where `flask mail send-pending` is not scheduled: a critical alert's e-mail
    # the mail server refused goes within a day at the latest.
    from .outbox import send_queued

    result = send_queued()
    if result.sent or result.failed:
        click.echo(f"Queued e-mails: {result.sent} sent, {result.failed} failed.")


mail_cli = AppGroup("mail", help="E-mails that must arrive: critical alerts.")


@mail_cli.command("send-pending")
def send_pending_mail() -> None:
    """Send the queued e-mails that are due: those the mail server refused or could not take
    when they were queued (run it every minute or few, from cron or a timer). Sent ones are
    deleted after ``domain.mail_retry.KEEP_SENT``."""
    from .domain.mail_retry import KEEP_SENT
    from .outbox import forget_sent, send_queued

    result = send_queued()
    click.echo(f"Queued e-mails: {result.sent} sent, {result.failed} failed (tried again later).")
    forgotten = forget_sent()
    if forgotten:
        click.echo(f"Deleted {forgotten} e-mails sent more than {KEEP_SENT.days} days ago.")
    if result.failed:
        raise SystemExit(1)


def register(app: Flask) -> None:
    app.cli.add_command(mail_cli)
    app.cli.add_command(seed_bench_command)
    app.cli.add_command(summaries_cli)
    from .library.cli import library_cli
    from .progression_cli import progression_cli

    app.cli.add_command(library_cli)
    app.cli.add_command(progression_cli)
    app.cli.add_command(create_user)
    app.cli.add_command(seed_demo_command)
