"""The offline questionnaire: an Excel template out, a safely checked workbook back in.

Pure domain code: it writes to and reads from bytes it is given. Flow:
`write_template` → (a person fills the Answer column) → `read_workbook` (screening,
signature) → `parse_answers` (values against the bank) → `preview_changes` (new,
changed, unchanged, conflict) → the service applies `ChangePreview.to_apply`.
"""

from __future__ import annotations

from questionnaire.domain.offline.changes import (
    Change,
    ChangeKind,
    ChangePreview,
    preview_changes,
)
from questionnaire.domain.offline.errors import ImportProblem, OfflineImportError
from questionnaire.domain.offline.metadata import TemplateMetadata
from questionnaire.domain.offline.parsing import ImportedAnswer, parse_answers
from questionnaire.domain.offline.reader import ParsedWorkbook, RawAnswer, read_workbook
from questionnaire.domain.offline.screening import ImportLimits
from questionnaire.domain.offline.template import write_template

__all__ = [
    "Change",
    "ChangeKind",
    "ChangePreview",
    "ImportLimits",
    "ImportProblem",
    "ImportedAnswer",
    "OfflineImportError",
    "ParsedWorkbook",
    "RawAnswer",
    "TemplateMetadata",
    "parse_answers",
    "preview_changes",
    "read_workbook",
    "write_template",
]
