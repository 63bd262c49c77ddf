"""The bank as records (JSON) and as a readable reference workbook in both languages."""

from __future__ import annotations

import json
from typing import IO, Any

import xlsxwriter

from questionnaire.domain.bank import BankCommitment, BankQuestion, QuestionBank
from questionnaire.domain.excel_safety import SafeCellWriter


def commitment_record(bank: QuestionBank, commitment: BankCommitment) -> dict[str, Any]:
    spec = commitment.spec
    return {
        "id": spec.id,
        "paragraph": spec.paragraph,
        "section": {
            "id": commitment.section.id,
            "number": commitment.section.number,
            "title_zh": commitment.section.title.zh,
            "title_en": commitment.section.title.en,
        },
        "text_zh": spec.text_zh,
        "title_zh": spec.title.zh,
        "title_en": spec.title.en,
        "summary_en": spec.summary_en,
        "addressees": [addressee.value for addressee in spec.addressees],
        "strength": spec.strength.value,
        "assessable": spec.assessable,
        "weight": commitment.weight,
        "themes": [
            {"id": theme, "zh": bank.themes[theme].label.zh, "en": bank.themes[theme].label.en}
            for theme in spec.themes
        ],
        "uncac": [
            {
                "ref": reference.ref,
                "article": reference.article.number,
                "article_title_en": reference.article.title.en,
                "link": reference.link,
                "chapter": reference.chapter.number,
                "irm_cycle": reference.review_cycle,
                "irm_cluster": reference.cluster.id if reference.cluster else None,
            }
            for reference in commitment.references
        ],
        "irm_cycles": list(commitment.review_cycles),
        "irm_chapters": list(commitment.chapters),
        "sdg_targets": list(spec.sdg_targets),
        "footnotes": [
            {
                "number": n,
                "text_zh": bank.footnotes[n].text_zh,
                "text_en": bank.footnotes[n].text_en,
            }
            for n in spec.footnotes
        ],
        "notes": [
            {"kind": note.kind.value, "zh": note.text.zh, "en": note.text.en} for note in spec.notes
        ],
        "guidance": spec.guidance.model_dump(),
        "questions": [question_record(question) for question in commitment.questions],
    }


def question_record(question: BankQuestion) -> dict[str, Any]:
    return {
        "id": question.key,
        "type": question.type.value,
        "block": question.block,
        "required": question.required,
        "condition": question.condition.source if question.condition else None,
        "text_zh": question.text.zh,
        "text_en": question.text.en,
        "help_zh": question.help.zh,
        "help_en": question.help.en,
        "scale": question.scale.id if question.scale else None,
        "options": [
            {"value": o.value, "zh": o.label.zh, "en": o.label.en, "score": o.score}
            for o in (question.scale.options if question.scale else ())
        ],
    }


def write_bank_json(bank: QuestionBank, stream: IO[str]) -> None:
    document = {
        "bank": {
            "id": bank.id,
            "version": bank.version,
            "edition": bank.metadata.edition,
            "checksum": bank.checksum,
            "source": bank.metadata.source.model_dump(mode="json"),
        },
        "commitments": [commitment_record(bank, c) for c in bank.commitments],
    }
    json.dump(document, stream, ensure_ascii=False, indent=2)
    stream.write("\n")


def write_bank_workbook(bank: QuestionBank, stream: IO[bytes]) -> None:
    """A reference workbook a secretariat can read and print: one row per node."""
    workbook = xlsxwriter.Workbook(stream, {"in_memory": True, "strings_to_formulas": False})
    header = workbook.add_format(
        {"bold": True, "bg_color": "#DCE6F1", "text_wrap": True, "valign": "top", "border": 1}
    )
    wrap = workbook.add_format({"text_wrap": True, "valign": "top"})
    cells = SafeCellWriter(workbook)

    def sheet(name: str, columns: list[tuple[str, int]], rows: list[list[Any]]) -> None:
        worksheet = workbook.add_worksheet(name)
        for index, (title, width) in enumerate(columns):
            worksheet.write(0, index, title, header)
            worksheet.set_column(index, index, width, wrap)
        for row_index, row in enumerate(rows, start=1):
            for column_index, value in enumerate(row):
                cells.write(worksheet, row_index, column_index, value, wrap)
        worksheet.freeze_panes(1, 0)
        worksheet.autofilter(0, 0, max(len(rows), 1), len(columns) - 1)
        worksheet.repeat_rows(0)
        worksheet.set_landscape()
        worksheet.fit_to_pages(1, 0)

    about = workbook.add_worksheet("About")
    about.set_column(0, 0, 28)
    about.set_column(1, 1, 100, wrap)
    for row, (label, value) in enumerate(
        [
            ("Bank / 题库", bank.id),
            ("Version / 版本", bank.version),
            ("Edition / 版次", bank.metadata.edition),
            ("Source / 来源", bank.metadata.source.symbol),
            ("Source SHA-256", bank.metadata.source.sha256),
            ("Title (zh)", bank.metadata.title.zh),
            ("Title (en)", bank.metadata.title.en),
            ("Commitments / 承诺", len(bank.commitments)),
            ("Assessable / 可评估", sum(1 for _ in bank.assessable())),
        ]
    ):
        about.write(row, 0, label, header)
        cells.write(about, row, 1, value, wrap)

    sheet(
        "Commitments",
        [
            ("Id", 12),
            ("Para.", 6),
            ("Section", 22),
            ("Title (zh)", 24),
            ("Title (en)", 30),
            ("Text (zh, source)", 70),
            ("Summary (en)", 60),
            ("Addressees", 14),
            ("Strength", 14),
            ("Assessable", 10),
            ("Weight", 8),
            ("Themes", 30),
            ("UNCAC", 24),
            ("IRM cycle", 9),
            ("IRM chapter", 10),
            ("SDG", 12),
            ("Evidence (en)", 50),
            ("Reviewer (en)", 50),
            ("Notes", 40),
        ],
        [
            [
                c.id,
                c.paragraph,
                c.section.title.en,
                c.spec.title.zh,
                c.spec.title.en,
                c.spec.text_zh,
                c.spec.summary_en,
                ", ".join(a.value for a in c.spec.addressees),
                c.strength.value,
                "yes" if c.assessable else "no",
                c.weight,
                ", ".join(bank.themes[t].label.en for t in c.spec.themes),
                ", ".join(f"{r.ref} ({r.link})" for r in c.references),
                ", ".join(str(cycle) for cycle in c.review_cycles),
                ", ".join(c.chapters),
                ", ".join(c.spec.sdg_targets),
                c.spec.guidance.evidence.en,
                c.spec.guidance.reviewer.en,
                " ".join(n.text.en for n in c.spec.notes),
            ]
            for c in bank.commitments
        ],
    )
    sheet(
        "Questions",
        [
            ("Question id", 34),
            ("Para.", 6),
            ("Block", 14),
            ("Type", 14),
            ("Required", 9),
            ("Condition", 30),
            ("Question (zh)", 50),
            ("Question (en)", 50),
            ("Scale", 22),
            ("Help (en)", 50),
        ],
        [
            [
                q.key,
                c.paragraph,
                q.block or "",
                q.type.value,
                "yes" if q.required else "no",
                q.condition.source if q.condition else "",
                q.text.zh,
                q.text.en,
                q.scale.id if q.scale else "",
                q.help.en,
            ]
            for c in bank.assessable()
            for q in c.questions
        ],
    )
    sheet(
        "Scales",
        [("Scale", 26), ("Value", 24), ("Label (zh)", 30), ("Label (en)", 40), ("Score", 8)],
        [
            [
                scale.id,
                option.value,
                option.label.zh,
                option.label.en,
                "" if option.score is None else option.score,
            ]
            for scale in bank.scales.values()
            for option in scale.options
        ],
    )
    sheet(
        "Themes",
        [("Theme", 26), ("Label (zh)", 30), ("Label (en)", 50), ("Beyond UNCAC", 12)],
        [
            [t.id, t.label.zh, t.label.en, "yes" if t.beyond_uncac else ""]
            for t in bank.themes.values()
        ],
    )
    sheet(
        "UNCAC",
        [
            ("Article", 8),
            ("Title (zh)", 40),
            ("Title (en)", 60),
            ("Chapter", 9),
            ("IRM cycle", 9),
            ("Cluster", 40),
        ],
        [
            [
                number,
                article.title.zh,
                article.title.en,
                bank.uncac.chapter_of(number).number,
                bank.uncac.chapter_of(number).review_cycle or "",
                (cluster.label.en if (cluster := bank.uncac.cluster_of(number)) else ""),
            ]
            for number, article in sorted(bank.uncac.articles.items())
        ],
    )
    sheet(
        "Preamble",
        [("Id", 12), ("Text (zh, source)", 90), ("Summary (en)", 70)],
        [[p.id, p.text_zh, p.summary_en] for p in bank.preamble],
    )
    workbook.close()
