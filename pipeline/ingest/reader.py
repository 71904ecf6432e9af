"""Read source files into Article records.

Three shapes are recognised (see ../shared/seeds): kexue.fm listing pages (`1 May` /
title / paragraphs / `点击阅读全文...`), kexue.fm archive pages (title, then a
`By 苏剑林 | 2023-10-22 | ...位读者 | 引用` line glued to the first paragraph), and a single
article as plain text or markdown. Site boilerplate never reaches an Article.
"""

from __future__ import annotations

import re
from pathlib import Path

from pipeline.text.han import HAN
from pipeline.ingest.decoding import DEFAULT_MAX_BYTES, DecodeError, read_source
from pipeline.ingest.front_matter import FrontMatterError
from pipeline.text.latex import find_latex_spans
from pipeline.ingest.markdown_source import parse_markdown_article
from pipeline.document import CAPTION, DISPLAY_MATH, HEADING, PARAGRAPH, Article, Block

MONTHS = "Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec"
LISTING_DATE = re.compile(rf"^\s*(\d{{1,2}} (?:{MONTHS}))\s*$")
ARCHIVE_BYLINE = re.compile(
    r"^By (?P<author>[^|]+?) \| (?P<date>\d{4}-\d{1,2}-\d{1,2}) \| (?:\d+位读者 \| )?引用(?P<rest>.*)$"
)
READ_MORE = re.compile(r"^\s*点击阅读全文(?:\.\.\.|…)*\s*$")
COMMENTS_TAIL = "最近评论"
# Sentence punctuation: a line carrying it is prose, not a title or heading.
_PROSE_PUNCT = re.compile(r"[。，；：,;:!！]|\.\s|\.$")
TEXT_SUFFIXES = {".txt", ".md", ".markdown", ".text", ""}
MARKDOWN_SUFFIXES = {".md", ".markdown"}

MAX_TITLE_CHARS = 64
MAX_HEADING_CHARS = 20


class IngestError(ValueError):
    """The input cannot be read as articles; the message names the file and the reason."""


def list_sources(path: Path, exclude: Path | None = None, skipped: list[str] | None = None,
                 follow_symlinks: bool = False) -> list[Path]:
    """The text files a path names: itself, or a folder's text files (sorted, recursive).
    In a folder, anything under `exclude` (the output folder) is left out, and so is a link
    leading outside the folder unless `follow_symlinks` (with a line in `skipped`)."""
    path = Path(path)
    if not path.exists():
        raise IngestError(f"{path}: no such file or folder")
    if not path.is_dir():
        return [path]
    root = path.resolve()
    files, notes = [], skipped if skipped is not None else []
    for p in sorted(path.rglob("*")):
        if not p.is_file() or p.suffix.lower() not in TEXT_SUFFIXES or p.name.startswith("."):
            continue
        real = p.resolve()
        if exclude is not None and real.is_relative_to(Path(exclude).resolve()):
            continue  # our own outputs, when the output folder sits inside the input folder
        if not follow_symlinks and not real.is_relative_to(root):
            notes.append(f"{p}: skipped: a link to {real}, outside {path} (--follow-symlinks reads it)")
            continue
        files.append(p)
    if not files:
        raise IngestError(f"{path}: folder holds no text files (.txt, .md)")
    return files


def read_path(path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> list[Article]:
    """Articles of one file, or of every text file in a folder (the first bad file raises)."""
    return [a for f in list_sources(path) for a in read_file(f, max_bytes)]


def read_file(path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> list[Article]:
    try:
        decoded = read_source(path, max_bytes)
    except DecodeError as exc:
        raise IngestError(f"{path}: {exc}") from None
    except OSError as exc:
        raise IngestError(f"{path}: cannot read ({exc.strerror})") from None
    if not decoded.text.strip():
        raise IngestError(f"{path}: empty file")
    try:
        articles = parse_text(decoded.text, path)
    except FrontMatterError as exc:
        raise IngestError(f"{path}: {exc}") from None
    if not articles:
        raise IngestError(f"{path}: no article text found")
    for article in articles:
        if decoded.notice:
            article.notices.append(decoded.notice)
        if not HAN.search("".join(b.source for b in article.all_blocks)):
            article.notices.append("no Chinese text: kept as it is, not sent to the model")
    return articles


def parse_text(text: str, source: Path) -> list[Article]:
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    if any(ARCHIVE_BYLINE.match(line) for line in lines):
        return parse_archive_page(lines, source)
    if any(LISTING_DATE.match(line) for line in lines):
        return parse_listing_page(lines, source)
    if source.suffix.lower() in MARKDOWN_SUFFIXES:
        article = parse_markdown_article(text, source)
    else:
        article = parse_plain_article(text, source)
    article.source_text = text
    return [article] if article.blocks or article.title else []


# -- listing pages -----------------------------------------------------------------------

def parse_listing_page(lines: list[str], source: Path) -> list[Article]:
    starts = [i for i, line in enumerate(lines) if LISTING_DATE.match(line)]
    page = _Page(lines)
    articles = []
    # Lines before the first date are site boilerplate (sponsor, licence, membership).
    for n, (start, end) in enumerate(zip(starts, starts[1:] + [len(lines)]), 1):
        date = LISTING_DATE.match(lines[start]).group(1)
        body = _cut_comments([ln for ln in lines[start + 1:end] if not READ_MORE.match(ln)])
        paragraphs = _blank_line_paragraphs(body)
        title = None
        if len(paragraphs) > 1 and _looks_like_title(paragraphs[0]):
            title = paragraphs.pop(0)
        articles.append(_article(title, date, None, source, n, paragraphs))
        articles[-1].excerpt = True  # listing pages show the opening paragraphs only
        first = 0 if n == 1 else start
        dropped = [page.lines(first, start, "site boilerplate before the first entry")] if start > first else []
        dropped.append(page.lines(start, start + 1, "date line (kept as the date)"))
        dropped += [page.lines(i, i + 1, "'点击阅读全文' link") for i in range(start + 1, end) if READ_MORE.match(lines[i])]
        tail = _comments_start(lines, start + 1, end)
        if tail is not None:
            dropped.append(page.lines(tail, end, "the page's recent-comments list"))
        page.keep(articles[-1], first, end, dropped)
    return articles


# -- archive pages -----------------------------------------------------------------------

def parse_archive_page(lines: list[str], source: Path) -> list[Article]:
    page = _Page(lines)
    tail = _comments_start(lines, 0, len(lines))
    lines = _cut_comments(lines)
    bylines = [i for i, line in enumerate(lines) if ARCHIVE_BYLINE.match(line) and i > 0]
    articles = []
    for n, (by, next_by) in enumerate(zip(bylines, bylines[1:] + [len(lines) + 1]), 1):
        m = ARCHIVE_BYLINE.match(lines[by])
        title = lines[by - 1].strip()
        body = [m.group("rest")] + lines[by + 1:next_by - 1]
        paragraphs = _merge_open_formulas([ln.strip() for ln in body if ln.strip()])
        articles.append(_article(title, m.group("date"), m.group("author").strip(), source, n, paragraphs))
        first, end = (0 if n == 1 else by - 1), min(next_by - 1, len(lines))
        dropped = [page.lines(first, by - 1, "site boilerplate before the first article")] if by - 1 > first else []
        byline_start = page.offsets[by]  # the by-line, up to the paragraph glued to it
        dropped.append((byline_start, byline_start + m.start("rest"), "by-line (kept as author and date)"))
        if next_by > len(lines) and tail is not None:
            end = page.line_count
            dropped.append(page.lines(tail, end, "the page's recent-comments list"))
        page.keep(articles[-1], first, end, dropped)
    return articles


# -- plain text articles ------------------------------------------------------------------

def parse_plain_article(text: str, source: Path) -> Article:
    lines = text.split("\n")
    if any(not ln.strip() for ln in lines[1:-1]):
        paragraphs = _blank_line_paragraphs(lines)
    else:
        paragraphs = _merge_open_formulas([ln.strip() for ln in lines if ln.strip()])
    title = None
    if len(paragraphs) > 1 and _looks_like_title(paragraphs[0]):
        title = paragraphs.pop(0)
    return _article(title, None, None, source, 1, paragraphs)


# -- shared helpers -----------------------------------------------------------------------

def _cut_comments(lines: list[str]) -> list[str]:
    tail = _comments_start(lines, 0, len(lines))
    return lines if tail is None else lines[:tail]


def _comments_start(lines: list[str], lo: int, hi: int) -> int | None:
    return next((i for i in range(lo, hi) if lines[i].strip() == COMMENTS_TAIL), None)


class _Page:
    """A page's text with its line offsets: where each article's stretch and each part ingest
    leaves out lie, as character ranges (what the conservation check reads)."""

    def __init__(self, lines: list[str]):
        self.text = "\n".join(lines)
        self.line_count = len(lines)
        self.offsets = [0]
        for line in lines:
            self.offsets.append(self.offsets[-1] + len(line) + 1)
        self.offsets[-1] = len(self.text)  # the last line has no newline after it

    def lines(self, a: int, b: int, reason: str) -> tuple[int, int, str]:
        """Lines a..b (b excluded) as a character range."""
        return self.offsets[a], self.offsets[b], reason

    def keep(self, article: Article, first: int, end: int, dropped: list[tuple[int, int, str]]) -> None:
        """The article's stretch (lines first..end) and its dropped ranges, relative to it."""
        base = self.offsets[first]
        article.source_text = self.text[base:self.offsets[end]]
        article.dropped = [(a - base, b - base, reason) for a, b, reason in dropped]


def _blank_line_paragraphs(lines: list[str]) -> list[str]:
    paragraphs, current = [], []
    for line in lines + [""]:
        if line.strip():
            current.append(line.strip())
        elif current:
            paragraphs.append("\n".join(current))
            current = []
    return _merge_open_formulas(paragraphs)


def _merge_open_formulas(paragraphs: list[str], max_join: int = 30) -> list[str]:
    """Join a paragraph whose formula is left open with the following ones that close it
    (an environment spanning lines); one that nothing closes stays as it was."""
    out, i = [], 0
    while i < len(paragraphs):
        end = i + 1
        if _has_open_formula(paragraphs[i]):
            for j in range(i + 1, min(len(paragraphs), i + 1 + max_join)):
                if not _has_open_formula("\n".join(paragraphs[i:j + 1])):
                    end = j + 1
                    break
        out.append("\n".join(paragraphs[i:end]))
        i = end
    return out


def _has_open_formula(text: str) -> bool:
    return any(s.kind == "unterminated" for s in find_latex_spans(text))


def _looks_like_title(text: str) -> bool:
    return ("\n" not in text and len(text) <= MAX_TITLE_CHARS and not text.rstrip().endswith(("。", "：", ":", "，", ","))
            and not any(s.kind in ("display", "environment", "unterminated") for s in find_latex_spans(text)))


def _looks_like_heading(text: str) -> bool:
    return ("\n" not in text and len(text) <= MAX_HEADING_CHARS and not _PROSE_PUNCT.search(text)
            and not find_latex_spans(text))


def _is_display_formula(text: str) -> bool:
    spans = find_latex_spans(text)
    return len(spans) == 1 and spans[0].is_display and spans[0].text == text


def _article(title, date, author, source, index, paragraphs: list[str]) -> Article:
    article = Article(title=title, date=date, author=author, source=source, index=index)
    if title:
        article.title_block = Block(HEADING, title, level=1)
    previous = None
    for k, para in enumerate(paragraphs):
        if para == previous and not find_latex_spans(para):
            # Scraped figures repeat their caption (alt text, then caption): keep it once. Not a
            # paragraph with a formula: the written file must hold every formula as often as the source.
            article.blocks[-1].kind = CAPTION
            continue
        if _is_display_formula(para):
            kind = DISPLAY_MATH
        elif k + 1 < len(paragraphs) and _looks_like_heading(para) and not _is_display_formula(paragraphs[k + 1]):
            kind = HEADING
        else:
            kind = PARAGRAPH
        article.blocks.append(Block(kind, para, level=2 if kind == HEADING else 0))
        previous = para
    return article
