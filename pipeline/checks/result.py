"""CheckResult: what every check returns (the per-segment checks are in qa.py)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CheckResult:
    name: str
    ok: bool
    detail: str = ""
