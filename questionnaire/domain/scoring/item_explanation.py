"""The one-line explanation of a commitment's score, as reports and pages show it.

A reader must be able to redo every figure by hand, so the line names each input (the
options chosen, with their bank labels), each step, and why the priority is what it is.
Left empty when scoring with `explain=False` (the figures are the same).
"""

from __future__ import annotations

from questionnaire.domain.answer_text import option_label
from questionnaire.domain.bank import BankCommitment, QuestionBank
from questionnaire.domain.scoring.rules import (
    HIGH_PRIORITY_FRAMEWORK,
    MEDIUM_PRIORITY_GAP,
    RatingScales,
)
from questionnaire.domain.scoring.types import CommitmentScore, Priority

# Explanations are written in English, naming answers as the English form shows them.
EXPLANATION_LANGUAGE = "en"


def explain_commitment(
    score: CommitmentScore,
    commitment: BankCommitment,
    scales: RatingScales,
    framework: str | None,
    practice: str | None,
    bank: QuestionBank,
) -> str:
    """Every input and step behind one commitment's score, in one line."""
    axes = [
        ("framework", scales.framework, framework, score.framework_score),
        ("practice", scales.practice, practice, score.practice_score),
    ]
    rated = [f"{name} {value:g}/{scales.top:g}" for name, _, _, value in axes if value is not None]
    unrated = [
        f"{name} {option_label(scale, chosen, EXPLANATION_LANGUAGE) if chosen else 'not rated'}"
        for name, scale, chosen, value in axes
        if value is None
    ]
    if score.reviewer_score is not None:
        mean = f"({' + '.join(rated)})/{len(rated)}" if len(rated) > 1 else rated[0]
        head = f"score {score.score:.2f} = reviewer {mean}"
        if unrated:
            head += f" ({unrated[0]}, excluded)"
    else:
        reviewer = "no reviewer rating"
        if framework or practice:
            reviewer += f" ({', '.join(unrated)})"
        if score.self_score is not None:
            head = f"score {score.score:.2f} = self {_self_text(score, scales)}; {reviewer}"
        else:
            head = f"no score: self {_self_text(score, scales)}; {reviewer}"
    parts = [head]
    if score.reviewer_score is not None:
        if score.self_score is None:
            parts.append(f"self {_self_text(score, scales)}, not compared")
        else:
            difference = abs(score.self_score - score.reviewer_score)
            flag = " (divergence)" if score.divergence else ""
            parts.append(f"self {_self_text(score, scales)} differs by {difference:.2f}{flag}")
    if score.unsubstantiated:
        parts.append("unsubstantiated: no measure cited")
    parts.append(_priority_text(score, framework, scales))
    parts.append(_weight_text(commitment))
    parts.append(f"bank {bank.id} v{bank.version}")
    return "; ".join(parts)


def _self_text(score: CommitmentScore, scales: RatingScales) -> str:
    if score.self_status is None:
        return "unanswered"
    label = option_label(scales.status, score.self_status, EXPLANATION_LANGUAGE)
    return f"{label} ({score.self_score})" if score.self_score is not None else label


def _priority_text(score: CommitmentScore, framework: str | None, scales: RatingScales) -> str:
    if score.gap is None:
        return "priority none (no score)"
    gap = f"gap {score.gap:.2f}"
    match score.priority:
        case Priority.HIGH if framework in HIGH_PRIORITY_FRAMEWORK:
            label = option_label(scales.framework, framework, EXPLANATION_LANGUAGE)
            return f"{gap}, priority high (commit, framework {label})"
        case Priority.HIGH:
            return f"{gap}, priority high (commit, status No, no reviewer rating)"
        case Priority.MEDIUM:
            return f"{gap}, priority medium (gap ≥ {MEDIUM_PRIORITY_GAP})"
        case Priority.LOW:
            return f"{gap}, priority low (gap > 0)"
    return f"{gap}, priority none"


def _weight_text(commitment: BankCommitment) -> str:
    strength = commitment.strength.value
    if commitment.spec.weight is not None:
        return f"weight {commitment.weight} (set for this commitment; {strength})"
    return f"weight {commitment.weight} ({strength})"
