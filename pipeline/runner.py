"""Translate input paths into bilingual files: ingest, translate, render, write atomically.

Each input and each article fails on its own: the others are still processed.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from pipeline.atomic import write_text_atomic
from pipeline.backends.base import Backend
from pipeline.decoding import DEFAULT_MAX_BYTES
from pipeline.ingest import IngestError, list_sources, read_file
from pipeline.models import Article
from pipeline.locking import output_lock
from pipeline.qa import assess_article, qa_line, segment_details
from pipeline.render import render_article
from pipeline.report import write_run_report
from pipeline.slugs import SlugAllocator, article_slug
from pipeline.translate import Translator


@dataclass
class RunResult:
    written: list[Path] = field(default_factory=list)
    failures: list[tuple[str, str]] = field(default_factory=list)  # (input, reason)
    flagged: list[tuple[str, str]] = field(default_factory=list)   # (article, flag)
    articles: list[Article] = field(default_factory=list)
    summaries: list[dict] = field(default_factory=list)  # per-article QA
    kept: list[tuple[Path, str]] = field(default_factory=list)  # better existing outputs left alone
    memory_hits: int = 0
    model_requests: int = 0
    seconds: float = 0.0


def load_articles(paths: list[Path], result: RunResult, max_bytes: int = DEFAULT_MAX_BYTES) -> list[Article]:
    """Articles of every readable input; each unreadable one is a failure of its own."""
    articles = []
    for path in paths:
        try:
            files = list_sources(Path(path))
        except IngestError as exc:
            result.failures.append((str(path), str(exc)))
            continue
        for file in files:
            try:
                articles += read_file(file, max_bytes)
            except IngestError as exc:
                result.failures.append((str(file), str(exc)))
    return articles


def translate_articles(articles: list[Article], out_dir: Path, backend: Backend,
                       translator: Translator | None = None,
                       on_article: Callable[[Article, Path | None], None] | None = None,
                       result: RunResult | None = None, force: bool = False) -> RunResult:
    started = time.perf_counter()
    result = result or RunResult()
    translator = translator or Translator(backend)
    with output_lock(out_dir):
        _translate_locked(articles, out_dir, backend, translator, on_article, result, force)
        result.memory_hits += translator.memory_hits
        result.model_requests += translator.requests_sent
        result.seconds = time.perf_counter() - started
        if articles:
            write_run_report(out_dir, result.summaries, result.failures, result.seconds, backend.model_id)
    return result


def _translate_locked(articles, out_dir, backend, translator, on_article, result, force) -> None:
    slugs = SlugAllocator()
    for article in articles:
        target = None
        try:
            translator.translate_article(article)
            summary = assess_article(article, translator.glossary, translator.qa)
            target = out_dir / (slugs.allocate(output_slug(article)) + ".md")
            summary["file"] = target.name
            kept = existing_is_better(target, summary["flagged"]) if not force else None
            if kept is not None:
                result.kept.append((target, f"kept the existing file ({kept} flagged segment(s)) over this run's "
                                            f"({summary['flagged']}); --force replaces it"))
            else:
                write_text_atomic(target, render_article(article, backend.model_id, backend.model_sha256,
                                                         qa=qa_line(summary)))
                qa_json = {**summary, "segments_detail": segment_details(article)}
                write_text_atomic(target.with_suffix(".qa.json"),
                                  json.dumps(qa_json, ensure_ascii=False, indent=2) + "\n")
                result.written.append(target)
            result.summaries.append(summary)
            result.articles.append(article)
            result.flagged += [(article.label, f) for f in dict.fromkeys(article.flags)]
        except Exception as exc:  # one article's failure must not stop the batch
            result.failures.append((article.label, f"{type(exc).__name__}: {exc}"))
        if on_article:
            on_article(article, target)


def existing_is_better(target: Path, new_flagged: int) -> int | None:
    """The flagged-segment count of an existing output that has fewer than the new one
    (so it must not be replaced), else None. An unreadable existing file is replaceable."""
    qa_file = target.with_suffix(".qa.json")
    if not target.is_file() or not qa_file.is_file():
        return None
    try:
        old_flagged = int(json.loads(qa_file.read_text(encoding="utf-8"))["flagged"])
    except (ValueError, KeyError, TypeError, OSError):
        return None
    return old_flagged if old_flagged < new_flagged else None


def output_slug(article: Article) -> str:
    first_text = next((b.translation for b in article.blocks if b.kind == "paragraph"), None)
    return article_slug(article.title_en, first_text, f"{article.source.stem}-{article.index}")
