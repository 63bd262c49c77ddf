"""The table `make bench` prints: step, median, min, max, target, verdict."""

from __future__ import annotations

from typing import Any

from benchmarks.measure import format_value


def render(results: dict[str, Any]) -> str:
    lines = [
        f"Benchmark of {results['date']} on {results['cpu_count']} cores "
        f"(load average at start {results['load_average_at_start'][0]:.1f}, "
        f"at end {results['load_average_at_end'][0]:.1f})",
    ]
    for kind, database in results["databases"].items():
        lines += ["", f"== {kind}: {database['database']}", ""]
        lines += _table(
            ("step", "median", "min", "max", "target", "verdict"),
            [
                (
                    figure["label"],
                    format_value(figure["median"], figure["unit"]),
                    format_value(figure["min"], figure["unit"]),
                    format_value(figure["max"], figure["unit"]),
                    figure["target"] or "—",
                    figure["verdict"] or "",
                )
                for figure in database["figures"].values()
            ],
        )
        lines += ["", "7. peak memory (MiB)", ""]
        lines += _table(
            ("step", "peak RSS", "growth in step"),
            [
                (
                    step,
                    f"{memory['peak_rss_mib']:.0f}",
                    f"{memory['growth_mib']:.0f}" if "growth_mib" in memory else "(per worker)",
                )
                for step, memory in database["memory"].items()
            ],
        )
    return "\n".join(lines)


def _table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> list[str]:
    widths = [max(len(str(row[i])) for row in (header, *rows)) for i in range(len(header))]

    def line(row: tuple[str, ...]) -> str:
        return "  ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True))

    return [line(header), line(tuple("-" * width for width in widths)), *map(line, rows)]
