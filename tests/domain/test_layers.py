"""The layers around the domain: views and the command line parse, call a service, render.

They never commit, roll back or run SQL: each use case is one service function that owns
its transaction (`questionnaire.services.transactions`). Read from the source, so the test
needs no application.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import questionnaire

PACKAGE = Path(questionnaire.__file__).parent
EDGE_MODULES = sorted([*PACKAGE.glob("web/*.py"), *PACKAGE.glob("cli/*.py")])
# Session methods that write, end a transaction or query.
SESSION_METHODS = frozenset(
    {"commit", "rollback", "flush", "begin", "begin_nested", "execute", "scalars", "scalar"}
)
# SQLAlchemy's query constructs, whatever module they were imported through.
QUERY_CONSTRUCTS = frozenset({"select", "insert", "update", "delete", "text", "func", "exists"})
# What the edge may take from SQLAlchemy: the session's type and the error types.
ALLOWED_SQLALCHEMY_MODULES = frozenset({"sqlalchemy.orm", "sqlalchemy.exc"})


def faults(source: str) -> list[str]:
    """Each place in `source` where a view or command does the services' work."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            function = node.func
            if isinstance(function, ast.Attribute) and function.attr in SESSION_METHODS:
                found.append(f"line {node.lineno}: .{function.attr}()")
            if isinstance(function, ast.Name) and function.id in QUERY_CONSTRUCTS:
                found.append(f"line {node.lineno}: {function.id}()")
        elif isinstance(node, ast.Attribute) and node.attr in QUERY_CONSTRUCTS:
            if isinstance(node.value, ast.Name) and node.value.id in ("sqlalchemy", "sa"):
                found.append(f"line {node.lineno}: sqlalchemy.{node.attr}")
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("sqlalchemy"):
            if node.module not in ALLOWED_SQLALCHEMY_MODULES:
                names = ", ".join(alias.name for alias in node.names)
                found.append(f"line {node.lineno}: from {node.module} import {names}")
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "sqlalchemy":
                    found.append(f"line {node.lineno}: import {alias.name}")
    return found


@pytest.mark.parametrize(
    "module", EDGE_MODULES, ids=[str(m.relative_to(PACKAGE)) for m in EDGE_MODULES]
)
def test_views_and_commands_never_commit_nor_run_sql(module: Path) -> None:
    assert faults(module.read_text(encoding="utf-8")) == [], (
        f"{module.relative_to(PACKAGE)} does a service's work; move it into a service "
        "function that owns its transaction"
    )


def test_the_edge_modules_are_all_read() -> None:
    names = {m.relative_to(PACKAGE).as_posix() for m in EDGE_MODULES}
    assert {"web/accounts.py", "web/reviews.py", "cli/accounts.py"} <= names


@pytest.mark.parametrize(
    "source",
    [
        "def view(session):\n    session.commit()\n",
        "def view(session):\n    session.rollback()\n",
        "def view(db):\n    db().execute(statement)\n",
        "def view(db):\n    return db.scalars(query)\n",
        "def view(db):\n    return db.scalar(query)\n",
        "from sqlalchemy import select\n",
        "import sqlalchemy\n",
        "from questionnaire.models import select\ndef view():\n    return select(User)\n",
    ],
)
def test_each_kind_of_service_work_is_caught(source: str) -> None:
    assert faults(source)


def test_the_session_type_and_database_errors_may_be_named() -> None:
    source = (
        "from sqlalchemy.orm import Session\n"
        "from sqlalchemy.exc import SQLAlchemyError\n"
        "def view(session: Session) -> None:\n"
        "    return session.get(User, 1)\n"
    )
    assert faults(source) == []


# Where a transaction may end: the one rule, and the database plumbing below the services
# (the readiness probe's rolled-back write, ANALYZE after a bulk load).
TRANSACTION_OWNERS = frozenset({"services/transactions.py", "database.py"})


def _ends_transactions(source: str) -> list[int]:
    return [
        node.lineno
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in ("commit", "rollback")
    ]


def test_only_the_transaction_rule_commits_or_rolls_back() -> None:
    """Helpers never commit: a use case's work lands in one commit, or none."""
    found = {
        module.relative_to(PACKAGE).as_posix(): lines
        for module in sorted(PACKAGE.rglob("*.py"))
        if module.relative_to(PACKAGE).as_posix() not in TRANSACTION_OWNERS
        and (lines := _ends_transactions(module.read_text(encoding="utf-8")))
    }
    assert found == {}, "use `with transaction(session):` from questionnaire.services"
