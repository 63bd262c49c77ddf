"""`flask export ...` and `flask import ...`: workbooks from and into the command line."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy.orm import Session

from questionnaire.domain.offline import ImportLimits, OfflineImportError
from questionnaire.extensions import database, storage
from questionnaire.models import Assessment, User, utc_now
from questionnaire.services import access, offline, reports, retention
from questionnaire.services.accounts import AccountError, Actor, acting_person
from questionnaire.services.assessments import assessments_of_state, find_assessment
from questionnaire.services.scoring import rescore_all

export_group = AppGroup("export", help="Write gap reports and offline templates.")
import_group = AppGroup("import", help="Import offline workbooks.")
score_group = AppGroup("scores", help="Compute scores (this application's own measure).")
CLI_ACTOR = Actor("command line")


AS_OPTION = click.option(
    "--as",
    "email",
    required=True,
    help="The account to act as: the command has that person's rights, and the log names them.",
)


def _secret() -> bytes:
    return offline.offline_secret(current_app.config["SECRET_KEY"])


def _export_dir() -> Path:
    return Path(current_app.config["EXPORT_DIR"])


def _person(session: Session, email: str) -> User:
    try:
        return acting_person(session, email)
    except AccountError as error:
        raise click.ClickException(str(error)) from None


def _assessment(session: Session, user: User, country: str, year: int | None) -> Assessment:
    try:
        return find_assessment(session, user, country, year)
    except access.NotFound as error:
        raise click.ClickException(str(error)) from None


def _target(out: str | None, name: str) -> Path:
    path = Path(out) if out else _export_dir() / name
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


@export_group.command("country")
@click.option("--country", required=True, help="ISO 3166-1 alpha-3 code, e.g. CHN.")
@click.option("--year", type=int, default=None, help="Review year (default: the latest).")
@click.option("--lang", type=click.Choice(reports.LANGUAGES), default="en", show_default=True)
@click.option("--out", type=click.Path(dir_okay=False), default=None)
@AS_OPTION
def export_country(country: str, year: int | None, lang: str, out: str | None, email: str) -> None:
    """Write one state party's gap report."""
    with database().sessions() as session:
        user = _person(session, email)
        assessment = _assessment(session, user, country, year)
        try:
            built = reports.country_report(session, user, assessment, lang, storage())
        except (access.NotAllowed, access.NotFound) as error:
            raise click.ClickException(str(error)) from None
        target = _target(out, built.download_name)
        target.write_bytes(built.data)
    click.echo(f"wrote {target}" + (" (from the cache)" if built.from_cache else ""))


@export_group.command("secretariat")
@click.option("--lang", type=click.Choice(reports.LANGUAGES), default="en", show_default=True)
@click.option("--out", type=click.Path(dir_okay=False), default=None)
@AS_OPTION
def export_secretariat(lang: str, out: str | None, email: str) -> None:
    """Write the cross-country workbook, built here in one process."""
    with database().sessions() as session:
        user = _person(session, email)
        try:
            built = reports.build_cross_country(session, user, lang, storage())
        except (reports.ReportError, access.NotAllowed) as error:
            raise click.ClickException(str(error)) from None
    target = _target(out, built.download_name)
    target.write_bytes(built.data)
    click.echo(f"wrote {target}" + (" (from the cache)" if built.from_cache else ""))


@export_group.command("template")
@click.option("--country", required=True)
@click.option("--year", type=int, default=None)
@click.option("--lang", type=click.Choice(reports.LANGUAGES), default="en", show_default=True)
@click.option("--out", type=click.Path(dir_okay=False), default=None)
@AS_OPTION
def export_template(country: str, year: int | None, lang: str, out: str | None, email: str) -> None:
    """Write the offline questionnaire of a state party's assessment."""
    with database().sessions() as session:
        user = _person(session, email)
        assessment = _assessment(session, user, country, year)
        try:
            data = offline.template_bytes(session, user, assessment, lang, _secret())
        except (access.NotAllowed, access.NotFound) as error:
            raise click.ClickException(str(error)) from None
        target = _target(
            out, f"questionnaire-{assessment.state_party_code}-{assessment.review_year}-{lang}.xlsx"
        )
        target.write_bytes(data)
    click.echo(f"wrote {target}")


@import_group.command("responses")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--as", "email", required=True, help="The focal point or contributor importing.")
@click.option("--apply", "apply_changes", is_flag=True, help="Apply; without it, only preview.")
def import_responses(file: str, email: str, apply_changes: bool) -> None:
    """Check an offline workbook, show what it would change, and apply it with --apply."""
    data = Path(file).read_bytes()
    limits = ImportLimits(max_file_bytes=current_app.config["MAX_IMPORT_BYTES"])
    with database().sessions() as session:
        user = _person(session, email)
        assessments = assessments_of_state(session, user)
        if not assessments:
            raise click.ClickException(
                f"{email} has no assessment of its own state party to import into"
            )
        result = None
        errors: list[str] = []
        for assessment in assessments:
            try:
                step = offline.apply_import if apply_changes else offline.preview_import
                result = step(session, user, assessment, data, _secret(), limits)
                break
            except OfflineImportError as error:
                errors.append(
                    error.message
                    + "".join(
                        f"\n  - {p.location + ': ' if p.location else ''}{p.message}"
                        for p in error.problems
                    )
                )
        if result is None:
            raise click.ClickException(
                "the file was not imported; nothing changed.\n"
                + "\n".join(errors or ["no assessment of this country"])
            )
    preview = result.preview
    click.echo(
        f"new {len(preview.of_kind('new'))}, changed {len(preview.of_kind('changed'))}, "
        f"unchanged {len(preview.of_kind('unchanged'))}, "
        f"conflicts {len(preview.conflicts)}"
    )
    for change in preview.conflicts:
        click.echo(f"  conflict: {change.question_key} ({change.answer.location})")
    click.echo("applied" if apply_changes else "preview only: run again with --apply to import")


@score_group.command("rescore")
def rescore() -> None:
    """Recompute and store the scores of every assessment."""
    with database().sessions() as session:
        count = rescore_all(session)
    click.echo(f"scored {count} commitments")


storage_group = AppGroup("storage", help="Look after the file store.")


@storage_group.command("gc")
@click.option("--dry-run", is_flag=True, help="Only list what would be removed.")
def collect_garbage(dry_run: bool) -> None:
    """Remove expired import uploads, old cached reports and files no row refers to."""
    removals = retention.collect_garbage(
        database().sessions,
        storage(),
        retention.Policy.from_config(current_app.config),
        utc_now(),
        dry_run=dry_run,
    )
    verb = "would remove" if dry_run else "removed"
    for removal in removals:
        click.echo(f"{verb} {removal.key} ({removal.size} bytes): {removal.reason}")
    total = sum(removal.size for removal in removals)
    click.echo(f"{verb} {len(removals)} files, {total} bytes")
