"""Chinese inside formulas: authors write `\\text{朴素版}` or `\\color{blue}{(\\text{MuP版})}` in
display formulas. The English-only layout shows those words in English; only the argument of a
text command is changed, every other byte of the formula is kept (and the change recorded)."""

from __future__ import annotations

import re

from pipeline.text.han import HAN

_TEXT_COMMAND = re.compile(r"\\(?:text|textrm|textbf|textit|textsf|mbox|mathrm|operatorname|tag\*?)\s*\{")
# What an English rendering may not bring into a formula: braces, backslashes and the rest.
_UNSAFE = re.compile(r"[{}\\^~$]")
_ESCAPE = re.compile(r"([%&#_])")
# Chinese written straight into math: Han characters with the CJK punctuation between them.
_BARE_CHINESE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff](?:[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef]*[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff])?")


def chinese_text_args(formula: str) -> list[tuple[int, int]]:
    """(start, end) of each piece of Chinese in `formula` a reader sees: a text-command argument
    that holds Chinese, and a run of Chinese written straight into the math (`$\\mathbf{X}和\\mathbf{W}$`,
    which MathJax shows as text)."""
    return [(start, end) for start, end, _ in _chinese_pieces(formula)]


def rewrite_text_args(formula: str, english: dict[str, str]) -> str:
    """`formula` with each piece of Chinese that `english` translates replaced: inside a text
    command by the English, written straight into the math by `\\text{English}`."""
    out, pos = [], 0
    for start, end, bare in _chinese_pieces(formula):
        zh = formula[start:end]
        if zh in english:
            out += [formula[pos:start], f"\\text{{{english[zh]}}}" if bare else english[zh]]
            pos = end
    return "".join(out) + formula[pos:]


def _chinese_pieces(formula: str) -> list[tuple[int, int, bool]]:
    """(start, end, written straight into the math) of each piece of Chinese a reader sees."""
    found, inside = [], []
    for m in _TEXT_COMMAND.finditer(formula):
        end = closing_brace(formula, m.end())
        if end is not None:
            inside.append((m.end(), end))
            if HAN.search(formula[m.end():end]):
                found.append((m.end(), end, False))
    found += [(*m.span(), True) for m in _BARE_CHINESE.finditer(formula)
              if not any(a <= m.start() < b for a, b in inside) and not _in_any_argument(formula, m.start())]
    return sorted(found)


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


def _in_any_argument(formula: str, at: int) -> bool:
    """Whether `at` lies inside the braced argument of some other command that takes text
    (`\\label{中}`, `\\tag{中}`, `\\operatorname*{中}`): not shown as math, left alone."""
    for m in re.finditer(r"\\(?:label|ref|eqref|href|url)\s*\{", formula):
        end = closing_brace(formula, m.end())
        if end is not None and m.end() <= at < end:
            return True
    return False
