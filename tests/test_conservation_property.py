"""Property: articles composed at random from the seed pages' own formulas and sentences, in
every layout (plain text and markdown: display formulas between the lines of a paragraph,
list items, quotes, after headings, in table cells, at the end of the file), lose nothing
through the real ingest -> segment -> protect -> translate -> restore -> render path.

The expectation is counted from the composition itself, a third count independent of both
ingest and the conservation check. Bounded to well under a minute; a failure prints the
falsifying example and a @reproduce_failure blob."""

import re
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import SEEDS
from copying_backend import CopyingBackend, context_over, translate_article
from pipeline.output.conservation import normalise_formula, output_sides
from pipeline.ingest.reader import parse_text
from pipeline.text.display_math import formula_key
from pipeline.text.latex import FORMULA_SPAN_KINDS, find_latex_spans
from pipeline.output.writing import render_conserved

_SENTENCE = re.compile(r"[^。！？\n]*[。！？]")


def _seed_material():
    text = "\n".join(p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))) if SEEDS.is_dir() else ""
    inline, display = set(), set()
    for span in find_latex_spans(text):
        if "\n" in span.text or "|" in span.text or len(span.text) > 120:
            continue
        if span.kind == "inline" and span.text.startswith("$"):
            inline.add(span.text)
        elif span.kind in ("display", "environment"):
            display.add(span.text)
    # Every display form of docs/design.md, around the seeds' own formula bodies (one multi-line).
    for n, body in enumerate(sorted({f.strip("$") for f in inline})[:12], 1):
        display |= {f"$${body}$$", f"\\[{body}\\]", f"\\begin{{equation}}{body}\\label{{eq:{n}}}\\end{{equation}}",
                    f"\\begin{{align}}\n{body} \\\\\n{body}\n\\end{{align}}", f"\\begin{{equation*}}{body}\\end{{equation*}}"}
        inline.add(f"\\({body}\\)")
    sentences = {s.strip() for s in _SENTENCE.findall(text)
                 if 6 <= len(s.strip()) <= 80 and not re.search(r"[$\\`|#>*_\[\]<{}-]", s)}
    return sorted(inline), sorted(display), sorted(sentences)


INLINE, DISPLAY, SENTENCES = _seed_material()
LAYOUTS_MD = ["between-lines", "list", "quote", "after-heading", "table", "end"]
LAYOUTS_TXT = ["between-lines", "own-paragraph", "end"]

sentence = st.sampled_from(SENTENCES) if SENTENCES else st.nothing()
display = st.sampled_from(DISPLAY) if DISPLAY else st.nothing()
inline = st.sampled_from(INLINE) if INLINE else st.nothing()


@st.composite
def prose(draw):
    """One or two seed sentences, maybe with a seed inline formula inside."""
    first = draw(sentence)
    if draw(st.booleans()):
        cut = draw(st.integers(1, len(first) - 1))
        first = first[:cut] + draw(inline) + first[cut:]
    return first + (draw(sentence) if draw(st.booleans()) else "")


@st.composite
def article(draw):
    markdown = draw(st.booleans())
    parts, formulas = [], []
    parts.append(("# " if markdown else "") + draw(sentence).rstrip("。！？"))
    for _ in range(draw(st.integers(1, 4))):
        layout = draw(st.sampled_from(LAYOUTS_MD if markdown else LAYOUTS_TXT))
        a, b, eq = draw(prose()), draw(prose()), draw(display)
        if layout == "table":
            eq = draw(display.filter(lambda f: "\n" not in f))
        if layout == "between-lines":
            parts.append(f"{a}\n{eq}\n{b}")
        elif layout == "own-paragraph":
            parts.append(f"{a}\n\n{eq}\n\n{b}")
        elif layout == "list":
            parts.append(f"- {a}\n  {eq.replace(chr(10), chr(10) + '  ')}\n  {b}\n- {draw(prose())}")
        elif layout == "quote":
            parts.append(f"> {a}\n> {eq.replace(chr(10), chr(10) + '> ')}\n> {b}")
        elif layout == "after-heading":
            parts.append(f"## {draw(sentence).rstrip('。！？')}\n{eq}\n{b}")
        elif layout == "table":
            parts.append(f"| 名称 | 内容 |\n|---|---|\n| {a} | {eq} |")
        else:  # the file ends with a display formula
            parts.append(f"{a}\n{eq}")
        formulas.append(eq)
        if layout == "end":
            break
    text = "\n\n".join(parts) + ("" if parts[-1].endswith(tuple(formulas[-1:])) else "\n")
    return text, ("post.md" if markdown else "post.txt")


def _formulas_in(text: str) -> Counter:
    """Formula by formula; a display formula by its body (the output writes each between `$$`)."""
    return Counter(formula_key(normalise_formula(s.text), s.kind) for s in find_latex_spans(text)
                   if s.kind in FORMULA_SPAN_KINDS)


@pytest.mark.skipif(not SENTENCES, reason="seed pages not found")
@settings(max_examples=60, deadline=None, print_blob=True, suppress_health_check=[HealthCheck.too_slow])
@given(article())
def test_random_articles_lose_nothing(composed):
    text, name = composed
    expected = _formulas_in(text)  # what was composed in, formula by formula
    [art] = parse_text(text, Path(name))
    summary = translate_article(art, context_over(CopyingBackend()))
    document = render_conserved(art, summary, "test", "0" * 64)
    zh, en = output_sides(document)
    assert art.conservation == [], (art.conservation, document)
    assert _formulas_in(en) == expected, document
    assert not [s for s in find_latex_spans(zh + en) if s.kind == "environment" or s.text.startswith("\\[")], document
    han_zh = "".join(re.findall(r"[\u4e00-\u9fff]", zh))
    for line in text.split("\n"):
        han = "".join(re.findall(r"[\u4e00-\u9fff]", line.split("$")[0]))
        assert han in han_zh, (line, document)
    assert summary["formulas_kept"] == summary["formula_spans"] == sum(expected.values())
