"""Render a translated Article as bilingual markdown: front matter, English title with the
Chinese under it, then block by block the Chinese original followed by its English.

Every chunk of the body starts with a marker line saying whose it is - the original (`zh`),
the translation (`en`), shown once for both (`both`: display formulas, code, tables' raw
form) or zh2en's own words (`note`: summary, warnings) - so the file can be read back side by
side (pipeline/output/conservation.py). HTML comments: invisible wherever the markdown is rendered."""

from __future__ import annotations

import hashlib
import re
from dataclasses import replace
from datetime import datetime, timezone

import yaml

from pipeline.output.numbering import unnumbered_copy
from pipeline.text.markup import CONTROL_CHARS, HTML_TAG
from pipeline.text.formula_text import rewrite_text_args
from pipeline.text.display_math import display_body, dollar_delimited
from pipeline.text.latex import FORMULA_SPAN_KINDS, find_latex_spans
from pipeline.text.han import HAN
from pipeline.text.links import REFERENCE_DEFINITION, english_markup, neutralise_unsafe_links, pinyin_name, with_words
from pipeline.text.spans import locate_restored, rewrite, strip_restored
from pipeline.document import CAPTION, CODE, DEFINITIONS, DISPLAY_MATH, HEADING, HTML, TABLE, Article, Block, join_segments

ZH_MARK = "<!-- zh -->"
EN_MARK = "<!-- en -->"
BOTH_MARK = "<!-- both -->"
NOTE_MARK = "<!-- note -->"


def front_matter(article: Article, model_id: str, model_sha256: str, created: datetime | None = None,
                 qa: str | None = None) -> dict:
    created = created or datetime.now(timezone.utc)
    meta = {
        "title_en": article.title_en,
        "title_zh": article.title,
        "date": article.date,
        "author": article.author,
        "source": f"{article.source.name}#{article.index}",
        "model": {"id": model_id, "sha256": model_sha256},
        "created": created.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "segments": sum(1 for s in article.segments if s.translate),
        "flagged_segments": sum(1 for s in article.segments if s.flags),
    }
    if qa:
        meta["qa"] = qa
    if not article.title_block and untitled_heading(article):
        meta["heading"] = untitled_heading(article)
        meta["heading_by"] = "zh2en: the source has no title; the heading is the date and first words of the text"
    if article.summary:
        meta["summary"] = article.summary
        if article.summary_check.get("mode"):
            meta["summary_made"] = article.summary_check["mode"]   # condensed by the model, or extractive
    return meta


def render_article(article: Article, model_id: str, model_sha256: str, created: datetime | None = None,
                   qa: str | None = None, formula_words: dict[str, str] | None = None) -> str:
    """The bilingual file; with `formula_words` (the English layout's), the Chinese inside the
    formulas of the English and shared chunks is shown in English (english_only keeps those)."""
    out = [""]
    if article.conservation:
        out += _warning("zh2en found differences between this file and its source:",
                        article.conservation)
    if article.title_block:
        spans = [s for seg in article.title_block.segments for s in seg.spans]
        title_en = escape_html(_heading_text(article.title_en or article.title, article.title), spans)
        out += [EN_MARK, f"# {title_en}", "", ZH_MARK, escape_html(_one_line(article.title), spans), ""]
        out += _flag_lines(article.title_block)
    elif untitled_heading(article):   # a heading of zh2en's own, said to be so (front matter too)
        out += [NOTE_MARK, f"# {escape_html(untitled_heading(article))}", ""]
    if article.summary:
        spans = [s for seg in article.segments for s in seg.spans]
        # Say how it was made: a summary of the article's own sentences reads differently.
        label = "Summary (the article's own sentences)." if article.summary_check.get("mode") == "extractive" \
            else "Summary."
        summary = english_markup(_one_line(article.summary), spans, article.reader_words)
        out += [NOTE_MARK, f"> **{label}** {escape_html(summary, spans)}", ""]
    if article.summary_flags:
        out += _warning("zh2en flagged the summary:", article.summary_flags)
    if formula_words is not None and article.formula_words_kept:
        out += _warning("zh2en left Chinese inside formulas (its English could not be put safely into them):",
                        [f"`{zh}`" for zh in article.formula_words_kept])
    for block in article.blocks:
        out += render_block(block, article.reader_words, formula_words)
    body = "\n".join(out).rstrip() + "\n"
    meta = front_matter(article, model_id, model_sha256, created, qa)
    meta["body_sha256"] = body_sha256(body)  # a later run can tell a hand-edited file
    return f"---\n{yaml.safe_dump(_escaped(meta), allow_unicode=True, sort_keys=False, width=10_000)}---\n{body}"


def untitled_heading(article: Article, words: int = 8) -> str | None:
    """A heading for an article without a title (a listing-page excerpt): the date and the
    first words of its English (formulas and code left out, so none is cut in half), marked as
    not the author's."""
    block = next((b for b in article.blocks if b.kind not in (CODE, DISPLAY_MATH, HTML, DEFINITIONS) and b.translation), None)
    if block is None:
        return None
    prose = strip_restored(block.translation, [s for seg in block.segments for s in seg.spans])
    text = " ".join(_one_line(prose).split()[:words]).rstrip(".,;:")
    if not text:
        return None
    kind = "Untitled excerpt" if article.excerpt else "Untitled article"
    return f"{kind}{' of ' + article.date if article.date else ''}: {text}…"


def english_only(document: str) -> str:
    """The English-only layout of a file this module rendered: every chunk but the original's
    (`zh`) - the same English side (rendered with the formula words: `render_article`)."""
    meta, body = split_front_matter(document)
    kept, side = [], None
    for line in body.split("\n"):
        if line.strip() in (ZH_MARK, EN_MARK, BOTH_MARK, NOTE_MARK):
            side = line.strip()
        if side != ZH_MARK:
            kept.append(line)
    body = "\n".join(kept)
    meta = {k: v for k, v in meta.items() if k != "title_zh"}   # the original's title: the bilingual file's
    if isinstance(meta.get("author"), str) and HAN.search(meta["author"]):
        meta["author"] = pinyin_name(meta["author"])
    meta = {**meta, "layout": "english", "body_sha256": body_sha256(body)}
    return f"---\n{yaml.safe_dump(meta, allow_unicode=True, sort_keys=False, width=10_000)}---\n{body}"


def body_sha256(body: str) -> str:
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def split_front_matter(text: str) -> tuple[dict, str]:
    """(front matter, body) of a file this module wrote; ({}, text) for anything else."""
    if not text.startswith("---\n") or "\n---\n" not in text[3:]:
        return {}, text
    head, body = text[4:].split("\n---\n", 1)
    try:
        meta = yaml.safe_load(head)
    except yaml.YAMLError:
        return {}, text
    return (meta if isinstance(meta, dict) else {}), body


def render_block(block: Block, words: dict[str, str] | None = None,
                 formula_words: dict[str, str] | None = None) -> list[str]:
    """A block's chunks; `words`: the English of the reader words of its links, images and HTML
    (pipeline/text/links.py), put in on the English side; `formula_words`: the English of the
    Chinese inside formulas, put in on the English and shared side (the English layout)."""
    words = words or {}
    spans = [s for seg in block.segments for s in seg.spans]
    if formula_words:
        original = render_block(block, words)
        return _formulas_in_english(original, spans, formula_words)
    if block.kind == CODE:
        # Language-neutral: shown once, between the pairs, exactly as in the source (a code
        # block's text is never read as HTML).
        return [BOTH_MARK, _indent(block.source, block.prefix), ""] + _flag_lines(block) + _code_note(block)
    if block.kind == DISPLAY_MATH:
        math = dollar_delimited(escape_html(block.source, spans))
        return [BOTH_MARK, _indent(math, block.prefix), ""] + _flag_lines(block)
    if block.kind in (HTML, DEFINITIONS):   # escaped: a definition's address is checked like a link's
        escape = escape_html if block.kind == HTML else _escaped_definitions
        english = with_words(block.source, block.kind, words)
        if english == block.source:
            return [BOTH_MARK, _indent(escape(block.source), block.prefix), ""] + _flag_lines(block)
        return [ZH_MARK, _indent(escape(block.source), block.prefix), "",
                EN_MARK, _indent(escape(english), block.prefix), ""] + _flag_lines(block)
    if block.kind == TABLE:  # the original as written, then the table of translated cells
        zh = dollar_delimited(unnumbered_copy(escape_html(block.source, find_latex_spans(block.source))))
        en = dollar_delimited(_english_table(block, words))
        lines = [ZH_MARK, _indent(zh, block.prefix), "", EN_MARK, _indent(en, block.prefix), ""]
        return lines + _flag_lines(block) + _code_note(block)
    zh = join_segments(block.segments, display_gap="\n\n", prose_gap="", original=True)
    en = english_markup(join_segments(block.segments, display_gap="\n\n"), spans, words)
    zh, en = unnumbered_copy(escape_html(zh, spans)), stray_dollars_escaped(escape_html(en, spans), spans)
    if block.kind != HEADING:   # display formulas as every markdown renderer typesets them
        zh, en = dollar_delimited(zh), dollar_delimited(en)
    if block.kind == HEADING:
        hashes = "#" * max(2, min(block.level or 2, 6))
        return [EN_MARK, f"{hashes} {_heading_text(en, zh)}", "", ZH_MARK, _one_line(zh), ""] + _flag_lines(block) \
            + _code_note(block)
    if block.kind == CAPTION:
        zh, en = f"*{zh}*", f"*{en}*"
    lines = [ZH_MARK, _indent(zh, block.prefix), "", EN_MARK, _indent(en, block.prefix), ""]
    return lines + _flag_lines(block) + _code_note(block)


def _formulas_in_english(chunks: list[str], spans, formula_words: dict[str, str]) -> list[str]:
    """The chunks with the Chinese inside the formulas of the English and shared ones in English."""
    formulas = [s for s in spans if s.kind in FORMULA_SPAN_KINDS]
    out, side = [], None
    for chunk in chunks:
        if chunk in (ZH_MARK, EN_MARK, BOTH_MARK, NOTE_MARK):
            side = chunk
        elif side in (EN_MARK, BOTH_MARK) and formulas:
            chunk = rewrite(chunk, _located_formulas(chunk, formulas),
                            span=lambda _, sp: rewrite_text_args(sp.text, formula_words))
        out.append(chunk)
    return out


def _located_formulas(text: str, formulas) -> list:
    """The formulas in a rendered chunk: by their text, and a display formula also by its body
    (render writes it between `$$` lines)."""
    bodies = [replace(s, text=body) for s in formulas for body in [display_body(s)] if body and body != s.text]
    return locate_restored(text, list(formulas) + bodies)


def _english_table(block: Block, words: dict[str, str]) -> str:
    segments, texts = iter(block.segments), []
    for size in block.cell_sizes:
        cell = [next(segments) for _ in range(size)]
        spans = [s for seg in cell for s in seg.spans]
        english = english_markup(_one_line(join_segments(cell)), spans, words)
        texts.append(stray_dollars_escaped(escape_html(english, spans), spans).replace("|", "\\|"))
    texts = iter(texts)
    rows = ["| " + " | ".join(next(texts) for _ in row) + " |" for row in block.cells]
    rule = "|" + "|".join({"left": ":---", "right": "---:", "center": ":---:"}.get(a, "---") for a in block.align) + "|"
    return "\n".join(rows[:1] + [rule] + rows[1:])


def escape_html(text: str, spans=()) -> str:
    """`<` outside formulas and inline code becomes `&lt;`, and a link or reference definition
    whose address is not http, https, mailto or relative (`javascript:`, entity-encoded too) is
    shown as text (links.neutralise_unsafe_links): HTML or script in a source shows as
    text and cannot run where the markdown is rendered. Formulas and inline code stay
    byte-identical - unless they hold what a renderer would take for an HTML tag (then they
    are not LaTeX, are escaped too, and segmenting has flagged them); a code span and an autolink
    (`<https://…>`, `<a@b.org>`) never are: every renderer shows them as written, or as a link."""
    keep = [s for s in spans if "<" in s.text and (s.kind in ("code", "autolink") or
                                                   s.kind != "markup" and not HTML_TAG.search(s.text))]
    text = neutralise_unsafe_links(CONTROL_CHARS.sub("", text))
    return rewrite(text, locate_restored(text, keep), prose=lambda prose: prose.replace("<", "&lt;"))


def _escaped_definitions(text: str) -> str:
    """Link reference definitions escaped like prose (escape_html), but a `<destination>` in
    angle brackets kept: it is the definition's address, not a tag."""
    lines = []
    for line in escape_html(text).split("\n"):
        m = REFERENCE_DEFINITION.match(line)
        if m and m.group("dest").startswith("&lt;"):
            dest = "<" + m.group("dest")[4:]
            line = line[:m.start("dest")] + dest + line[m.end("dest"):]
        lines.append(line)
    return "\n".join(lines)


def stray_dollars_escaped(english: str, spans) -> str:
    """The English with each `$` the source has as text (a stray one, ingest kept it as it is)
    escaped: in the translation's new wording two of them would pair into a formula the source
    does not have (`$5, then $x` is math to a renderer)."""
    if not any(s.kind == "stray-dollar" for s in spans):
        return english
    kept = locate_restored(english, [s for s in spans if s.kind != "stray-dollar"])
    return rewrite(english, kept, prose=lambda prose: re.sub(r"(?<!\\)\$", r"\\$", prose))


def _escaped(value):
    """Front-matter values with `<` escaped: renderers without front-matter support show the
    front matter as text, and it must not run there either."""
    if isinstance(value, str):
        return CONTROL_CHARS.sub("", value).replace("<", "&lt;")
    if isinstance(value, dict):
        return {k: _escaped(v) for k, v in value.items()}
    return value


CODE_NOTE = "Shown as written: the Chinese in this code (comments, output, names) is not translated."


def _code_note(block: Block) -> list[str]:
    """A code block, or code in a paragraph, holding Chinese says so (zh2en's words, not a flag:
    nothing went wrong)."""
    code = block.source if block.kind == CODE else " ".join(
        s.text for seg in block.segments for s in seg.spans if s.kind == "code")
    return [NOTE_MARK, "> [!NOTE]", f"> {CODE_NOTE}", ""] if HAN.search(code) else []


def _flag_lines(block: Block) -> list[str]:
    flags = block.flags
    return _warning("zh2en flagged this translation:", flags) if flags else []


def _warning(heading: str, items: list[str]) -> list[str]:
    # A blank quoted line before the list: Python-Markdown (MkDocs) otherwise runs it into the heading.
    body = [f"> - {_warning_text(_one_line(item))}" for item in dict.fromkeys(items)]
    return [NOTE_MARK, "> [!WARNING]", f"> {heading}", ">", *body, ""]


_CODE_SPAN = re.compile(r"(?<!`)(`+)(?!`).+?(?<!`)\1(?!`)")


def _warning_text(text: str) -> str:
    """zh2en's own words: HTML escaped and never typeset (a `$` escaped, so a quoted piece of a
    formula shows as written instead of opening math that swallows the page); a quoted piece of
    the source in inline code is shown exactly (code is never read as HTML or math)."""
    out, pos = [], 0
    for m in _CODE_SPAN.finditer(text):
        out += [escape_html(text[pos:m.start()]).replace("$", "\\$"), m.group()]
        pos = m.end()
    out.append(escape_html(text[pos:]).replace("$", "\\$"))
    return "".join(out)


def _indent(text: str, prefix: str) -> str:
    """`text` put back in its list item or quote: `prefix` before its first line, the prefix's
    continuation (quote markers kept, list markers as spaces) before the others; a blank line
    inside a quote stays in the quote."""
    if not prefix:
        return text
    pad = continuation(prefix)
    lines = text.split("\n")
    return "\n".join([prefix + lines[0]] + [(pad + ln) if ln.strip() else pad.rstrip() for ln in lines[1:]])


_LIST_MARKER = re.compile(r"(?:[-*+]|\d{1,9}[.)])(?= )")


def continuation(prefix: str) -> str:
    """The prefix of a block's later lines: its quote markers, its list markers as spaces."""
    return _LIST_MARKER.sub(lambda m: " " * len(m.group()), prefix)


def _heading_text(english: str | None, chinese: str | None) -> str:
    """One line; the full stop a model adds to a title that has none is dropped."""
    text = _one_line(english)
    if text.endswith(".") and not (chinese or "").rstrip().endswith(("。", ".")):
        text = text[:-1]
    return text


def _one_line(text: str | None) -> str:
    return " ".join((text or "").split())


def artifact_markdown(article: Article, file_name: str) -> str:
    """The Prefect UI's note on one article (rendered as markdown there too, so escaped)."""
    flagged = [s for s in article.segments if s.flags]
    lines = [f"# {escape_html(_one_line(article.title_en or article.label))}", "",
             f"*{escape_html(_one_line(article.title))}* — `{file_name}`", ""]
    if article.summary:
        lines += [escape_html(_one_line(article.summary)), ""]
    lines += [f"- differs from the source: {escape_html(_one_line(p))}" for p in article.conservation]
    lines += [f"- **{escape_html(_one_line(s.source[:60]))}**: {escape_html(_one_line('; '.join(s.flags)))}"
              for s in flagged] or ["No flagged segments."]
    return "\n".join(lines)
