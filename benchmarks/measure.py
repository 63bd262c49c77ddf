"""Timing, medians and peak memory: the numbers every step reports in the same shape."""

from __future__ import annotations

import re
import resource
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MIB = 1024 * 1024


def timed(action: Callable[[], Any]) -> tuple[float, Any]:
    """Seconds `action` took by the monotonic clock, and what it returned."""
    started = time.perf_counter()
    result = action()
    return time.perf_counter() - started, result


STATUS = Path("/proc/self/status")
CLEAR_REFS = Path("/proc/self/clear_refs")


def start_peak_window() -> float:
    """Reset the peak resident set (Linux: VmHWM) and return the resident set now, in MiB.

    Imports leave a transient high-water mark that would hide a step's own peak, so the
    mark starts again here; elsewhere ru_maxrss (never reset) is all there is.
    """
    try:
        CLEAR_REFS.write_text("5")
        return _status_mib("VmRSS")
    except OSError:
        return peak_rss_mib()


def peak_rss_mib() -> float:
    """Peak resident set since `start_peak_window` (VmHWM), else since start (ru_maxrss)."""
    try:
        return _status_mib("VmHWM")
    except OSError:
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak / MIB if sys.platform == "darwin" else peak / 1024


def _status_mib(field: str) -> float:
    match = re.search(rf"^{field}:\s+(\d+) kB", STATUS.read_text(), re.MULTILINE)
    if match is None:
        raise OSError(f"no {field} in {STATUS}")
    return int(match.group(1)) / 1024


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values))


@dataclass(frozen=True)
class Target:
    """A bound a figure must keep: at most (`upper`) or at least (not `upper`) `limit`."""

    limit: float
    upper: bool = True

    def describe(self, unit: str) -> str:
        if self.limit == 0:
            return "0"
        return f"{'<' if self.upper else '≥'} {format_value(self.limit, unit)}"

    def verdict(self, value: float) -> str:
        """'meets', or by how many per cent the figure misses the bound."""
        if self.limit == 0 and value > 0:
            return f"misses ({format_value(value, 'count')})"
        if self.upper and value <= self.limit or not self.upper and value >= self.limit:
            return "meets"
        if self.upper:
            return f"misses by {(value / self.limit - 1) * 100:.0f}%"
        return f"misses by {(1 - value / self.limit) * 100:.0f}%"


@dataclass(frozen=True)
class Figure:
    """One measured quantity over several runs: the median is the figure, min and max its spread."""

    name: str
    label: str
    unit: str
    samples: tuple[float, ...]
    target: Target | None = None
    note: str = ""

    @property
    def median(self) -> float:
        return median(self.samples)

    def as_json(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "unit": self.unit,
            "median": self.median,
            "min": min(self.samples),
            "max": max(self.samples),
            "runs": list(self.samples),
            "target": self.target.describe(self.unit) if self.target else None,
            "verdict": self.target.verdict(self.median) if self.target else None,
            "note": self.note,
        }


def format_value(value: float, unit: str) -> str:
    match unit:
        case "s":
            return f"{value:.3f} s" if value < 10 else f"{value:.1f} s"
        case "ms":
            return f"{value:.1f} ms"
        case "MiB":
            return f"{value:.0f} MiB"
        case "x":
            return f"{value:.2f}×"
        case "req/s":
            return f"{value:.0f} req/s"
        case "count":
            return f"{value:.0f}"
    return f"{value:g} {unit}"
