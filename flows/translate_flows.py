"""Prefect flows: one-off translation (`zh2en translate`) and the inbox flow that scheduled
runs serve (`zh2en serve`) are the same flow; the inbox only skips unchanged files."""

# No `from __future__ import annotations`: Prefect validates flow parameters against these
# annotations when a deployment runs, and needs them as real types.

import time
from pathlib import Path

from prefect import flow
from prefect.task_runners import ThreadPoolTaskRunner

from flows.runtime import RunConfig, get_translator, report_progress
from flows.tasks import ingest_task, report_task, summarize_task, translate_segment_task, write_article_task
from pipeline.ingest import IngestError, list_sources
from pipeline.locking import OutputLocked, output_lock
from pipeline.manifest import Manifest
from pipeline.models import Article
from pipeline.runner import RunResult, output_path
from pipeline.segmenting import segment_article
from pipeline.slugs import SlugAllocator


@flow(name="zh2en-translate-article")
def translate_article_flow(article: Article, config: RunConfig) -> Article:
    """Translate one article's segments, concurrently, each a cached task."""
    segment_article(article, config.max_chars)
    result = RunResult()
    for _ in _translate_articles([article], config, result):
        pass
    if result.failures:
        raise RuntimeError(result.failures[0][1])
    return article


@flow(name="zh2en-translate", task_runner=ThreadPoolTaskRunner(max_workers=4))
def translate_flow(paths: list[str], out_dir: str, config: RunConfig = RunConfig(),
                   only_changed: bool = False) -> RunResult:
    """Translate files and folders into `out_dir`; with `only_changed`, only files that are new
    or changed since the last run into that folder (the inbox of a scheduled deployment)."""
    started = time.perf_counter()
    out = Path(out_dir)
    result = RunResult()
    files = _input_files(paths, result, exclude=out, follow_symlinks=config.follow_symlinks)
    if not files:  # nothing readable: leave the output folder alone
        return result
    try:
        with output_lock(out):
            return _translate_locked(files, out, config, only_changed, result, started)
    except OutputLocked as exc:  # a clear outcome, not a crashed flow run
        result.failures.append((str(out), str(exc)))
        return result


def _translate_locked(files: list[Path], out: Path, config: RunConfig, only_changed: bool,
                      result: RunResult, started: float) -> RunResult:
    translator = get_translator(config)
    hits_before, requests_before = translator.memory_hits, translator.requests_sent
    manifest = Manifest(out)
    if only_changed:
        # A file that failed is reported on every run, and tried again once it changes.
        for path, reason in manifest.still_failing(files):
            result.failures.append((str(path), f"{reason} (unchanged since it failed: fix or replace it to retry)"))
        files = manifest.changed(files)
    failures_before = len(result.failures)
    articles_by_file: dict[Path, list[Article]] = {}
    for file in files:
        articles, failures = ingest_task(str(file), config.max_bytes)
        result.failures += failures
        articles = [a for a in articles if _segmented(a, config, result)]
        if articles:
            articles_by_file[file] = articles
    articles = [a for arts in articles_by_file.values() for a in arts]
    seconds_by_article: dict[str, float] = {}
    slugs = SlugAllocator()
    # Each article is written as soon as its segments are done: a killed run keeps them.
    for article, seconds in _translate_articles(articles, config, result):
        seconds_by_article[article.label] = seconds or 0.0
        if seconds is not None:
            if config.summarizes:
                _summarize(article, config, result)
            _write(article, output_path(out, article, slugs), config, result)
    _record_outcomes(manifest, files, articles_by_file, result.failures[failures_before:])
    try:
        manifest.save()
    except OSError as exc:
        result.failures.append((str(manifest.path), f"cannot record which inputs are done: {exc.strerror or exc}"))
    result.memory_hits += translator.memory_hits - hits_before
    result.model_requests = translator.requests_sent - requests_before
    result.seconds = time.perf_counter() - started
    if files or result.failures:
        try:
            report_task(str(out), result.summaries, result.failures, result.seconds,
                        translator.backend.model_id, seconds_by_article)
        except Exception as exc:  # the articles are written; say that the report is not
            why = exc.strerror if isinstance(exc, OSError) and exc.strerror else f"{type(exc).__name__}: {exc}"
            result.failures.append((str(out / "report.md"), f"run report not written: {why}"))
    return result


def _segmented(article: Article, config: RunConfig, result: RunResult) -> bool:
    """Cut the article into segments; an article that cannot be is its input's failure alone."""
    try:
        segment_article(article, config.max_chars)
    except Exception as exc:
        result.failures.append((article.label, f"cannot be segmented: {type(exc).__name__}: {exc}"))
        return False
    return True


def _record_outcomes(manifest: Manifest, files: list[Path], articles_by_file: dict[Path, list[Article]],
                     failures: list[tuple[str, str]]) -> None:
    """Done files are recorded. A file that is bad input (it cannot be read or segmented) is
    recorded as failed with its reason, so an unchanged bad file is not retried every run; a
    file one of whose articles failed later (e.g. the model) is left to be tried again."""
    reasons = dict(failures)
    for file in files:
        articles = articles_by_file.get(file, [])
        if str(file) in reasons:
            manifest.record_failure(file, reasons[str(file)])
        elif not articles:
            manifest.record_failure(file, next((reasons[a] for a in reasons if a.startswith(f"{file.name}#")),
                                               "no article could be segmented"))
        elif not any(a.label in reasons for a in articles):
            manifest.record(file)


def _summarize(article: Article, config: RunConfig, result: RunResult) -> None:
    try:
        outcome = summarize_task(article, config)
    except Exception as exc:  # a failed summary is flagged, the translation still written
        article.summary_flags = [f"summary failed: {type(exc).__name__}: {exc}"]
        return
    article.summary, article.summary_flags = outcome.text, outcome.flags
    result.flagged += [(article.label, f) for f in outcome.flags]


@flow(name="zh2en-summarize")
def summarize_flow(paths: list[str], config: RunConfig = RunConfig()) -> tuple[list[Article], list[tuple[str, str]]]:
    """Translate (cached) and summarise; writes nothing. For `zh2en summarize`."""
    result = RunResult()
    files = _input_files(paths, result)
    articles = []
    for file in files:
        found, failures = ingest_task(str(file), config.max_bytes)
        articles += found
        result.failures += failures
    for article in articles:
        segment_article(article, config.max_chars)
    done = []
    for article, seconds in _translate_articles(articles, config, result):
        if seconds is not None:
            _summarize(article, config, result)
            done.append(article)
    return done, result.failures


def _write(article: Article, target: Path, config: RunConfig, result: RunResult) -> None:
    try:
        summary, kept = write_article_task(article, str(target), config)
    except OSError as exc:  # disk full, read-only folder: name the file and the cause
        result.failures.append((article.label, f"cannot write {exc.filename or target}: {exc.strerror or exc}"))
        return
    except Exception as exc:  # one article's failure must not stop the batch
        result.failures.append((article.label, f"{type(exc).__name__}: {exc}"))
        return
    result.summaries.append(summary)
    result.articles.append(article)
    # The conservation problems come back in the summary (the task may have worked on a copy).
    flags = [f for block in article.all_blocks for f in block.flags]
    flags += [f"differs from the source: {p}" for p in summary.get("conservation", [])]
    result.flagged += [(article.label, f) for f in dict.fromkeys(flags)]
    if kept:
        result.kept.append((target, kept))
    else:
        result.written.append(target)


def _input_files(paths: list[str], result: RunResult, exclude: Path | None = None,
                 follow_symlinks: bool = False) -> list[Path]:
    files = []
    for path in paths:
        try:
            files += list_sources(Path(path), exclude, result.notices, follow_symlinks)
        except IngestError as exc:
            result.failures.append((str(path), str(exc)))
    return files


def _translate_articles(articles: list[Article], config: RunConfig, result: RunResult):
    """Submit every segment of every article at once (the task runner keeps the model's slots
    busy), then yield each article, in order, once its segments are back in its blocks, with
    the seconds since the previous one finished (None when a segment failed for good).
    Segments the translation memory already holds are filled in here, without a task: a warm
    re-run of a large folder costs lookups, not hundreds of task runs."""
    translator = get_translator(config)
    futures: dict[int, list] = {id(a): [] for a in articles}
    for article in articles:
        for block in article.all_blocks:
            for i, seg in enumerate(block.segments):
                if seg.translate and not translator.settle_without_model(seg):
                    futures[id(article)].append((block, i, translate_segment_task.submit(seg, config)))
                    result.segment_tasks += 1
    last = time.perf_counter()
    for n, article in enumerate(articles, 1):
        try:
            for block, i, future in futures[id(article)]:
                block.segments[i] = future.result()
                if future.state.name == "Cached":
                    result.memory_hits += 1  # served by Prefect's cache: no model call
        except Exception as exc:
            result.failures.append((article.label, f"{type(exc).__name__}: {exc}"))
            yield article, None
            continue
        now = time.perf_counter()
        yield article, now - last
        last = now
        report_progress(n, len(articles))
