"""Where a reviewer should start (`zh2en review`): every written passage of an output folder,
ranked by how unsure the tool is of it - left in Chinese first, then by the number of warnings,
then by the model's surprise and lowest token probability - each with its file and line. A
passage a reviewer already fixed (zh2en learn) is not listed."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from pipeline.checks.qa import STILL_CHINESE

_EN_MARK = re.compile(r"^<!-- en -->\s*$")


@dataclass(frozen=True)
class ToReview:
    file: Path
    line: int            # of the passage's English in the bilingual file (0: not found)
    source: str
    flags: tuple[str, ...]
    untranslated: bool
    surprise: float      # 0 when unknown
    lowest: float        # the lowest token probability, 1 when unknown

    @property
    def risk(self) -> tuple:
        return (self.untranslated, len(self.flags), self.surprise, -self.lowest)

    def line_text(self) -> str:
        opening = " ".join(self.source.split())
        opening = opening if len(opening) <= 30 else opening[:30] + "…"
        why = self.flags[0] if self.flags else (
            f"the model's surprise {self.surprise:.1f}, lowest token probability {self.lowest:.2f}")
        more = f" (+{len(self.flags) - 1} more)" if len(self.flags) > 1 else ""
        said = why if why.startswith("“") else f"“{opening}”: {why}"   # most warnings quote the passage already
        return f"{self.file}:{self.line}: {said}{more}"


def _english_lines(document: Path) -> list[int]:
    """The line number (from 1) of the first line of each English chunk of a bilingual file."""
    try:
        lines = document.read_text(encoding="utf-8").splitlines()
    except OSError:
        return []
    return [n + 2 for n, line in enumerate(lines) if _EN_MARK.match(line)]


def passages_to_review(paths: list[Path]) -> list[ToReview]:
    """Every passage of the articles written under `paths`, riskiest first."""
    found = []
    for qa_file in sorted(q for path in paths for q in (path.rglob("*.qa.json") if path.is_dir() else [path])):
        try:
            qa = json.loads(qa_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        document = qa_file.with_name(str(qa.get("file", "")))
        starts = _english_lines(document)
        chunk_of = {n: k for k, chunk in enumerate(qa.get("english_chunks") or []) for n in chunk["passages"]}
        for detail in qa.get("segments_detail", []):
            if detail.get("reviewed"):
                continue
            k = chunk_of.get(detail["index"])
            confidence = detail.get("confidence") or {}
            found.append(ToReview(document, starts[k] if k is not None and k < len(starts) else 0, detail["source"],
                                  tuple(detail.get("flags") or ()), STILL_CHINESE in (detail.get("flags") or ()),
                                  confidence.get("surprise") or 0.0, confidence.get("min", 1.0)))
    return sorted(found, key=lambda p: p.risk, reverse=True)
