"""Read the question bank from its YAML files and check all of it before anything uses it.

Every problem found is collected, each with the file, the node and what to fix, and the
whole list is raised as one `BankError`: a secretariat editing the bank sees everything
to mend in one pass instead of one error per run.
"""

from __future__ import annotations

import ast
import hashlib
import sys
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from questionnaire.domain.bank import (
    BankCommitment,
    BankQuestion,
    QuestionBank,
    UncacIndex,
)
from questionnaire.domain.bank.schema import (
    CHOICE_TYPES,
    BankMetadata,
    Block,
    Commitment,
    CommitmentFile,
    PreambleFile,
    Question,
    Scale,
    Section,
    Strength,
    Theme,
    UncacFile,
)
from questionnaire.domain.bank.source_text import SourceDocument, normalize_whitespace, parse_source
from questionnaire.domain.conditions import ConditionError, parse_condition

REQUIRED_BLOCK = "irm_checklist"
# libyaml's safe loader parses the bank about ten times faster than the pure-Python one.
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
Model = TypeVar("Model", bound=BaseModel)


@dataclass(frozen=True)
class BankProblem:
    file: str
    node: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.node}: {self.message}"


class BankError(Exception):
    """The bank cannot be used; `problems` lists everything to fix."""

    def __init__(self, problems: list[BankProblem]) -> None:
        self.problems = problems
        lines = "\n".join(f"  - {problem}" for problem in problems)
        super().__init__(f"the question bank has {len(problems)} problem(s):\n{lines}")


class _Collector:
    def __init__(self) -> None:
        self.problems: list[BankProblem] = []

    def add(self, file: str, node: str, message: str) -> None:
        self.problems.append(BankProblem(file, node, message))


BankFiles = dict[str, str]


def read_bank_files(directory: Path) -> BankFiles:
    """Every file the bank is made of, by path relative to `directory`.

    Kept as text so a loaded version can be stored and rebuilt exactly later.
    """
    if not (directory / "bank.yaml").is_file():
        problem = BankProblem(str(directory), "-", "no bank.yaml here: is this a bank folder?")
        raise BankError([problem])
    files: BankFiles = {}
    for path in sorted(directory.rglob("*")):
        if path.is_file() and path.suffix in {".yaml", ".md"} and path.name != "README.md":
            name = path.relative_to(directory).as_posix()
            try:
                files[name] = path.read_text(encoding="utf-8")
            except UnicodeDecodeError:
                raise BankError([BankProblem(name, "-", "file is not UTF-8 text")]) from None
    return files


def load_bank(directory: Path) -> QuestionBank:
    """Load and check the bank in `directory`; raise `BankError` listing every problem."""
    return build_bank(read_bank_files(directory))


def build_bank(files: BankFiles) -> QuestionBank:
    """Check the bank made of `files` and resolve it; raise `BankError` listing every problem."""
    problems = _Collector()
    directory = files

    metadata = _read_model(directory, "bank.yaml", BankMetadata, None, problems)
    sections_raw = _read_yaml(directory, "sections.yaml", problems) or {}
    sections = _read_list(sections_raw, "sections", "sections.yaml", Section, problems)
    themes = _read_list(
        _read_yaml(directory, "themes.yaml", problems) or {},
        "themes",
        "themes.yaml",
        Theme,
        problems,
    )
    scales = _read_list(
        _read_yaml(directory, "scales.yaml", problems) or {},
        "scales",
        "scales.yaml",
        Scale,
        problems,
    )
    blocks = _read_list(
        _read_yaml(directory, "blocks.yaml", problems) or {},
        "blocks",
        "blocks.yaml",
        Block,
        problems,
    )
    uncac_file = _read_model(directory, "uncac.yaml", UncacFile, None, problems)
    preamble = _read_model(directory, "preamble.yaml", PreambleFile, None, problems)

    commitment_files: list[tuple[str, CommitmentFile]] = []
    commitment_paths = sorted(
        name for name in files if name.startswith("commitments/") and name.endswith(".yaml")
    )
    for name in commitment_paths:
        parsed = _read_model(directory, name, CommitmentFile, None, problems)
        if parsed is not None:
            commitment_files.append((name, parsed))
    if not commitment_paths:
        problems.add("commitments/", "-", "no commitment files found")

    source = None
    if metadata is not None:
        source = _check_source(directory, metadata, problems)
    if metadata is None or uncac_file is None or preamble is None or source is None:
        raise BankError(problems.problems)

    for _name, file in commitment_files:
        scales.extend(file.scales)
    _unique((theme.id for theme in themes), "themes.yaml", "theme", problems)
    _unique((scale.id for scale in scales), "scales", "scale", problems)
    _unique((block.id for block in blocks), "blocks.yaml", "block", problems)
    scale_index = {scale.id: scale for scale in scales}
    theme_index = {theme.id: theme for theme in themes}
    block_index = {block.id: block for block in blocks}
    uncac = _build_uncac(uncac_file, problems)
    _check_metadata(metadata, problems)
    _check_sections(sections, source, problems)
    _check_preamble(preamble, source, problems)
    for block in blocks:
        _resolve_questions(
            f"block {block.id}",
            "blocks.yaml",
            block.questions,
            None,
            scale_index,
            problems,
            block=block.id,
            key_prefix=f"{metadata.id}.{block.id}",
        )

    commitments: list[BankCommitment] = []
    seen_paragraphs: Counter[int] = Counter()
    for name, file in commitment_files:
        section = next((s for s in sections if s.id == file.section), None)
        if section is None:
            problems.add(name, "section", f"unknown section {file.section!r}; see sections.yaml")
            continue
        for spec in file.commitments:
            seen_paragraphs[spec.paragraph] += 1
            built = _build_commitment(
                name,
                spec,
                section,
                metadata,
                source,
                theme_index,
                scale_index,
                block_index,
                uncac,
                {int(f.number) for f in preamble.footnotes},
                problems,
            )
            if built is not None:
                commitments.append(built)

    for paragraph, count in sorted(seen_paragraphs.items()):
        if count > 1:
            problems.add(
                "commitments/",
                f"paragraph {paragraph}",
                f"appears {count} times; each paragraph must appear exactly once",
            )
    missing = sorted(set(source.paragraphs) - set(seen_paragraphs))
    if missing:
        problems.add("commitments/", "paragraphs", f"missing paragraphs {missing}; add them")
    unknown = sorted(set(seen_paragraphs) - set(source.paragraphs))
    if unknown:
        problems.add("commitments/", "paragraphs", f"paragraphs {unknown} are not in the source")
    _unique((c.id for c in commitments), "commitments/", "commitment id", problems)

    if problems.problems:
        raise BankError(problems.problems)
    return QuestionBank(
        metadata=metadata,
        checksum=_checksum(files),
        sections=tuple(sorted(sections, key=lambda s: s.number)),
        themes=theme_index,
        scales=scale_index,
        blocks=block_index,
        uncac=uncac,
        preamble=tuple(preamble.paragraphs),
        footnotes={footnote.number: footnote for footnote in preamble.footnotes},
        commitments=tuple(sorted(commitments, key=lambda c: c.paragraph)),
    )


def _read_yaml(directory: BankFiles, name: str, problems: _Collector) -> Any:
    if name not in directory:
        problems.add(name, "-", "file is missing")
        return None
    try:
        return yaml.load(directory[name], Loader=_SafeLoader)  # noqa: S506 (a safe loader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else "-"
        problems.add(name, where, f"not valid YAML: {getattr(error, 'problem', error)}")
    return None


def _read_model(
    directory: BankFiles, name: str, model: type[Model], data: Any, problems: _Collector
) -> Model | None:
    data = _read_yaml(directory, name, problems) if data is None else data
    if data is None:
        return None
    return _validate(model, data, name, problems)


def _read_list(
    data: dict[str, Any], key: str, name: str, model: type[Model], problems: _Collector
) -> list[Model]:
    items = data.get(key) if isinstance(data, dict) else None
    if not isinstance(items, list):
        problems.add(name, key, f"expected a list under '{key}:'")
        return []
    validated = (
        _validate(model, item, name, problems, f"{key}[{i}]") for i, item in enumerate(items)
    )
    return [item for item in validated if item is not None]


def _validate(
    model: type[Model], data: Any, name: str, problems: _Collector, prefix: str = ""
) -> Model | None:
    try:
        return model.model_validate(data)
    except ValidationError as error:
        for detail in error.errors():
            problems.add(name, _node_name(data, prefix, detail["loc"]), _explain(detail))
        return None


def _node_name(data: Any, prefix: str, location: tuple[int | str, ...]) -> str:
    """Name the node by its id where the path passes through one, else by its path."""
    parts = [prefix] if prefix else []
    node = data
    for step in location:
        try:
            node = node[step]
        except (KeyError, IndexError, TypeError):
            node = None
        if isinstance(node, dict) and "id" in node:
            parts.append(str(node["id"]))
        else:
            parts.append(str(step))
    return ".".join(parts) or "-"


def _explain(detail: Any) -> str:
    kind = detail["type"]
    field = detail["loc"][-1] if detail["loc"] else "value"
    if kind == "missing":
        if field in ("zh", "en"):
            return f"missing the {'Chinese' if field == 'zh' else 'English'} text ({field}); add it"
        return f"missing required field '{field}'"
    if kind == "extra_forbidden":
        return f"unknown field '{field}'; remove it or fix its spelling"
    return f"{detail['msg']} (got {detail.get('input')!r})"


def _unique(ids: Iterable[str], file: str, what: str, problems: _Collector) -> None:
    for value, count in Counter(ids).items():
        if count > 1:
            problems.add(
                file, value, f"duplicate {what} id {value!r} ({count} times); ids must be unique"
            )


def _check_source(
    directory: BankFiles, metadata: BankMetadata, problems: _Collector
) -> SourceDocument | None:
    text = directory.get(metadata.source.path)
    if text is None:
        problems.add(
            "bank.yaml", "source.path", f"source document {metadata.source.path} not found"
        )
        return None
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    if digest != metadata.source.sha256:
        problems.add(
            "bank.yaml",
            "source.sha256",
            f"the source document has changed (sha256 {digest}); check the bank "
            "against it, then record the new checksum",
        )
    return parse_source(text)


def _check_metadata(metadata: BankMetadata, problems: _Collector) -> None:
    missing = [s.value for s in Strength if s not in metadata.strength_weights]
    if missing:
        problems.add("bank.yaml", "strength_weights", f"no default weight for {missing}")


def _check_sections(sections: list[Section], source: SourceDocument, problems: _Collector) -> None:
    _unique((section.id for section in sections), "sections.yaml", "section", problems)
    expected = 1
    for section in sorted(sections, key=lambda s: s.number):
        if section.first_paragraph != expected or section.last_paragraph < section.first_paragraph:
            problems.add(
                "sections.yaml",
                section.id,
                f"paragraphs must follow on without gaps: expected to start at {expected}",
            )
        expected = section.last_paragraph + 1
    if len(sections) != len(source.sections_zh):
        problems.add(
            "sections.yaml",
            "sections",
            f"{len(sections)} sections, but the source has {len(source.sections_zh)}",
        )
    for section, title in zip(
        sorted(sections, key=lambda s: s.number), source.sections_zh, strict=False
    ):
        if normalize_whitespace(section.title.zh) != normalize_whitespace(title):
            problems.add(
                "sections.yaml", section.id, f"Chinese title must be the source's {title!r}"
            )


def _check_preamble(preamble: PreambleFile, source: SourceDocument, problems: _Collector) -> None:
    if len(preamble.paragraphs) != len(source.preamble):
        problems.add(
            "preamble.yaml",
            "paragraphs",
            f"{len(preamble.paragraphs)} preambular paragraphs, "
            f"the source has {len(source.preamble)}",
        )
    for paragraph, original in zip(preamble.paragraphs, source.preamble, strict=False):
        if normalize_whitespace(paragraph.text_zh) != normalize_whitespace(original.text):
            problems.add(
                "preamble.yaml",
                paragraph.id,
                "text_zh differs from the source; copy it word for word",
            )
    known = {footnote.number for footnote in preamble.footnotes}
    if known != set(source.footnotes):
        problems.add(
            "preamble.yaml", "footnotes", f"footnotes must be exactly {sorted(source.footnotes)}"
        )


def _build_uncac(file: UncacFile, problems: _Collector) -> UncacIndex:
    articles = {article.number: article for article in file.articles}
    if sorted(articles) != list(range(1, 72)):
        problems.add("uncac.yaml", "articles", "the Convention has articles 1 to 71, each once")
    for cluster in file.clusters:
        for article in cluster.articles:
            if article not in articles:
                problems.add("uncac.yaml", cluster.id, f"article {article} does not exist in UNCAC")
    return UncacIndex(tuple(file.chapters), articles, tuple(file.clusters))


def _build_commitment(
    name: str,
    spec: Commitment,
    section: Section,
    metadata: BankMetadata,
    source: SourceDocument,
    themes: dict[str, Theme],
    scales: dict[str, Scale],
    blocks: dict[str, Block],
    uncac: UncacIndex,
    footnotes: set[int],
    problems: _Collector,
) -> BankCommitment | None:
    node = spec.id
    before = len(problems.problems)
    if spec.id != f"{metadata.id}.p{spec.paragraph}":
        problems.add(
            name,
            node,
            f"id must be '{metadata.id}.p{spec.paragraph}' for paragraph {spec.paragraph}",
        )
    if not section.first_paragraph <= spec.paragraph <= section.last_paragraph:
        problems.add(name, node, f"paragraph {spec.paragraph} is not in section {section.id}")
    original = source.paragraphs.get(spec.paragraph)
    if original is not None and normalize_whitespace(spec.text_zh) != normalize_whitespace(
        original.text
    ):
        problems.add(name, node, "text_zh differs from the source paragraph; copy it word for word")
    for footnote in spec.footnotes:
        if footnote not in footnotes:
            problems.add(name, node, f"footnote {footnote} does not exist in preamble.yaml")
    for theme in spec.themes:
        if theme not in themes:
            problems.add(name, node, f"unknown theme {theme!r}; use an id from themes.yaml")
    for reference in spec.uncac:
        if reference.article not in uncac.articles:
            problems.add(
                name,
                node,
                f"UNCAC reference {reference.ref!r}: article "
                f"{reference.article} does not exist in UNCAC (articles 1-71)",
            )
    for block in spec.blocks:
        if block not in blocks:
            problems.add(name, node, f"unknown block {block!r}; see blocks.yaml")
    if spec.assessable:
        if "state" not in spec.addressees:
            problems.add(name, node, "assessable, but a state is not among its addressees")
        if spec.strength is Strength.TAKE_NOTE:
            problems.add(name, node, "assessable, but it only takes note: nothing to ask a state")
        if REQUIRED_BLOCK not in spec.blocks:
            problems.add(
                name, node, f"assessable commitments must include the block {REQUIRED_BLOCK!r}"
            )
    elif spec.blocks or spec.questions:
        problems.add(name, node, "not assessable, so it must have no blocks or questions")

    block_questions = [
        q for block in spec.blocks if block in blocks for q in blocks[block].questions
    ]
    block_of = {
        q.id: block for block in spec.blocks if block in blocks for q in blocks[block].questions
    }
    questions = _resolve_questions(
        node,
        name,
        [*block_questions, *spec.questions],
        block_of,
        scales,
        problems,
        key_prefix=spec.id,
    )
    if len(problems.problems) > before:
        return None
    weight = spec.weight if spec.weight is not None else metadata.strength_weights[spec.strength]
    references = tuple(uncac.place(reference) for reference in spec.uncac)
    return BankCommitment(spec, section, tuple(questions), references, weight)


def _resolve_questions(
    node: str,
    name: str,
    questions: list[Question],
    block_of: dict[str, str] | None,
    scales: dict[str, Scale],
    problems: _Collector,
    *,
    key_prefix: str,
    block: str | None = None,
) -> list[BankQuestion]:
    resolved: list[BankQuestion] = []
    defined: dict[str, BankQuestion] = {}
    for question in questions:
        where = f"{node}.{question.id}"
        if question.id in defined:
            problems.add(name, where, f"duplicate question id {question.id!r}")
            continue
        scale = _question_scale(question, scales, name, where, problems)
        condition = None
        if question.condition:
            try:
                condition = parse_condition(question.condition)
            except ConditionError as error:
                problems.add(name, where, str(error))
            else:
                _check_condition_names(
                    condition.names, condition.tree, defined, name, where, problems
                )
        built = BankQuestion(
            id=question.id,
            key=f"{key_prefix}.{question.id}",
            type=question.type,
            text=question.text,
            help=question.help,
            required=question.required,
            condition=condition,
            scale=scale,
            block=block if block_of is None else block_of.get(question.id),
            multiline=question.multiline,
            max_length=question.max_length,
            minimum=question.minimum,
            maximum=question.maximum,
            unit=question.unit,
        )
        defined[question.id] = built
        resolved.append(built)
    return resolved


def _question_scale(
    question: Question, scales: dict[str, Scale], name: str, where: str, problems: _Collector
) -> Scale | None:
    if question.type in CHOICE_TYPES:
        if question.scale is None:
            problems.add(name, where, f"a {question.type.value} question needs a scale")
            return None
        if question.scale not in scales:
            problems.add(name, where, f"unknown scale {question.scale!r}; define it in scales.yaml")
            return None
        return scales[question.scale]
    if question.scale is not None:
        problems.add(name, where, f"a {question.type.value} question takes no scale")
    return None


def _check_condition_names(
    names: frozenset[str],
    tree: Any,
    defined: dict[str, BankQuestion],
    name: str,
    where: str,
    problems: _Collector,
) -> None:
    for missing in sorted(names - set(defined)):
        problems.add(
            name,
            where,
            f"condition names question {missing!r}, which is not "
            "defined before it in this commitment",
        )
    for compare in (n for n in ast.walk(tree) if isinstance(n, ast.Compare)):
        operands = [compare.left, *compare.comparators]
        question_names = [o.id for o in operands if isinstance(o, ast.Name) and o.id in defined]
        literals = [
            value
            for operand in operands
            for value in _literal_values(operand)
            if isinstance(value, str)
        ]
        for question_id in question_names:
            scale = defined[question_id].scale
            if scale is None:
                continue
            allowed = {option.value for option in scale.options}
            for literal in literals:
                if literal not in allowed:
                    problems.add(
                        name,
                        where,
                        f"condition compares {question_id!r} with "
                        f"{literal!r}, which is not in scale {scale.id!r}",
                    )


def _literal_values(node: Any) -> list[Any]:
    if isinstance(node, ast.Constant):
        return [node.value]
    if isinstance(node, ast.Tuple | ast.List):
        return [element.value for element in node.elts if isinstance(element, ast.Constant)]
    return []


def _checksum(files: BankFiles) -> str:
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(name.encode("utf-8") + b"\0" + files[name].encode("utf-8") + b"\0")
    return digest.hexdigest()


def main(argv: list[str]) -> int:
    """`python -m questionnaire.domain.bank.loader DIR`: check a bank without the app."""
    directory = Path(argv[0] if argv else "question_bank")
    try:
        bank = load_bank(directory)
    except BankError as error:
        print(error, file=sys.stderr)
        return 1
    assessable = sum(1 for _ in bank.assessable())
    questions = sum(len(c.questions) for c in bank.assessable())
    print(
        f"{bank.id} v{bank.version}: {len(bank.commitments)} commitments, "
        f"{assessable} assessable, {questions} questions: OK"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
