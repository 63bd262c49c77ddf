"""The domain package runs without Flask or SQLAlchemy, so it can be tested and reused alone."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import questionnaire.domain


def test_domain_modules_import_neither_flask_nor_sqlalchemy() -> None:
    # Recursive, so the modules of sub-packages such as `domain/bank/` are checked too.
    modules = [
        m.name
        for m in pkgutil.walk_packages(questionnaire.domain.__path__, "questionnaire.domain.")
    ]
    code = (
        "import sys\n"
        + "".join(f"import {module}\n" for module in modules)
        + "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('flask', 'sqlalchemy'))\n"
        + "print(','.join(bad))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""
