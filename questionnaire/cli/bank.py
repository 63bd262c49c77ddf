"""`flask bank ...`: validate, load and export the question bank."""

from __future__ import annotations

import io
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from questionnaire.domain.bank.export import write_bank_json, write_bank_workbook
from questionnaire.domain.bank.loader import BankError, build_bank, read_bank_files
from questionnaire.extensions import database
from questionnaire.services.accounts import Actor
from questionnaire.services.bank_store import BankVersionError, latest_question_bank, load_bank
from questionnaire.services.scoring import queue_rescore

group = AppGroup("bank", help="Validate, load and export the question bank.")
CLI_ACTOR = Actor("command line")


def _bank_dir(path: str | None) -> Path:
    return Path(path) if path else Path(current_app.config["QUESTION_BANK_DIR"])


@group.command("validate")
@click.argument("path", required=False)
def validate(path: str | None) -> None:
    """Check the bank at PATH (default QUESTION_BANK_DIR) and list every problem."""
    try:
        bank = build_bank(read_bank_files(_bank_dir(path)))
    except BankError as error:
        raise click.ClickException(str(error)) from None
    assessable = [c for c in bank.commitments if c.assessable]
    click.echo(
        f"{bank.id} version {bank.version}: {len(bank.commitments)} commitments, "
        f"{len(assessable)} assessable, {sum(len(c.questions) for c in assessable)} questions. "
        "No problems found."
    )


@group.command("load")
@click.argument("path", required=False)
def load(path: str | None) -> None:
    """Load the bank into the database; loading the same version again changes nothing."""
    with database().sessions() as session:
        try:
            result = load_bank(session, read_bank_files(_bank_dir(path)), CLI_ACTOR)
        except (BankError, BankVersionError) as error:
            raise click.ClickException(str(error)) from None
        row = result.version
        if result.created:
            click.echo(
                f"loaded {row.bank_id} version {row.version} "
                f"({row.commitment_count} commitments, {row.question_count} questions)"
            )
            job = queue_rescore(session, f"bank version {row.version} loaded")
            click.echo(f"rescoring every assessment in the background (job {job.id})")
        else:
            click.echo(f"{row.bank_id} version {row.version} is loaded already; nothing changed")


@group.command("export")
@click.option(
    "--format", "fmt", type=click.Choice(["json", "xlsx"]), default="json", show_default=True
)
@click.option(
    "--out",
    "out",
    type=click.Path(dir_okay=False),
    default=None,
    help="File to write (default: EXPORT_DIR/question-bank-v<version>.<format>).",
)
@click.option(
    "--source",
    "source",
    type=click.Choice(["database", "files"]),
    default="database",
    show_default=True,
    help="Export the loaded version or the files on disk.",
)
def export(fmt: str, out: str | None, source: str) -> None:
    """Export the bank: one JSON record per commitment, or a reference workbook."""
    if source == "files":
        try:
            bank = build_bank(read_bank_files(_bank_dir(None)))
        except BankError as error:
            raise click.ClickException(str(error)) from None
    else:
        with database().sessions() as session:
            loaded = latest_question_bank(session)
        if loaded is None:
            raise click.ClickException("no bank is loaded; run `flask --app wsgi bank load` first")
        bank = loaded
    target = (
        Path(out)
        if out
        else (Path(current_app.config["EXPORT_DIR"]) / f"question-bank-v{bank.version}.{fmt}")
    )
    target.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "json":
        buffer = io.StringIO()
        write_bank_json(bank, buffer)
        target.write_text(buffer.getvalue(), encoding="utf-8")
    else:
        binary = io.BytesIO()
        write_bank_workbook(bank, binary)
        target.write_bytes(binary.getvalue())
    click.echo(f"wrote {target}")
