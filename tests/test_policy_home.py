"""Every role decision is made in the policy module; a comparison of roles elsewhere fails here.

Services ask the policy's named decisions (`access.is_secretariat`, `access.step_for`, ...),
route decorators declare an `Audience`, templates read `can.<decision>`. A second place that
compares roles is how a permission drifts: one copy gets the new rule, the other does not.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from questionnaire.domain.assessment import Role

PACKAGE = Path(__file__).resolve().parent.parent / "questionnaire"
POLICY = PACKAGE / "services" / "access.py"
ROLE_NAMES = frozenset(role.value for role in Role)


def _mentions_role_constant(node: ast.AST) -> bool:
    """`Role.X`, a role's name as a string, or a collection holding one."""
    for part in ast.walk(node):
        if (
            isinstance(part, ast.Attribute)
            and isinstance(part.value, ast.Name)
            and part.value.id == "Role"
        ):
            return True
        if isinstance(part, ast.Constant) and part.value in ROLE_NAMES:
            return True
    return False


def _is_role_reference(node: ast.AST) -> bool:
    """`x.role`, `x.role.value`, `t.roles`, or a variable named `role`/`roles`."""
    if isinstance(node, ast.Attribute) and node.attr == "value":
        node = node.value
    if isinstance(node, ast.Attribute):
        return node.attr in {"role", "roles"}
    return isinstance(node, ast.Name) and node.id.lower() in {"role", "roles"}


def role_comparisons_in_python(source: str) -> list[int]:
    """Line numbers of comparisons that decide something by role."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Compare):
            continue
        operands = [node.left, *node.comparators]
        references = sum(_is_role_reference(operand) for operand in operands)
        membership = any(isinstance(op, ast.In | ast.NotIn) for op in node.ops)
        if (
            any(_mentions_role_constant(operand) for operand in operands)
            or references >= 2
            or (references and membership)
        ):
            lines.append(node.lineno)
    return lines


_ROLE_WORDS = "|".join(sorted(ROLE_NAMES))
TEMPLATE_ROLE_COMPARISON = re.compile(
    r"\brole(\.value)?\s*(==|!=|\bis\b|\bin\b|\bnot\s+in\b)"
    rf"|(==|!=|\bin\b)\s*\(?[^%}}]*['\"]({_ROLE_WORDS})['\"]"
)


def role_comparisons_in_template(text: str) -> list[int]:
    return [
        number
        for number, line in enumerate(text.splitlines(), start=1)
        for expression in re.findall(r"{%.*?%}|{{.*?}}", line)
        if TEMPLATE_ROLE_COMPARISON.search(expression)
    ]


def test_role_comparisons_only_in_the_policy_module() -> None:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path == POLICY:
            continue
        for line in role_comparisons_in_python(path.read_text(encoding="utf-8")):
            found.append(f"{path.relative_to(PACKAGE.parent)}:{line}")
    for path in sorted((PACKAGE / "templates").rglob("*.html")):
        for line in role_comparisons_in_template(path.read_text(encoding="utf-8")):
            found.append(f"{path.relative_to(PACKAGE.parent)}:{line}")
    assert not found, (
        "Roles are compared only in questionnaire/services/access.py; ask one of its "
        "decisions (or `can.<decision>` in a template) instead:\n" + "\n".join(found)
    )


@pytest.mark.parametrize(
    "source",
    [
        "if user.role is Role.SECRETARIAT: pass",
        "if user.role is not Role.REVIEWER or not user.active: pass",
        'if user.role.value == "reviewer": pass',
        'if user.role.value in ("focal_point", "contributor"): pass',
        "if actor.role in (Role.FOCAL_POINT, Role.CONTRIBUTOR): pass",
        "query.where(User.role == Role.REVIEWER)",
        "if role in ROLES_WITH_STATE: pass",
        "allowed = [t for t in candidates if role in t.roles]",
        "query.where(User.role == wanted.role)",
        "if current_user.role.value not in names: pass",
    ],
)
def test_the_scan_sees_each_way_of_comparing_roles(source: str) -> None:
    assert role_comparisons_in_python(source) == [1]


@pytest.mark.parametrize(
    "source",
    [
        "@allow(Audience.SECRETARIAT)\ndef view(): pass",
        "label = {Role.FOCAL_POINT: 'fp'}.get(role, 'reviewer')",
        "User(email=email, role=role)",
        "if access.is_secretariat(user): pass",
        "query.order_by(User.role, User.email)",
        "if target is WorkflowStatus.FINALIZED: pass",
    ],
)
def test_the_scan_lets_declarations_and_questions_to_the_policy_pass(source: str) -> None:
    assert role_comparisons_in_python(source) == []


@pytest.mark.parametrize(
    "line",
    [
        "{% if current_user.role.value == 'secretariat' %}",
        "{% if current_user.role.value in ('reviewer', 'secretariat') %}<td>",
        "{% elif current_user.role == 'contributor' %}",
        "{% if user.role is sameas x %}",
    ],
)
def test_the_scan_sees_role_comparisons_in_templates(line: str) -> None:
    assert role_comparisons_in_template(line) == [1]


@pytest.mark.parametrize(
    "line",
    [
        '<svg role="img" aria-label="{{ title }}">',
        "{{ current_user.name }} · {{ current_user.role | term }}",
        "{% if can.take_part_in_review %}<td>",
        "{% for field in (form.role, form.state_party) %}",
        "<p class=\"flash\" role=\"{{ 'alert' if category == 'error' else 'status' }}\">",
    ],
)
def test_the_scan_lets_template_attributes_and_labels_pass(line: str) -> None:
    assert role_comparisons_in_template(line) == []
