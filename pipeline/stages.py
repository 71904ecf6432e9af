"""The stage order, written once. Every way of running the pipeline - `zh2en translate` and the
scheduled inbox (Prefect flows), `summarize`, `bench`, `eval` - goes through these functions:

    ingest -> segment -> terms -> recall -> translate -> check -> summarize -> write

- ingest: files into Articles (pipeline/ingest/reader.py), each remembering its stretch of the source;
- segment: blocks cut into Segments with their protected spans (pipeline/text/segmenting.py);
- terms: each article's recurring nouns outside the glossary looked up once, so every segment is
  asked for one rendering (pipeline/recurring_terms.py; the glossary's and the author's terms,
  which are required, are attached when segmenting);
- recall: segments the translation memory holds, or with no Chinese, filled in without the model;
- translate: the rest through the model, with checks and retries (pipeline/translate/);
- check: the per-segment QA checks, flags on the segments (pipeline/checks/qa.py);
- summarize: an English summary from the translation's unflagged sentences (pipeline/summarize/),
  via the memory;
- write: rendered, held to the raw source (pipeline/output/conservation.py), written atomically.

Adding a stage is a change here. How the model stages run is the caller's choice (a `Runner`):
in this process (`LocalRunner`), or as Prefect tasks (flows/tasks.py) so the model's slots stay
busy and each step shows in Prefect's UI; the order does not change."""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator, Protocol

from pipeline.context import RunContext
from pipeline.document import TABLE, Article, Block, Segment
from pipeline.backends.base import BackendError
from pipeline.checks.qa import CHECKS_VERSION, assess_article, summary_fields, untranslated
from pipeline.translate import TRANSLATOR_VERSION
from pipeline.translate.formula_words import chinese_in_formulas, translate_formula_words
from pipeline.ingest.reader import IngestError, read_file
from pipeline.output.render import render_block
from pipeline.output.writing import output_path, write_article
from pipeline.text.links import settle_reader_words
from pipeline.text.segmenting import segment_article
from pipeline.learn import learn_paths
from pipeline.recurring_terms import look_up, lookup_context, recurring_candidates, suggest_terms
from pipeline.terms import attach_terms
from pipeline.output.slugs import SlugAllocator
from pipeline.store.error_log import keep_original
from pipeline.summarize import SUMMARY_PROMPT_VERSION, SummaryResult, english_text, summarize_article


@dataclass
class RunResult:
    """What a run did: files written or kept, failures, flags, counts."""

    written: list[Path] = field(default_factory=list)
    failures: list[tuple[str, str]] = field(default_factory=list)  # (input, reason)
    flagged: list[tuple[str, str]] = field(default_factory=list)   # (article, flag)
    articles: list[Article] = field(default_factory=list)
    article_qa: list[dict] = field(default_factory=list)  # each written article's QA figures
    kept: list[tuple[Path, str]] = field(default_factory=list)  # better existing outputs left alone
    notices: list[str] = field(default_factory=list)  # inputs left out on purpose (links outside a folder)
    internal_errors: int = 0   # segments an internal error kept in the original (tracebacks: the error log)
    memory_hits: int = 0
    segment_tasks: int = 0   # segments that needed a translate task (the memory had no answer)
    model_requests: int = 0
    seconds: float = 0.0



class Runner(Protocol):
    """Where the stages that take time run. `translate` returns a function that waits for the
    segment's translation, so every segment of a run can be in flight at once."""

    def ingest(self, file: Path) -> tuple[list[Article], list[tuple[str, str]]]: ...

    def translate(self, segment: Segment) -> Callable[[], Segment]: ...

    def look_up_terms(self, pairs: list[tuple[str, str]]) -> tuple[list[str], int]: ...

    def summarize(self, article: Article) -> SummaryResult: ...

    def write(self, article: Article, qa: dict, target: Path) -> tuple[dict, str | None]: ...


class LocalRunner:
    """Every stage in this process; the segments waiting for the model go in one batch (the
    translator spreads them over the model's slots)."""

    def __init__(self, ctx: RunContext):
        self.ctx = ctx
        self._queued: list[Segment] = []

    def ingest(self, file: Path) -> tuple[list[Article], list[tuple[str, str]]]:
        return ingest_file(file, self.ctx)

    def translate(self, segment: Segment) -> Callable[[], Segment]:
        self._queued.append(segment)

        def wait() -> Segment:
            if self._queued:
                batch, self._queued = self._queued, []
                self.ctx.translator.translate_segments(batch)
            return segment
        return wait

    def look_up_terms(self, pairs: list[tuple[str, str]]) -> tuple[list[str], int]:
        return look_up_terms(pairs, self.ctx)

    def summarize(self, article: Article) -> SummaryResult:
        return summarize_with_memory(article, self.ctx)

    def write(self, article: Article, qa: dict, target: Path) -> tuple[dict, str | None]:
        return write_stage(article, qa, target, self.ctx)


@dataclass
class Finished:
    article: Article
    qa: dict          # the article's QA figures (pipeline/checks/qa.py)
    seconds: float    # since the previous article finished


def ingest_file(file: Path, ctx: RunContext) -> tuple[list[Article], list[tuple[str, str]]]:
    """The file's articles; a file that cannot be read is a failure of its own, not the run's."""
    try:
        return read_file(file, ctx.settings.max_bytes), []
    except IngestError as exc:
        return [], [(str(file), str(exc))]
    except Exception as exc:  # a bug met by one odd file must not stop the others
        return [], [(str(file), f"{file}: cannot be read as articles ({type(exc).__name__}: {exc})")]


def learn_stage(out: Path, ctx: RunContext, result: RunResult) -> None:
    """learn (before ingest): a reviewer's edits of files already in the output folder go into the
    memory as reviewed (pipeline/learn.py), so this run serves them; said in the notices."""
    if ctx.memory is None or not out.is_dir():
        return
    try:
        learned = learn_paths([out], ctx.memory)
    except Exception as exc:   # a bug met on one edited file must not cost the run
        result.notices.append(f"edited files in {out} not learned: {ctx.errors.record('learning edits', exc)}")
        return
    if sum(r.passages for r in learned):
        result.notices.append(f"learned {sum(r.passages for r in learned)} reviewed passage(s) from edited files in {out}")
    result.notices += [problem for r in learned for problem in r.problems]


def ingest_files(files: list[Path], runner: Runner, result: RunResult) -> dict[Path, list[Article]]:
    """ingest: each readable file's articles."""
    by_file: dict[Path, list[Article]] = {}
    for file in files:
        articles, failures = runner.ingest(file)
        result.failures += failures
        if articles:
            by_file[file] = articles
    return by_file


def run_articles(articles: list[Article], ctx: RunContext, runner: Runner, result: RunResult,
                 out: Path | None = None) -> Iterator[Finished]:
    """The stages after ingest, in order: segment, terms, recall, translate, check, summarize, write
    (into `out`, if given). Every segment the memory cannot answer is handed to the runner at
    once; then each article, in order, is finished as soon as its segments are back - a killed
    run keeps the files already written."""
    articles = [a for a in articles if segment_stage(a, ctx, result)]
    recurring_terms_stage(articles, ctx, runner, result)
    waiting = {id(a): recall_and_submit(a, ctx, runner, result) for a in articles}
    ctx.segments_to_translate += result.segment_tasks
    slugs, last = SlugAllocator(), time.perf_counter()
    for n, article in enumerate(articles, 1):
        if not collect_translations(article, waiting[id(article)], result):
            continue
        reader_words_stage(article, ctx)
        if ctx.settings.layout != "bilingual":
            formula_words_stage(article, ctx)
        # check before summarize: the summary must know which segments the checks flagged
        qa = assess_article(article, ctx.glossary, ctx.settings.qa, ctx.settings.meaning,
                            on_error=lambda seg, exc: keep_original(seg, "checking", exc, ctx.errors))
        result.internal_errors += qa["internal_errors"]
        if ctx.settings.summarizes:
            summarize_stage(article, runner, result, ctx)
            qa.update(summary_fields(article))
        if out is not None:
            qa = write_and_record(article, qa, output_path(out, article, slugs), runner, result, ctx)
        now = time.perf_counter()
        ctx.report_progress(n, len(articles), article.label)
        yield Finished(article, qa, now - last)
        last = now


def reader_words_stage(article: Article, ctx: RunContext) -> None:
    """translate: the English of the words inside links, images and HTML blocks, from their
    segments (a failure leaves them Chinese, said so)."""
    try:
        settle_reader_words(article)
    except Exception as exc:
        article.reader_words = {}
        article.notices.append(f"words of links and images left untranslated: {ctx.errors.record('link words', exc)}")


def formula_words_stage(article: Article, ctx: RunContext) -> None:
    """translate, for the English layout: the Chinese inside formulas' \\text{} (rare; a failure
    leaves it Chinese, said so in qa.json)."""
    if not chinese_in_formulas(article):
        return
    try:
        article.formula_words, article.formula_words_kept = translate_formula_words(article, ctx.backend, ctx.glossary)
    except Exception as exc:   # the formulas stay as written: nothing is lost
        article.formula_words_kept = chinese_in_formulas(article)
        article.notices.append(f"Chinese inside formulas left untranslated: {ctx.errors.record('formula words', exc)}")


SEGMENT_FAILURE = "cannot be segmented"


def segment_stage(article: Article, ctx: RunContext, result: RunResult) -> bool:
    """A block that cannot be cut into segments (a bug met on odd input) is kept as written,
    flagged; terms that cannot be attached leave the segments without them, said so. An
    article is lost here only if even that fails."""
    def kept_whole(block: Block, exc: Exception) -> list[Segment]:
        if block.kind == TABLE:   # shown as written: no cells to rebuild the English table from
            block.kind, block.cells, block.cell_sizes = "paragraph", [], []
        seg = Segment(source=block.source)
        keep_original(seg, "cutting the text into segments", exc, ctx.errors)
        return [seg]

    try:
        segment_article(article, ctx.settings.max_chars, ctx.settings.context_chars, on_error=kept_whole)
    except Exception as exc:
        result.failures.append((article.label, f"{SEGMENT_FAILURE}: {ctx.errors.record('segmenting', exc)}"))
        return False
    try:
        attach_terms(article, ctx.glossary)
    except Exception as exc:
        article.notices.append(f"glossary terms not attached: {ctx.errors.record('attaching terms', exc)}")
    return True


def recurring_terms_stage(articles: list[Article], ctx: RunContext, runner: Runner, result: RunResult) -> None:
    """terms: the recurring nouns of every article looked up in one batch (the model's slots
    share it), each article's segments then given theirs. A failure leaves the articles with
    the glossary's and the author's terms, said so in each."""
    if not ctx.settings.looks_up_terms:
        return
    try:
        wanted = {id(a): recurring_candidates(a) for a in articles}
        pairs = list(dict.fromkeys(pair for a in articles for pair in wanted[id(a)].items()))
        english, requests = runner.look_up_terms(pairs) if pairs else ([], 0)
        rendered = dict(zip(pairs, english))
        for article in articles:
            suggest_terms(article, {zh: en for zh, sentence in wanted[id(article)].items()
                                    if (en := rendered[(zh, sentence)])})
    except Exception as exc:   # the glossary's and the author's terms still hold
        line = ctx.errors.record("looking up recurring terms", exc)
        for article in articles:
            article.notices.append(f"recurring terms not looked up: {line}")
            suggest_terms(article, {})
        return
    result.model_requests += requests


def look_up_terms(pairs: list[tuple[str, str]], ctx: RunContext) -> tuple[list[str], int]:
    """The English of each (noun, sentence) through the memory, then the model ("" for none);
    and the model requests spent."""
    return look_up(pairs, ctx.backend, ctx.memory, lookup_context(ctx.translator.memory_context))


def recall_and_submit(article: Article, ctx: RunContext, runner: Runner, result: RunResult) -> list:
    """recall: segments the memory holds (or with no Chinese) are settled here; the others are
    handed to the runner - the prose's and the reader words' of links and HTML blocks. Returns
    (list of segments, index, wait) for each handed over."""
    waiting = []
    for segments in [block.segments for block in article.all_blocks] + [article.word_segments]:
        for i, seg in enumerate(segments):
            if seg.translate and not seg.internal_error and not ctx.translator.settle_without_model(seg):
                waiting.append((segments, i, runner.translate(seg)))
                result.segment_tasks += 1
    return waiting


def collect_translations(article: Article, waiting: list, result: RunResult) -> bool:
    """translate: the article's segments back in its blocks (a runner may return copies);
    False, with the failure recorded, if one failed for good."""
    try:
        for segments, i, wait in waiting:
            segments[i] = wait()
    except Exception as exc:
        result.failures.append((article.label, f"{type(exc).__name__}: {exc}"))
        return False
    # Counted on the segments: a task in another process (Dask) spends its requests there.
    result.memory_hits += sum(seg.from_memory for seg in article.segments)
    result.model_requests += sum(seg.requests for seg in article.segments + article.word_segments)
    return True


def summarize_stage(article: Article, runner: Runner, result: RunResult, ctx: RunContext) -> None:
    try:
        outcome = runner.summarize(article)
    except Exception as exc:  # a failed summary is flagged, the translation still written
        line = f"{type(exc).__name__}: {exc}" if isinstance(exc, BackendError) else ctx.errors.record("summarizing", exc)
        article.summary_flags = [f"no summary: {line}"]
        return
    article.summary, article.summary_flags, article.summary_check = outcome.text, outcome.flags, outcome.details
    result.flagged += [(article.label, f) for f in outcome.flags]


def summarize_with_memory(article: Article, ctx: RunContext) -> SummaryResult:
    """The article's summary: from the memory if this English was summarised before by this
    model, glossary and prompt; else from the model, then stored."""
    key = summary_key(article, ctx)
    stored = ctx.memory.get_summary(key) if ctx.memory is not None else None
    if stored is not None:
        return SummaryResult(*stored)
    outcome = summarize_article(article, ctx.backend.complete, ctx.settings.qa, ctx.settings.meaning)
    if ctx.memory is not None:
        ctx.memory.put_summary(key, outcome.text, outcome.flags, outcome.notes, outcome.details)
    return outcome


def summary_key(article: Article, ctx: RunContext) -> str:
    text, _ = english_text(article)
    flagged = ",".join(str(i) for i, seg in enumerate(article.segments) if seg.flags)   # left out of the choice
    payload = "\x1f".join([text, str(article.excerpt), ctx.backend.model_sha256,
                           ctx.translator.memory_context.glossary_version, SUMMARY_PROMPT_VERSION, flagged])
    return "summary-" + hashlib.sha256(payload.encode("utf-8")).hexdigest()


def write_stage(article: Article, qa: dict, target: Path, ctx: RunContext) -> tuple[dict, str | None]:
    """Render, hold to the source, write; (the QA figures with the file's own, why an existing
    file was kept instead or None)."""
    backend = ctx.backend
    # what made the answers, the summary and the flags (pipeline/signature.py)
    qa["versions"] = {"translator": TRANSLATOR_VERSION, "summary": SUMMARY_PROMPT_VERSION, "checks": CHECKS_VERSION}

    def write() -> str | None:
        return write_article(article, qa, target, backend.model_id, backend.model_sha256, ctx.settings.force,
                             ctx.settings.layout, ctx.errors)

    try:
        return qa, write()
    except OSError:
        raise
    except Exception as exc:   # a bug met on one block's text: that block's original is written instead
        blamed = [block for block in article.all_blocks if _render_fails(block)]
        if not blamed:
            raise
        for block in blamed:
            for seg in block.segments:
                if seg.translate:
                    keep_original(seg, "writing the file", exc, ctx.errors)
        qa["untranslated_segments"] = sum(1 for s in article.segments if s.translate and untranslated(s))
        qa["internal_errors"] = sum(1 for s in article.segments if s.internal_error)
        return qa, write()


def _render_fails(block: Block) -> bool:
    try:
        render_block(block)
    except Exception:
        return True
    return False


def write_and_record(article: Article, qa: dict, target: Path, runner: Runner, result: RunResult,
                     ctx: RunContext) -> dict:
    try:
        qa, kept = runner.write(article, qa, target)
    except OSError as exc:  # disk full, read-only folder: name the file and the cause
        result.failures.append((article.label, f"cannot write {exc.filename or target}: {exc.strerror or exc}"))
        return qa
    except Exception as exc:  # one article's failure must not stop the batch
        result.failures.append((article.label, f"internal error while writing it: {ctx.errors.record('writing', exc)}"))
        return qa
    result.article_qa.append(qa)
    result.articles.append(article)
    # The conservation problems come back in the QA figures (the runner may have worked on a copy).
    flags = [f for block in article.all_blocks for f in block.flags]
    flags += [f"differs from the source: {p}" for p in qa.get("conservation", [])]
    result.flagged += [(article.label, f) for f in dict.fromkeys(flags)]
    written = target.with_name(qa.get("file") or target.name)   # the English-only file, if only it is written
    if kept:
        result.kept.append((written, kept))
    else:
        result.written.append(written)
    return qa
