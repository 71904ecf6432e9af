"""Prefect flows: one-off translation (`zh2en translate`) and the inbox flow that scheduled
runs serve (`zh2en serve`) are the same flow; the inbox only skips unchanged files. The stages
and their order are pipeline/stages.py's; a flow adds the output lock, the inbox manifest and
the run report around them."""

# No `from __future__ import annotations`: Prefect validates flow parameters against these
# annotations when a deployment runs, and needs them as real types.

import time
from pathlib import Path
from typing import Any, Optional

from prefect import flow
from prefect.task_runners import ThreadPoolTaskRunner

from flows.tasks import PrefectRunner, report_task, site_task
from pipeline.context import RunContext, shared_context
from pipeline.ingest.reader import IngestError, list_sources
from pipeline.output.site import SiteError
from pipeline.store.locking import OutputLocked, output_lock
from pipeline.store.manifest import Manifest
from pipeline.document import Article
from pipeline.settings import Settings
from pipeline.backends.llama import DEFAULT_SLOTS
from pipeline.stages import SEGMENT_FAILURE, RunResult, ingest_files, learn_stage, run_articles


@flow(name="zh2en-translate", task_runner=ThreadPoolTaskRunner(max_workers=DEFAULT_SLOTS))  # callers set theirs
def translate_flow(paths: list[str], out_dir: str, settings: Optional[Settings] = None,
                   only_changed: bool = False, context: Any = None, site_dir: Optional[str] = None) -> RunResult:
    """Translate files and folders into `out_dir`; with `only_changed`, only files that are new
    or changed since the last run into that folder (the inbox of a scheduled deployment).
    `context` is the caller's open RunContext (the CLI's, with its progress bar); a scheduled
    run has none and takes the process's shared one for `settings` (pipeline/context.py).
    With `site_dir`, a run that wrote something rebuilds the offline site of `out_dir` there."""
    ctx = context or shared_context(settings or Settings())
    return _translate(paths, Path(out_dir), ctx, only_changed, Path(site_dir) if site_dir else None)


def _translate(paths: list[str], out: Path, ctx: RunContext, only_changed: bool,
               site_dir: Optional[Path] = None) -> RunResult:
    started = time.perf_counter()
    result = RunResult()
    files = _input_files(paths, result, exclude=out, follow_symlinks=ctx.settings.follow_symlinks)
    if not files:  # nothing readable: leave the output folder alone
        return result
    try:
        with output_lock(out):
            return _translate_locked(files, out, ctx, only_changed, result, started, site_dir)
    except OutputLocked as exc:  # a clear outcome, not a crashed flow run
        result.failures.append((str(out), str(exc)))
        return result


def _translate_locked(files: list[Path], out: Path, ctx: RunContext, only_changed: bool,
                      result: RunResult, started: float, site_dir: Optional[Path]) -> RunResult:
    manifest = Manifest(out)
    if only_changed:
        # A file that failed is reported on every run, and tried again once it changes.
        for path, reason in manifest.still_failing(files):
            result.failures.append((str(path), f"{reason} (unchanged since it failed: fix or replace it to retry)"))
        files = manifest.changed(files)
    failures_before = len(result.failures)
    runner = PrefectRunner(ctx)
    learn_stage(out, ctx, result)
    articles_by_file = ingest_files(files, runner, result)
    articles = [a for arts in articles_by_file.values() for a in arts]
    seconds_by_article = {done.article.label: done.seconds
                          for done in run_articles(articles, ctx, runner, result, out)}
    _record_outcomes(manifest, files, articles_by_file, result.failures[failures_before:])
    try:
        manifest.save()
    except OSError as exc:
        result.failures.append((str(manifest.path), f"cannot record which inputs are done: {exc.strerror or exc}"))
    if site_dir is not None and (result.written or _site_behind(out, site_dir)):
        _rebuild_site(out, site_dir, result)   # before the report, which names a failure here
    result.seconds = time.perf_counter() - started
    if files or result.failures:
        try:
            report_task(str(out), result.article_qa, result.failures, result.seconds,
                        ctx.backend.model_id, seconds_by_article)
        except Exception as exc:  # the articles are written; say that the report is not
            why = exc.strerror if isinstance(exc, OSError) and exc.strerror else f"{type(exc).__name__}: {exc}"
            result.failures.append((str(out / "report.md"), f"run report not written: {why}"))
    return result


def _rebuild_site(out: Path, site_dir: Path, result: RunResult) -> None:
    try:
        result.notices += site_task(str(out), str(site_dir))
    except Exception as exc:   # the articles are written; say that the site is not (tried again next run)
        why = str(exc) if isinstance(exc, SiteError) else f"{type(exc).__name__}: {exc}"
        result.failures.append((str(site_dir), f"offline site not rebuilt: {why}"))


def _site_behind(out: Path, site_dir: Path) -> bool:
    """The site is older than an article of the output folder (a failed or missed rebuild)."""
    index = site_dir / "index.html"
    if not index.is_file():
        return any(out.glob("*.qa.json"))
    built = index.stat().st_mtime
    return any(qa.stat().st_mtime > built for qa in out.glob("*.qa.json"))


def _record_outcomes(manifest: Manifest, files: list[Path], articles_by_file: dict[Path, list[Article]],
                     failures: list[tuple[str, str]]) -> None:
    """Done files are recorded. A file that is bad input (it cannot be read, or none of its
    articles can be segmented) is recorded as failed with its reason, so an unchanged bad file
    is not retried every run; a file one of whose articles failed later (e.g. the model) is
    left to be tried again."""
    reasons = dict(failures)
    for file in files:
        articles = articles_by_file.get(file, [])
        unsegmentable = [reasons[a.label] for a in articles if reasons.get(a.label, "").startswith(SEGMENT_FAILURE)]
        if str(file) in reasons:
            manifest.record_failure(file, reasons[str(file)])
        elif not articles:
            manifest.record_failure(file, "no article could be read")
        elif len(unsegmentable) == len(articles):
            manifest.record_failure(file, unsegmentable[0])
        elif not any(a.label in reasons for a in articles):
            manifest.record(file)


@flow(name="zh2en-summarize")
def summarize_flow(paths: list[str], settings: Optional[Settings] = None,
                   context: Any = None) -> tuple[list[Article], list[tuple[str, str]]]:
    """Translate (through the memory) and summarise; writes nothing. For `zh2en summarize`."""
    ctx: RunContext = context or shared_context(settings or Settings())
    result = RunResult()
    files = _input_files(paths, result)
    runner = PrefectRunner(ctx)
    articles = [a for arts in ingest_files(files, runner, result).values() for a in arts]
    done = [finished.article for finished in run_articles(articles, ctx, runner, result)]
    return done, result.failures


def _input_files(paths: list[str], result: RunResult, exclude: Optional[Path] = None,
                 follow_symlinks: bool = False) -> list[Path]:
    files = []
    for path in paths:
        try:
            files += list_sources(Path(path), exclude, result.notices, follow_symlinks)
        except IngestError as exc:
            result.failures.append((str(path), str(exc)))
    return files
