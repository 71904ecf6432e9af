"""Chinese inside formulas: authors write `\\text{朴素版}` or `\\color{blue}{(\\text{MuP版})}` in
display formulas. The English-only layout shows those words in English; only the argument of a
text command is changed, every other byte of the formula is kept (and the change recorded)."""

from __future__ import annotations

import re

from pipeline.text.han import HAN

_TEXT_COMMAND = re.compile(r"\\(?:text|textrm|textbf|textit|textsf|mbox|mathrm|operatorname)\s*\{")
# What an English rendering may not bring into a formula: braces, backslashes and the rest.
_UNSAFE = re.compile(r"[{}\\^~$]")
_ESCAPE = re.compile(r"([%&#_])")


def chinese_text_args(formula: str) -> list[tuple[int, int]]:
    """(start, end) of each text-command argument in `formula` that holds Chinese."""
    found = []
    for m in _TEXT_COMMAND.finditer(formula):
        end = closing_brace(formula, m.end())
        if end is not None and HAN.search(formula[m.end():end]):
            found.append((m.end(), end))
    return found


def rewrite_text_args(formula: str, english: dict[str, str]) -> str:
    """`formula` with each Chinese text argument that `english` translates replaced."""
    out, pos = [], 0
    for start, end in chinese_text_args(formula):
        zh = formula[start:end]
        if zh in english:
            out += [formula[pos:start], english[zh]]
            pos = end
    return "".join(out) + formula[pos:]


def formula_safe(english: str) -> str | None:
    """A model's English for a text argument, made safe inside `\\text{}`; None if unusable."""
    text = " ".join(english.strip().strip('"“”').rstrip(".").split())
    if not text or HAN.search(text) or _UNSAFE.search(text) or len(text) > 80:
        return None
    return _ESCAPE.sub(r"\\\1", text)


def closing_brace(text: str, start: int) -> int | None:
    """The position of the brace that closes the group opened just before `start` (escaped
    braces skipped); None if it never closes."""
    depth = 1
    for i in range(start, len(text)):
        if text[i] == "{" and text[i - 1] != "\\":
            depth += 1
        elif text[i] == "}" and text[i - 1] != "\\":
            depth -= 1
            if depth == 0:
                return i
    return None
