"""`flask users ...`: create accounts, and the demo accounts of `make run`."""

from __future__ import annotations

import os

import click
from flask import current_app
from flask.cli import AppGroup

from questionnaire.extensions import database
from questionnaire.models import Role
from questionnaire.services.accounts import AccountError, Actor, create_account, find_user

group = AppGroup("users", help="Accounts.")
CLI_ACTOR = Actor("command line")
DEMO_PASSWORD_DEFAULT = "demo-password-2021"
# One state party under review and two reviewing states' experts, one from the same
# regional group, as the IRM draws them.
DEMO_ACCOUNTS = (
    ("secretariat@demo.test", "Secretariat officer", Role.SECRETARIAT, None),
    ("focal.point@demo.test", "Focal point (China)", Role.FOCAL_POINT, "CHN"),
    ("contributor@demo.test", "Ministry contributor (China)", Role.CONTRIBUTOR, "CHN"),
    ("reviewer.asia@demo.test", "Governmental expert (Japan)", Role.REVIEWER, "JPN"),
    ("reviewer.europe@demo.test", "Governmental expert (France)", Role.REVIEWER, "FRA"),
)


@group.command("create")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", type=click.Choice([role.value for role in Role]), required=True)
@click.option("--state", "state", default=None, help="ISO alpha-3 code of the state party.")
@click.password_option()
def create(email: str, name: str, role: str, state: str | None, password: str) -> None:
    """Create an account with a password."""
    with database().sessions() as session:
        try:
            create_account(
                session,
                CLI_ACTOR,
                email=email,
                name=name,
                role=Role(role),
                state_party_code=state,
                password=password,
            )
        except AccountError as error:
            raise click.ClickException(str(error)) from None
    click.echo(f"created {role} account {email}")


@group.command("demo")
def demo() -> None:
    """Create one demo account per role (development only) and print the log-ins."""
    if current_app.config["APP_ENVIRONMENT"] == "production":
        raise click.ClickException(
            "demo accounts are for development; set QUESTIONNAIRE_ENV=development to create them"
        )
    password = os.environ.get("DEMO_PASSWORD", DEMO_PASSWORD_DEFAULT)
    with database().sessions() as session:
        for email, name, role, state in DEMO_ACCOUNTS:
            if find_user(session, email) is None:
                try:
                    create_account(
                        session,
                        CLI_ACTOR,
                        email=email,
                        name=name,
                        role=role,
                        state_party_code=state,
                        password=password,
                    )
                except AccountError as error:
                    raise click.ClickException(str(error)) from None
    click.echo(f"Demo log-ins (password for all: {password}):")
    for email, name, role, _state in DEMO_ACCOUNTS:
        click.echo(f"  {role.value:<12} {email:<28} {name}")
