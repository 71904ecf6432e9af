"""Conservation: everything the raw source holds reaches the written file, nothing is added.

Counted from the article's stretch of the decoded source file (`Article.source_text`, less the
parts ingest dropped on purpose and names in `Article.dropped`), never from the blocks ingest
parsed: a parser that loses a formula cannot also hide the loss. The written markdown is
read back by the side markers the renderer puts before every chunk (`<!-- zh -->`,
`<!-- en -->`, `<!-- both -->` for what is shown once, `<!-- note -->` for zh2en's own words).

Checked:
- every LaTeX formula of the source is on the English side byte-identical, exactly as often
  (lines of a multi-line formula compared without the markdown container's `>`/indent; a display
  formula by what is inside its delimiters, which the renderer writes as `$$` -
  pipeline/text/display_math.py), and the English side holds no formula the source does not;
- every display environment is there whole: as many `\\begin{…}` and `\\end{…}` as the source;
- every Chinese sentence of the source is on the Chinese side (its Han characters, in order);
- every code block, inline code, URL and image reference is on the English side verbatim,
  and the English holds no code the source does not.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from markdown_it import MarkdownIt
from mdit_py_plugins.dollarmath import dollarmath_plugin
from mdit_py_plugins.footnote import footnote_plugin

from pipeline.ingest.dialects import admonition_fence, closes_fence
from pipeline.text.markup import HTML_TAG, unsafe_destination
from pipeline.text.display_math import formula_key
from pipeline.text.latex import DISPLAY_ENVS, FORMULA_SPAN_KINDS, find_latex_spans
from pipeline.document import Article
from pipeline.output.render import BOTH_MARK, EN_MARK, NOTE_MARK, ZH_MARK
from pipeline.text.sentences import PIECE_CUT
from pipeline.text.han import HAN

FORMULA_KINDS = {*FORMULA_SPAN_KINDS, "macro"}   # a lone command in prose must not be lost either
SIDE_MARKS = {ZH_MARK: "zh", EN_MARK: "en", BOTH_MARK: "both", NOTE_MARK: "note"}

# A fence opens with 3+ backticks (no backtick after them on the line) or 3+ tildes.
_FENCE_OPEN = re.compile(r"^[ \t>]*(`{3,}(?=[^`]*$)|~{3,})")
# A code span: a run of backticks closed by a run of the same length (CommonMark).
_INLINE_CODE = re.compile(r"(?<!`)(`+)(?!`)[^\n]+?(?<!`)\1(?!`)")
_URL = re.compile(r"https?://[^\s<>()\[\]{}\"'，。；：！？、（）《》“”]+")
_LINK_TARGET = re.compile(r"\]\(([^()\s]+)")
_BEGIN_END = re.compile(r"\\(begin|end)\{(\w+\*?)\}")
_OPENING = re.compile(r"\$\$|\\\[|\\begin\{")
_CONTAINER_PREFIX = re.compile(r"\n[ \t>]*")


@dataclass
class Inventory:
    """What a text holds that must not be lost."""

    formulas: Counter = field(default_factory=Counter)      # normalised formula -> count
    environments: Counter = field(default_factory=Counter)  # ("begin"|"end", name) -> count
    sentences: list[str] = field(default_factory=list)      # Han characters of each sentence
    code: list[str] = field(default_factory=list)           # code blocks' bodies, inline code
    links: list[str] = field(default_factory=list)          # link and image targets, URLs
    structures: Counter = field(default_factory=Counter)    # (link | image, destination) a renderer shows


@dataclass
class ConservationReport:
    formulas_source: int
    formulas_kept: int
    problems: list[str]


def checked_source(article: Article) -> str:
    """The article's source stretch less the parts ingest dropped on purpose."""
    text, pos, kept = article.source_text, 0, []
    for start, end, _ in sorted(article.dropped):
        kept.append(text[pos:max(pos, start)])
        pos = max(pos, end)
    kept.append(text[pos:])
    return "\n\n".join(kept)


def take_inventory(text: str) -> Inventory:
    inventory = Inventory()
    code_blocks, prose = _split_fences(text)
    outside_code = _INLINE_CODE.sub(" ", prose)   # `echo $HOME` is code, not a formula's opening
    for formula, kind in _formulas(outside_code):
        inventory.formulas[formula_key(normalise_formula(formula), kind)] += 1
    for m in _BEGIN_END.finditer(outside_code):
        if m.group(2) in DISPLAY_ENVS:
            inventory.environments[(m.group(1), m.group(2))] += 1
    for sentence in PIECE_CUT.split(text):
        han = "".join(HAN.findall(sentence))
        if han:
            inventory.sentences.append(han)
    inventory.code = code_blocks + [m.group() for m in _INLINE_CODE.finditer(prose)]
    inventory.links = _LINK_TARGET.findall(prose)
    inventory.links += [u for u in _URL.findall(prose) if not any(u in t for t in inventory.links + inventory.code)]
    inventory.structures = link_structures(text)
    return inventory


# A markdown reader of its own (not ingest's): links and images as a renderer shows them.
_LINK_READER = MarkdownIt("commonmark").use(dollarmath_plugin, allow_space=True, allow_digits=True,
                                             double_inline=True).use(footnote_plugin).enable("table")


def link_structures(text: str) -> Counter:
    """Each link and image a renderer makes of `text`, by kind and destination (a link the model
    broke - `[text] (url)` - is no longer one, though its URL is still there). Links a browser
    would run are not counted: they are shown as text on purpose (render.escape_html)."""
    found: Counter = Counter()
    # Read with every line's indentation removed: an admonition's body (indented four spaces) is
    # markdown to MkDocs, and the same lines are read the same way on both sides.
    flat = "\n".join(line.lstrip(" \t") for line in text.split("\n"))
    for tok in _LINK_READER.parse(flat):
        for child in tok.children or []:
            if child.type in ("link_open", "image"):
                target = str(child.attrGet("href") or child.attrGet("src") or "")
                if not unsafe_destination(target):
                    found[("image" if child.type == "image" else "link", target)] += 1
    return found


def output_sides(markdown: str) -> tuple[str, str]:
    """(Chinese side, English side) of a rendered file; shared chunks are on both, notes on
    neither, front matter skipped."""
    lines = markdown.split("\n")
    if lines and lines[0] == "---":
        closing = next((i for i in range(1, len(lines)) if lines[i] == "---"), 0)
        lines = lines[closing + 1:]
    zh, en, side = [], [], "note"
    for line in lines:
        if line.strip() in SIDE_MARKS:
            side = SIDE_MARKS[line.strip()]
            continue
        if side in ("zh", "both"):
            zh.append(line)
        if side in ("en", "both"):
            en.append(line)
    return "\n".join(zh), "\n".join(en)


def check_conservation(article: Article, markdown: str) -> ConservationReport:
    source_text = checked_source(article)
    source = take_inventory(source_text)
    zh_side, en_side = output_sides(markdown)
    english = take_inventory(en_side)
    problems = []
    for formula, n in source.formulas.items():
        if english.formulas[formula] < n:
            problems.append(f"formula missing from the English{_times(n - english.formulas[formula])}: "
                            f"{_quote(formula)}")
    for formula, n in english.formulas.items():
        if n > source.formulas[formula]:
            problems.append(f"formula in the English that the source does not have"
                            f"{_times(n - source.formulas[formula])}: {_quote(formula)}")
    for (which, name), n in source.environments.items():
        if english.environments[(which, name)] != n:
            problems.append(f"display block incomplete: \\{which}{{{name}}} {n}× in the source, "
                            f"{english.environments[(which, name)]}× in the English")
    han_zh = "".join(HAN.findall(zh_side))
    for sentence in source.sentences:
        if sentence not in han_zh:
            problems.append(f"Chinese sentence missing from the original side: {sentence[:40]}")
    en_flat, source_flat = _flatten(en_side), _flatten(source_text)
    for piece in source.code + source.links:
        if _flatten(piece) not in en_flat:
            problems.append(f"code or link missing from the English: {_quote(piece)}")
    for (kind, target), n in source.structures.items():
        if english.structures[(kind, target)] < n:
            problems.append(f"{kind} missing or broken in the English{_times(n - english.structures[(kind, target)])}: "
                            f"{_quote(target)}")
    for piece in english.code:  # e.g. the model wrapping its answer in a code fence
        if _flatten(piece) not in source_flat:
            problems.append(f"code in the English that the source does not have: {_quote(piece)}")
    kept = sum(min(n, english.formulas[f]) for f, n in source.formulas.items())
    return ConservationReport(sum(source.formulas.values()), kept, list(dict.fromkeys(problems)))


def _formulas(text: str) -> list[tuple[str, str]]:
    """Every formula of `text`. A formula that never closes does not swallow the rest of the
    text (as it does for ingest, which keeps it verbatim): the scan goes on after its opening."""
    found, pos = [], 0
    while pos < len(text):
        for span in find_latex_spans(text[pos:]):
            if span.kind == "unterminated":
                opening = _OPENING.match(span.text)
                pos += span.start + (len(opening.group()) if opening else 1)
                break
            if span.kind in FORMULA_KINDS:
                found.append((span.text, span.kind))
        else:
            break
    return found


def normalise_formula(text: str) -> str:
    """A formula as compared: the `>` and indentation that a markdown container adds to its
    continuation lines are not part of it; one holding an HTML tag is expected escaped (it is
    not LaTeX, and segmenting flagged it)."""
    if HTML_TAG.search(text):
        text = text.replace("<", "&lt;")
    return _CONTAINER_PREFIX.sub("\n", text)


def _split_fences(text: str) -> tuple[list[str], str]:
    """(bodies of the fenced code blocks, the text outside them) by a line scan. A MyST
    admonition's fence (```` ```{note} ````) holds prose, not code (pipeline/ingest/dialects.py)."""
    blocks, prose, body, fence, admonitions = [], [], None, None, []
    for line in text.split("\n"):
        m = _FENCE_OPEN.match(line)
        if body is None and (myst_fence := admonition_fence(line.lstrip(" \t>"))):
            admonitions.append(myst_fence)
            prose.append(line)
        elif body is None and admonitions and closes_fence(line.lstrip(" \t>"), admonitions[-1]):
            admonitions.pop()
            prose.append(line)
        elif body is None and m:
            body, fence = [], m.group(1)
        elif body is not None and m and m.group(1)[0] == fence[0] and len(m.group(1)) >= len(fence) \
                and not line.strip(" \t>`~"):
            blocks.append("\n".join(body))
            body = None
        elif body is not None:
            body.append(line)
        else:
            prose.append(line)
    if body is not None:  # an unclosed fence runs to the end, as in CommonMark
        blocks.append("\n".join(body))
    return [b for b in blocks if b.strip()], "\n".join(prose)


def _flatten(text: str) -> str:
    return "\n".join(ln.strip().lstrip(">").strip() for ln in text.split("\n") if ln.strip(" \t>"))


def _times(n: int) -> str:
    return f" ({n}×)" if n > 1 else ""


def _quote(text: str, limit: int = 80) -> str:
    """A piece of the source as inline code: shown as written, never typeset or run, even cut short."""
    one_line = " ".join(text.split())
    one_line = one_line if len(one_line) <= limit else one_line[:limit - 1] + "…"
    fence = "`" * (max((len(run) for run in re.findall(r"`+", one_line)), default=0) + 1)
    return f"{fence} {one_line} {fence}" if "`" in one_line else f"`{one_line}`"
