"""Command-line interface: `flask --app wsgi <group> <command>`."""

from __future__ import annotations

from flask import Flask


def register_commands(app: Flask) -> None:
    from questionnaire.cli import accounts, bank, database, states

    for group in (database.group, bank.group, states.group, accounts.group):
        app.cli.add_command(group)
