"""Regional group names as the reports print them."""

from __future__ import annotations

from functools import cache

from questionnaire.domain.reports.labels import Labels
from questionnaire.domain.state_parties import RegionalGroup, load_regional_groups


@cache
def _groups() -> dict[str, RegionalGroup]:
    return {group.id: group for group in load_regional_groups()}


def regional_group_label(group_id: str, labels: Labels) -> str:
    """The group's name in the report language; the id itself for a group not in the data."""
    group = _groups().get(group_id)
    if group is None:
        return group_id
    return group.label_zh if labels.language == "zh" else group.label_en


def regional_group_ids() -> list[str]:
    """The groups in the order the data lists them, so tables keep one column order."""
    return list(_groups())
