"""What a template says about itself, signed so that it can be trusted on the way back."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from questionnaire.domain.offline.errors import OfflineImportError

FORMAT_VERSION = 1
LANGUAGES = ("zh", "en")


@dataclass(frozen=True)
class TemplateMetadata:
    """Who the file is for, which bank it asks, and the answers as they were at export."""

    assessment_id: int
    state_party_code: str
    bank_id: str
    bank_version: int
    exported_at: str  # UTC, ISO 8601
    language: str
    question_keys: tuple[str, ...]  # one per Questionnaire row, in row order
    # Each answer's revision when the template was made. The signed payload keeps the key
    # `answer_versions`, so templates already sent out still import.
    answer_revisions: Mapping[str, int] = field(default_factory=dict)
    answer_digests: Mapping[str, str] = field(default_factory=dict)

    def to_payload(self) -> dict[str, Any]:
        return {
            "format": FORMAT_VERSION,
            "assessment_id": self.assessment_id,
            "state_party_code": self.state_party_code,
            "bank_id": self.bank_id,
            "bank_version": self.bank_version,
            "exported_at": self.exported_at,
            "language": self.language,
            "question_keys": list(self.question_keys),
            "answer_versions": dict(self.answer_revisions),
            "answer_digests": dict(self.answer_digests),
        }

    @classmethod
    def from_payload(cls, payload: object) -> TemplateMetadata:
        """Check the shape even of signed data: a bug elsewhere must not pass silently."""
        try:
            return _from_payload(payload)
        except (KeyError, TypeError, ValueError):
            raise OfflineImportError(
                "The template's metadata is not in a form this application knows. "
                "Download a new template and copy your answers into it."
            ) from None


def _from_payload(payload: object) -> TemplateMetadata:
    if not isinstance(payload, dict) or payload.get("format") != FORMAT_VERSION:
        raise ValueError("unknown metadata format")
    keys = payload["question_keys"]
    revisions = payload["answer_versions"]
    digests = payload["answer_digests"]
    _require(isinstance(keys, list) and all(isinstance(key, str) for key in keys))
    _require(isinstance(revisions, dict) and all(type(v) is int for v in revisions.values()))
    _require(isinstance(digests, dict) and all(isinstance(d, str) for d in digests.values()))
    _require(type(payload["assessment_id"]) is int and type(payload["bank_version"]) is int)
    _require(payload["language"] in LANGUAGES)
    dt.datetime.fromisoformat(payload["exported_at"])
    return TemplateMetadata(
        assessment_id=payload["assessment_id"],
        state_party_code=str(payload["state_party_code"]),
        bank_id=str(payload["bank_id"]),
        bank_version=payload["bank_version"],
        exported_at=payload["exported_at"],
        language=payload["language"],
        question_keys=tuple(keys),
        answer_revisions=dict(revisions),
        answer_digests=dict(digests),
    )


def _require(condition: bool) -> None:
    if not condition:
        raise ValueError("metadata field of the wrong type")
