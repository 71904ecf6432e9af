"""The `zh2en` command line."""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import subprocess
import sys
import time

# Prefect's logs are for its UI; a terminal user gets our own one-line messages (set
# PREFECT_LOGGING_LEVEL=INFO to see Prefect's).
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "CRITICAL")
os.environ.setdefault("PREFECT_SERVER_LOGGING_LEVEL", "CRITICAL")

import flows  # noqa: E402,F401  (sets Prefect's settings before Prefect is imported)
from importlib import resources
from pathlib import Path
from typing import Optional

import typer
from prefect.task_runners import ThreadPoolTaskRunner
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from flows.runtime import RunConfig, close_translators, get_translator, set_progress
from flows.server import ServerError, prefect_server, temporary_server
from flows.translate_flows import summarize_flow, translate_flow
from pipeline.backends import BACKENDS, create_backend
from pipeline.evaluate import evaluate_baseline, evaluate_pipeline, format_table, read_parallel
from pipeline.glossary import Glossary, GlossaryError
from pipeline.decoding import DEFAULT_MAX_BYTES
from pipeline.memory import TranslationMemory
from pipeline.model_store import ModelUnavailable
from pipeline.tmx import TMXError, export_tmx, import_tmx
from pipeline.report import aggregate
from pipeline.runner import RunResult
from pipeline.segmenting import DEFAULT_MAX_CHARS
from pipeline.translate import Translator
from zh2en.terminal import (PlainConsole, Terminated, end_process_group, port_free, stop_on_signals, terminate,
                            valid_cron)

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="Offline Chinese→English translation of technical articles, formulas intact.")
err = PlainConsole(one_line=True, stderr=True)
out = PlainConsole(one_line=False)


@app.callback()
def _group() -> None:
    """Offline Chinese→English translation of technical articles, formulas intact."""


def sample_page() -> Path:
    return Path(str(resources.files("zh2en") / "samples" / "kexue-listing-page.txt"))


def fail(message: str, code: int = 1) -> None:
    err.print(f"zh2en: error: {message}", markup=False)
    raise typer.Exit(code)


@app.command()
def translate(
    paths: Optional[list[Path]] = typer.Argument(None, help="Files or folders; default: the bundled sample page."),
    output: Path = typer.Option(Path("output"), "-o", "--output", help="Folder for the bilingual files."),
    backend: str = typer.Option("llama", "--backend", help=f"Model backend: {' | '.join(BACKENDS)}."),
    model_dir: Optional[Path] = typer.Option(
        None, "--model-dir", "--model",
        help="llama: a chat GGUF file (default: the packaged Qwen2.5-Coder-1.5B); marian: a MarianMT folder."),
    max_chars: int = typer.Option(DEFAULT_MAX_CHARS, "--max-chars", min=20, help="Largest chunk sent to the model."),
    glossaries: Optional[list[Path]] = typer.Option(
        None, "--glossary", "-g", help="Extra glossary (TSV zh/en/note, or BabelDOC CSV); overrides built-in terms."),
    use_glossary: bool = typer.Option(True, "--glossary-terms/--no-glossary", help="Use the technical glossary."),
    use_memory: bool = typer.Option(True, "--memory/--no-memory",
                                    help="Reuse finished segments from the translation memory (ZH2EN_STATE_DIR)."),
    force: bool = typer.Option(False, "--force", help="Replace existing outputs even if they had fewer flags."),
    max_bytes: int = typer.Option(DEFAULT_MAX_BYTES, "--max-bytes", min=1, help="Refuse input files larger than this."),
    follow_symlinks: bool = typer.Option(False, "--follow-symlinks",
                                         help="In an input folder, also read links that lead outside it."),
    dask_address: Optional[str] = typer.Option(None, "--dask-address",
                                               help="Run the tasks on an existing Dask cluster (tcp://HOST:PORT)."),
    summaries: bool = typer.Option(True, "--summary/--no-summary", help="Add an English summary (llama backend)."),
) -> None:
    """Translate articles into bilingual markdown files, one per article."""
    if backend not in BACKENDS:  # before any work: a typo should not cost a model load
        fail(f"unknown backend {backend!r}; choose one of {', '.join(BACKENDS)}", 2)
    inputs = [str(p) for p in (paths or [sample_page()])]
    config = RunConfig(backend=backend, model_path=str(model_dir) if model_dir else None, max_chars=max_chars,
                       glossaries=tuple(str(g) for g in glossaries or ()), use_glossary=use_glossary,
                       use_memory=use_memory, max_bytes=max_bytes, force=force, summaries=summaries,
                       follow_symlinks=follow_symlinks)
    result = _run_flow(inputs, output, config, dask_address)
    for notice in result.notices:
        err.print(f"zh2en: notice: {notice}", markup=False)
    for article in result.articles:
        for notice in article.notices:
            err.print(f"zh2en: notice: {article.label}: {notice}", markup=False)
    _print_outcome(result, output, summary=bool(result.summaries))
    if result.failures:
        raise typer.Exit(1)


def _run_flow(inputs: list[str], output: Path, config: RunConfig, dask_address: str | None,
              only_changed: bool = False) -> RunResult:
    """Run the translate flow with a progress bar; configuration errors end it with one line."""
    try:
        translator = get_translator(config)  # checks glossary and model before any work
    except (GlossaryError, ModelUnavailable) as exc:
        fail(str(exc))
    _memory_notice(translator.memory)
    runner = _task_runner(config, dask_address)
    started = time.time()
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    try:
        with temporary_server(), \
                Progress(*columns, console=err, transient=True, disable=not err.is_terminal) as progress:
            bar = progress.add_task("translating", total=None)
            set_progress(lambda done, total: progress.update(bar, completed=done, total=total))
            return translate_flow.with_options(task_runner=runner)(inputs, str(output), config, only_changed)
    except ServerError as exc:
        fail(str(exc))
    except KeyboardInterrupt:  # typer would end silently with 130
        _print_written_since(output, started)
        err.print("zh2en: interrupted; files already written are kept", markup=False)
        raise typer.Exit(130) from None
    except Terminated:
        _print_written_since(output, started)
        raise
    finally:
        set_progress(None)
        close_translators()
        del translator


def _print_written_since(output: Path, started: float) -> None:
    """On an early stop the flow returns nothing: list the article files this run wrote."""
    for path in sorted(output.glob("*.md")) if output.is_dir() else []:
        if path.name != "report.md" and path.stat().st_mtime >= started:
            out.print(str(path))


def _memory_notice(memory: TranslationMemory | None) -> None:
    if memory is not None and memory.notice:
        err.print(f"zh2en: notice: {memory.notice}", markup=False)


def _task_runner(config: RunConfig, dask_address: str | None):
    if dask_address:
        from prefect_dask import DaskTaskRunner

        return DaskTaskRunner(address=dask_address)
    return ThreadPoolTaskRunner(max_workers=config.slots)


def _print_outcome(result: RunResult, output: Path, summary: bool) -> None:
    for path in result.written:
        out.print(str(path), markup=False)
    for path, why in result.kept:
        err.print(f"zh2en: notice: {path}: {why}", markup=False)
    for label, flag in result.flagged:
        err.print(f"zh2en: flagged: {label}: {flag}", markup=False)
    for label, reason in result.failures:
        err.print(f"zh2en: error: {reason if reason.startswith(label) else f'{label}: {reason}'}", markup=False)
    if summary:
        totals = aggregate(result.summaries)
        err.print(f"zh2en: wrote {len(result.written)} file(s) to {output}/ in {result.seconds:.1f} s: "
                  f"formulas intact {totals['formula_integrity']}% of {totals['formula_spans']} (counted in the sources), "
                  f"{totals['conservation_problems']} difference(s) between outputs and their sources, "
                  f"glossary {totals['glossary_adherence']}% of {totals['glossary_terms']}, "
                  f"{totals['residue_segments']} segment(s) with Chinese left, "
                  f"{totals['flagged_segments']} flagged, {len(result.failures)} failure(s); "
                  f"{result.memory_hits} segment(s) reused from memory, {result.model_requests} model request(s)",
                  markup=False)


def _load_glossary(use: bool, extra: list[Path] | None) -> Glossary | None:
    try:
        return Glossary.default(extra or []) if use else None
    except GlossaryError as exc:
        fail(str(exc))


def _open_backend(name: str, model_path: Path | None, **options):
    if name not in BACKENDS:
        fail(f"unknown backend {name!r}; choose one of {', '.join(BACKENDS)}", 2)
    try:
        return create_backend(name, model_path=model_path, **options)
    except ModelUnavailable as exc:
        fail(str(exc))


@app.command()
def summarize(
    paths: list[Path] = typer.Argument(..., help="Files or folders."),
    model_dir: Optional[Path] = typer.Option(None, "--model-dir", "--model", help="A chat GGUF (default: packaged)."),
    glossaries: Optional[list[Path]] = typer.Option(None, "--glossary", "-g", help="Extra glossary files."),
) -> None:
    """Print an English summary of each article (translating it first, through the cache)."""
    config = RunConfig(model_path=str(model_dir) if model_dir else None,
                       glossaries=tuple(str(g) for g in glossaries or ()))
    try:
        get_translator(config)
    except (GlossaryError, ModelUnavailable) as exc:
        fail(str(exc))
    try:
        with temporary_server():
            articles, failures = summarize_flow.with_options(task_runner=_task_runner(config, None))(
                [str(p) for p in paths], config)
    except ServerError as exc:
        fail(str(exc))
    finally:
        close_translators()
    for article in articles:
        out.print(f"## {article.title_en or article.label}\n", markup=False)
        out.print((article.summary or "(no summary)") + "\n", markup=False)
        for flag in article.summary_flags:
            err.print(f"zh2en: flagged: {article.label}: {flag}", markup=False)
    for label, reason in failures:
        err.print(f"zh2en: error: {reason if reason.startswith(label) else f'{label}: {reason}'}", markup=False)
    if failures:
        raise typer.Exit(1)


@app.command()
def serve(
    inbox: Path = typer.Option(..., "--inbox", help="Folder to watch: new or changed files are translated."),
    out_dir: Path = typer.Option(..., "--out", help="Folder for the bilingual files."),
    cron: Optional[str] = typer.Option(None, "--cron", help="Cron schedule, e.g. '*/30 * * * *'."),
    interval: Optional[int] = typer.Option(None, "--interval", min=1, help="Run every this many seconds."),
    backend: str = typer.Option("llama", "--backend", help=f"Model backend: {' | '.join(BACKENDS)}."),
    model_dir: Optional[Path] = typer.Option(None, "--model-dir", "--model", help="As for translate."),
    glossaries: Optional[list[Path]] = typer.Option(None, "--glossary", "-g", help="Extra glossary files."),
    port: Optional[int] = typer.Option(None, "--port", help="Port for the local Prefect server (default: a free one)."),
) -> None:
    """Serve a scheduled deployment that translates what is new or changed in the inbox."""
    if (cron is None) == (interval is None):
        fail("give exactly one of --cron or --interval", 2)
    if cron is not None and not valid_cron(cron):
        fail(f"--cron {cron!r} is not a cron expression (five fields, e.g. '*/30 * * * *')", 2)
    if port is not None and not port_free(port):
        fail(f"--port {port}: something is already listening on 127.0.0.1:{port}; choose another or leave it out", 2)
    if not inbox.is_dir():
        fail(f"{inbox}: inbox folder does not exist")
    config = RunConfig(backend=backend, model_path=str(model_dir) if model_dir else None,
                       glossaries=tuple(str(g) for g in glossaries or ()))
    try:
        get_translator(config)  # a bad glossary or missing model fails now, not at 3 a.m.
    except (GlossaryError, ModelUnavailable) as exc:
        fail(str(exc))
    spec = json.dumps({"inbox": str(inbox.resolve()), "out": str(out_dir.resolve()), "cron": cron,
                       "interval": interval, "config": dataclasses.asdict(config)})
    stop = stop_on_signals()
    try:
        with prefect_server(port) as api_url:
            ui = api_url.removesuffix("/api")
            err.print(f"zh2en: serving deployment 'zh2en-translate/zh2en-inbox' on {ui} "
                      f"(UI: {ui}); inbox {inbox}, output {out_dir}; Ctrl-C stops it", markup=False)
            runner = subprocess.Popen([sys.executable, "-m", "flows.serve_runner", spec], start_new_session=True,
                                      env={**os.environ, "PREFECT_API_URL": api_url})
            while runner.poll() is None and not stop.wait(0.5):
                pass
            died = None if stop.is_set() else runner.returncode  # it ended by itself: a failure
            end_process_group(runner)
    except ServerError as exc:
        fail(str(exc))
    finally:
        close_translators()
        err.print("zh2en: stopped", markup=False)
    if died is not None:
        fail(f"the deployment's runner stopped on its own (status {died}); nothing more will be translated")


@app.command()
def bench(
    input_path: Optional[Path] = typer.Option(None, "--input", help="Input (default: the bundled sample page)."),
    limit: Optional[int] = typer.Option(None, "--limit", min=1, help="Only the first N articles."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of tables."),
    model_dir: Optional[Path] = typer.Option(None, "--model-dir", "--model", help="A chat GGUF (default: packaged)."),
    slots: int = typer.Option(4, "--slots", min=1, max=32, help="Parallel llama.cpp slots."),
    chunks: Optional[str] = typer.Option(None, "--chunks", help="Also run the pipeline cold at these "
                                         "segment sizes, e.g. 100,160,240 (characters)."),
    new_process: bool = typer.Option(True, "--new-process/--in-process-only",
                                     help="Also time a warm re-run and a one-paragraph file as new processes."),
) -> None:
    """Measure throughput: naive loop vs the pipeline cold and warm, against the compute floor."""
    from pipeline.bench import BenchError, format_bench, run_bench
    from pipeline.ingest import IngestError, read_path

    try:
        sizes = tuple(int(c) for c in chunks.split(",")) if chunks else ()
    except ValueError:
        fail(f"--chunks takes sizes separated by commas, e.g. 100,160,240; got {chunks!r}", 2)
    if any(size < 20 for size in sizes):
        fail("--chunks sizes must be at least 20 characters", 2)
    try:
        articles = read_path(input_path or sample_page())
    except IngestError as exc:
        fail(str(exc))
    glossary = _load_glossary(True, None)
    backend = _open_backend("llama", model_dir, slots=slots)
    try:
        extra = {"input_path": input_path or sample_page(),
                 "paragraph": sample_page().with_name("one-paragraph.txt"),
                 "model_args": ("--model", str(model_dir)) if model_dir else ()} if new_process else {}
        report = run_bench(backend, articles, glossary, limit, sizes, **extra)
    except BenchError as exc:
        fail(str(exc))
    finally:
        backend.close()
    if as_json:
        out.print_json(data=report)
    else:
        out.print(format_bench(report), markup=False)


tm_app = typer.Typer(help="The translation memory: export to / import from TMX 1.4b.", no_args_is_help=True)
app.add_typer(tm_app, name="tm")


@tm_app.command("export")
def tm_export(tmx: Path = typer.Option(..., "--tmx", help="TMX file to write.")) -> None:
    """Write every segment of the translation memory as TMX (zh-CN -> en)."""
    memory = TranslationMemory.default()
    _memory_notice(memory)
    if not tmx.parent.is_dir():
        fail(f"{tmx}: folder {tmx.parent} does not exist")
    n = export_tmx(memory, tmx)
    err.print(f"zh2en: exported {n} segment(s) to {tmx}", markup=False)


@tm_app.command("import")
def tm_import(
    tmx: Path = typer.Argument(..., help="TMX file to read."),
    backend: str = typer.Option("llama", "--backend", help="Model the units are filed under if the file has no zh2en properties."),
    model_dir: Optional[Path] = typer.Option(None, "--model-dir", "--model", help="As for translate."),
) -> None:
    """Add a TMX file's units to the translation memory (validated first; a bad file adds nothing)."""
    if not tmx.is_file():
        fail(f"{tmx}: no such file")
    try:
        translator = get_translator(RunConfig(backend=backend, model_path=str(model_dir) if model_dir else None))
        memory = TranslationMemory.default()
        _memory_notice(memory)
        with Progress(TextColumn("{task.description}"), MofNCompleteColumn(), TimeElapsedColumn(), console=err,
                      transient=True, disable=not err.is_terminal) as progress:
            bar = progress.add_task("reading units", total=None)
            n = import_tmx(memory, tmx, translator.memory_context, lambda done: progress.update(bar, completed=done))
    except (TMXError, GlossaryError, ModelUnavailable) as exc:
        fail(str(exc))
    err.print(f"zh2en: imported {n} segment(s) from {tmx}", markup=False)


@app.command("eval")
def eval_command(
    src: Path = typer.Option(..., "--src", help="Chinese source, one segment per line."),
    ref: Path = typer.Option(..., "--ref", help="English reference, line by line with --src."),
    limit: Optional[int] = typer.Option(None, "--limit", min=1, help="Only the first N lines."),
    baseline: bool = typer.Option(False, "--baseline", help="Also score the same model with a plain prompt."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
    backend: str = typer.Option("llama", "--backend", help=f"Model backend: {' | '.join(BACKENDS)}."),
    model_dir: Optional[Path] = typer.Option(None, "--model-dir", "--model", help="As for translate."),
    glossaries: Optional[list[Path]] = typer.Option(None, "--glossary", "-g", help="Extra glossary files."),
) -> None:
    """Score the pipeline (BLEU, chrF, QA aggregates) on parallel text with references."""
    for path in (src, ref):
        if not path.is_file():
            fail(f"{path}: no such file")
    try:
        lines, refs = read_parallel(src, ref, limit)
    except (ValueError, UnicodeDecodeError) as exc:
        fail(str(exc))
    glossary = _load_glossary(True, glossaries)
    model = _open_backend(backend, model_dir)
    try:
        results = [evaluate_pipeline(lines, refs, Translator(model, glossary=glossary))]
        if baseline:
            results.append(evaluate_baseline(lines, refs, model))
    finally:
        model.close()
    if as_json:
        out.print_json(data={"src": str(src), "ref": str(ref), "lines": len(lines), "model": model.model_id,
                             "systems": [r.as_dict() for r in results]})
    else:
        out.print(format_table(results, f"{src.name}: {len(lines)} lines, model {model.model_id}"), markup=False)


def main() -> None:  # console-script entry point
    signal.signal(signal.SIGTERM, terminate)  # `serve` puts its own handler in place
    signal.signal(signal.SIGINT, signal.default_int_handler)  # even if started with SIGINT ignored
    try:
        app()
    except KeyboardInterrupt:
        err.print("zh2en: interrupted; files already written are kept", markup=False)
        sys.exit(130)
    except Terminated:
        err.print("zh2en: terminated; files already written are kept", markup=False)
        sys.exit(143)
    except Exception as exc:  # a user sees one line, never a traceback
        err.print(f"zh2en: error: {type(exc).__name__}: {exc}", markup=False)
        sys.exit(1)


if __name__ == "__main__":
    main()
