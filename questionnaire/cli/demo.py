"""`flask demo`: realistic demo data, from a handful of countries to all 195."""

from __future__ import annotations

import datetime as dt
import os
import time
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from questionnaire.cli.accounts import DEMO_ACCOUNTS, DEMO_PASSWORD_DEFAULT
from questionnaire.demo.generate import (
    MAX_COUNTRIES,
    DemoError,
    DemoRequest,
    DemoSummary,
    generate_demo,
)
from questionnaire.demo.people import DemoAccount
from questionnaire.extensions import database


class CountryCount(click.ParamType):
    """A number of countries from 1 to 195, or `all`."""

    name = "1-195|all"

    def convert(
        self, value: object, param: click.Parameter | None, ctx: click.Context | None
    ) -> int:
        if isinstance(value, int):
            number = value
        elif str(value).strip().lower() == "all":
            return MAX_COUNTRIES
        else:
            try:
                number = int(str(value).strip())
            except ValueError:
                self.fail(
                    f"{value!r} is not a number; give a number from 1 to {MAX_COUNTRIES} or 'all'",
                    param,
                    ctx,
                )
        if not 1 <= number <= MAX_COUNTRIES:
            self.fail(
                f"{number} is out of range; give a number from 1 to {MAX_COUNTRIES} or 'all'",
                param,
                ctx,
            )
        return number


@click.command("demo")
@click.option(
    "--countries",
    type=CountryCount(),
    default="6",
    show_default=True,
    help=f"How many state parties get an assessment (1 to {MAX_COUNTRIES}, or 'all').",
)
@click.option("--seed", type=int, default=2021, show_default=True, help="Same seed, same data.")
@click.option("--force", is_flag=True, help="Generate even in production (never on real data).")
@with_appcontext
def command(countries: int, seed: int, force: bool) -> None:
    """Create demo accounts and assessments in every workflow status, with reviews."""
    if current_app.config["APP_ENVIRONMENT"] == "production" and not force:
        raise click.ClickException(
            "demo data is for development; set QUESTIONNAIRE_ENV=development, "
            "or add --force if this production database really is a demo"
        )
    password = os.environ.get("DEMO_PASSWORD", DEMO_PASSWORD_DEFAULT)
    request = DemoRequest(
        countries=countries,
        seed=seed,
        password=password,
        review_year=dt.date.today().year,
        base_accounts=tuple(DemoAccount(*account) for account in DEMO_ACCOUNTS),
        bank_dir=Path(current_app.config["QUESTION_BANK_DIR"]),
    )
    started = time.perf_counter()
    with database().sessions() as session:
        try:
            summary = generate_demo(session, request)
        except DemoError as error:
            raise click.ClickException(str(error)) from None
    _echo_summary(summary, request, time.perf_counter() - started)


def _echo_summary(summary: DemoSummary, request: DemoRequest, seconds: float) -> None:
    if summary.added:
        click.echo(
            f"Added {len(summary.added)} countries for {request.review_year} in {seconds:.0f} s "
            f"(seed {request.seed}); {len(summary.skipped)} had an assessment already."
        )
    else:
        click.echo(
            f"Nothing added: all {len(summary.skipped)} countries have an assessment "
            f"for {request.review_year} already."
        )
    click.echo(f"Accounts created: {summary.accounts_created}")
    click.echo(f"Assessments for {request.review_year} by status:")
    for status, count in sorted(summary.statuses.items()):
        click.echo(f"  {status:<24} {count}")
    click.echo(
        f"Answers: {summary.answers}  evidence links: {summary.evidence}  "
        f"findings: {summary.findings}  clarifications: {summary.clarifications}  "
        f"comments: {summary.comments}  edit conflicts (expected): {summary.conflicts}"
    )
    click.echo(f"Demo log-ins (password for all: {request.password}):")
    for account in request.base_accounts:
        click.echo(f"  {account.role.value:<12} {account.email:<28} {account.name}")
    click.echo(
        "  Every other country has fp.<code>@demo.test and contributor.<code>@demo.test, and "
        "each reviewing state reviewer.<code>@demo.test (code in lower case, e.g. ken)."
    )
