"""Command-line interface: `flask --app wsgi <group> <command>`.

A refusal (a service or the domain saying no: a locked assessment, a bad value, an
unknown account) ends a command with one sentence and exit status 1, never a traceback.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import click
from flask import Flask

from questionnaire.domain.bank.loader import BankError
from questionnaire.services.access import NotAllowed, NotFound

# The application's refusals: its own ValueError subclasses, plus these.
REFUSALS = (ValueError, NotAllowed, NotFound, BankError)


def register_commands(app: Flask) -> None:
    from questionnaire.cli import accounts, bank, database, demo, exports, states

    groups = (
        database.group,
        bank.group,
        states.group,
        accounts.group,
        exports.export_group,
        exports.import_group,
        exports.score_group,
        exports.storage_group,
        demo.command,
    )
    for group in groups:
        _refusals_as_sentences(group)
        app.cli.add_command(group)


def _refusals_as_sentences(command: click.Command) -> None:
    if isinstance(command, click.Group):
        for child in command.commands.values():
            _refusals_as_sentences(child)
    if command.callback is not None and not getattr(command.callback, "_says_refusals", False):
        command.callback = _saying_refusals(command.callback)


def _saying_refusals(callback: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(callback)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return callback(*args, **kwargs)
        except REFUSALS as refusal:
            if not type(refusal).__module__.startswith("questionnaire."):
                raise  # Python's own ValueError is a fault to see in full, not a refusal
            sentence = " ".join(str(refusal).split()) or type(refusal).__name__
            raise click.ClickException(sentence) from None

    run._says_refusals = True  # type: ignore[attr-defined]
    return run
