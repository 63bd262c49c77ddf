"""Excel gap reports: one assessment's country report and the secretariat's cross-country
workbook. Pure domain code: they read snapshots and scores and write to a stream given to
them; services fetch the data and views send the file.
"""

from __future__ import annotations

from questionnaire.domain.reports.country_report import (
    ReportMismatch,
    write_country_report,
)
from questionnaire.domain.reports.labels import Labels, UnsupportedLanguage
from questionnaire.domain.reports.secretariat_data import (
    CountryPart,
    CountryRow,
    Layout,
    country_part,
)
from questionnaire.domain.reports.secretariat_report import (
    TidyShares,
    render_tidy_rows,
    write_secretariat_parts,
    write_secretariat_report,
)

__all__ = [
    "CountryPart",
    "CountryRow",
    "Labels",
    "Layout",
    "country_part",
    "render_tidy_rows",
    "ReportMismatch",
    "TidyShares",
    "UnsupportedLanguage",
    "write_country_report",
    "write_secretariat_parts",
    "write_secretariat_report",
]
