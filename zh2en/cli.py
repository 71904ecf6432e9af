"""The `zh2en` command line: translate, summarize, serve (the measuring and memory commands are
in zh2en/tools.py)."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Optional

import typer

from zh2en.common import (app, check_backend, close_context, err, fail, open_context, out, print_failures,
                          sample_page, settings_from)

from prefect.task_runners import ThreadPoolTaskRunner  # noqa: E402  (after zh2en.common: Prefect's settings)
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn  # noqa: E402

from flows.server import ServerError, prefect_server, temporary_server  # noqa: E402
from flows.translate_flows import summarize_flow, translate_flow  # noqa: E402
from pipeline.backends import BACKENDS  # noqa: E402
from pipeline.ingest.decoding import DEFAULT_MAX_BYTES  # noqa: E402
from pipeline.output.report import aggregate  # noqa: E402
from pipeline.output.site import SiteError, check_site_target  # noqa: E402
from pipeline.text.chinese_words import load_in_background as load_words_in_background  # noqa: E402
from pipeline.text.segmenting import DEFAULT_MAX_CHARS  # noqa: E402
from pipeline.settings import Settings
from pipeline.stages import RunResult  # noqa: E402
from zh2en.progress import ProgressLines  # noqa: E402
from zh2en.terminal import (relay_until, Terminated, end_process_group, port_free, stop_behind, stop_on_signals,  # noqa: E402
                            terminate, valid_cron)


MODEL_HELP = ("llama: a chat GGUF file (default: the packaged Qwen2.5-Coder-1.5B); marian: a MarianMT folder; "
              "openai: the served model's name (default: the only one the server serves). Also ZH2EN_MODEL.")
API_BASE_HELP = ("openai backend: the server's address, e.g. http://127.0.0.1:11434/v1 (Ollama); also "
                 "ZH2EN_API_BASE. Its key, if it wants one, from ZH2EN_API_KEY or OPENAI_API_KEY.")
SLOTS_HELP = "Requests in flight at once (llama: parallel slots; openai: concurrent requests). Default 4."
BACKEND_HELP = f"Model backend: {' | '.join(BACKENDS)}. Default llama."


@app.command()
def translate(
    paths: Optional[list[Path]] = typer.Argument(None, help="Files or folders; default: the bundled sample page."),
    output: Path = typer.Option(Path("output"), "-o", "--output", help="Folder for the bilingual files."),
    backend: Optional[str] = typer.Option(None, "--backend", help=BACKEND_HELP),
    model_dir: Optional[Path] = typer.Option(None, "--model-dir", "--model", help=MODEL_HELP),
    api_base: Optional[str] = typer.Option(None, "--api-base", help=API_BASE_HELP),
    slots: Optional[int] = typer.Option(None, "--slots", min=1, max=64, help=SLOTS_HELP),
    max_chars: Optional[int] = typer.Option(None, "--max-chars", min=20,
                                            help=f"Largest chunk sent to the model. Default {DEFAULT_MAX_CHARS}."),
    glossaries: Optional[list[Path]] = typer.Option(
        None, "--glossary", "-g", help="Extra glossary (TSV zh/en/note, or BabelDOC CSV); overrides built-in terms."),
    use_glossary: Optional[bool] = typer.Option(None, "--glossary-terms/--no-glossary",
                                                help="Use the technical glossary. Default: yes."),
    use_memory: Optional[bool] = typer.Option(None, "--memory/--no-memory",
                                    help="Reuse finished segments and summaries from the translation memory "
                                         "(ZH2EN_STATE_DIR); --no-memory reuses nothing. Default: reuse."),
    force: Optional[bool] = typer.Option(None, "--force", help="Replace existing outputs even if they had fewer flags."),
    max_bytes: Optional[int] = typer.Option(None, "--max-bytes", min=1,
                                            help=f"Refuse input files larger than this. Default {DEFAULT_MAX_BYTES}."),
    follow_symlinks: Optional[bool] = typer.Option(None, "--follow-symlinks",
                                                   help="In an input folder, also read links that lead outside it."),
    dask_address: Optional[str] = typer.Option(None, "--dask-address",
                                               help="Run the tasks on an existing Dask cluster (tcp://HOST:PORT)."),
    summaries: Optional[bool] = typer.Option(None, "--summary/--no-summary",
                                             help="Add an English summary (llama and openai backends). Default: yes."),
    layout: Optional[str] = typer.Option(None, "--layout", help="Files per article: bilingual (<slug>.md), "
                                                                "english (<slug>.en.md) or both. Default both."),
) -> None:
    """Translate articles into bilingual markdown files and English-only ones, one of each per article."""
    if layout is not None and layout not in ("bilingual", "english", "both"):
        fail(f"--layout must be bilingual, english or both, not {layout!r}")
    settings = settings_from(model_dir, glossaries, backend=backend, max_chars=max_chars, use_glossary=use_glossary,
                             use_memory=use_memory, max_bytes=max_bytes, force=force, summaries=summaries,
                             follow_symlinks=follow_symlinks, layout=layout, api_base=api_base, slots=slots)
    check_backend(settings.backend)
    check_writable(output)
    inputs = [str(p) for p in (paths or [sample_page()])]
    result = _run_flow(inputs, output, settings, dask_address)
    for notice in result.notices:
        err.print(f"zh2en: notice: {notice}", markup=False)
    for article in result.articles:
        for notice in article.notices:
            err.print(f"zh2en: notice: {article.label}: {notice}", markup=False)
    _print_outcome(result, output, totals=bool(result.article_qa), error_log=settings.error_log_path)
    if result.failures:
        raise typer.Exit(1)


def check_writable(output: Path) -> None:
    """The output folder can be made and written, found before the model's work (one line).

    Folders made for the probe are removed again: a run that then fails on its inputs leaves nothing behind."""
    made: list[Path] = []
    try:
        made = [p for p in (output, *output.parents) if not p.exists()]
        output.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=output, prefix=".zh2en-probe-"):
            pass
    except OSError as exc:
        fail(f"{output}: cannot write the output there ({exc.strerror or exc}); choose another folder with -o")
    finally:
        for folder in made:   # deepest first
            with contextlib.suppress(OSError):
                folder.rmdir()


def _run_flow(inputs: list[str], output: Path, settings: Settings, dask_address: str | None) -> RunResult:
    """Run the translate flow with a progress bar; configuration errors end it with one line."""
    ctx = open_context(settings)   # checks glossary and model before any work
    if not dask_address and hasattr(ctx.backend, "load_in_background"):
        ctx.backend.load_in_background()   # while the Prefect server starts (~3.5 s here)
    if settings.use_glossary:
        load_words_in_background()   # the glossary's matching and the term lookup need jieba
    runner = _task_runner(settings, dask_address)
    started = time.time()
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    try:
        with temporary_server(), \
                Progress(*columns, console=err, transient=True, disable=not err.is_terminal) as progress, \
                ProgressLines(err, ctx, settings.progress_seconds, periodic=not dask_address) if not err.is_terminal else contextlib.nullcontext() \
                as lines:
            bar = progress.add_task("translating", total=None)
            ctx.progress = lines.article_done if lines else \
                (lambda done, total, label: progress.update(bar, completed=done, total=total))
            return translate_flow.with_options(task_runner=runner)(inputs, str(output), settings, context=ctx)
    except ServerError as exc:
        fail(str(exc))
    except KeyboardInterrupt:  # typer would end silently with 130
        _print_written_since(output, started)
        err.print("zh2en: interrupted; files already written are kept", markup=False)
        raise typer.Exit(130) from None
    except Terminated:
        _print_written_since(output, started)
        raise
    except Exception as exc:
        stop = stop_behind(exc)
        if stop is None:
            raise
        _print_written_since(output, started)
        if stop is Terminated:
            raise Terminated() from None
        err.print("zh2en: interrupted; files already written are kept", markup=False)
        raise typer.Exit(130) from None
    finally:
        close_context(ctx)


def _print_written_since(output: Path, started: float) -> None:
    """On an early stop the flow returns nothing: list the article files this run wrote."""
    for path in sorted(output.glob("*.md")) if output.is_dir() else []:
        if path.name != "report.md" and path.stat().st_mtime >= started:
            out.print(str(path))


def _task_runner(settings: Settings, dask_address: str | None):
    if dask_address:
        from prefect_dask import DaskTaskRunner

        return DaskTaskRunner(address=dask_address)
    return ThreadPoolTaskRunner(max_workers=settings.slots)


def _print_outcome(result: RunResult, output: Path, totals: bool, error_log: Path) -> None:
    for path in result.written:
        out.print(str(path), markup=False)
    for path, why in result.kept:
        err.print(f"zh2en: notice: {path}: {why}", markup=False)
    for label, flag in result.flagged:
        err.print(f"zh2en: flagged: {label}: {flag}", markup=False)
    print_failures(result.failures)
    if result.internal_errors or any("internal error" in reason for _, reason in result.failures):
        err.print(f"zh2en: internal error: {result.internal_errors} passage(s) kept in the original, marked in their "
                  f"files; please report it with the tracebacks in {error_log}", markup=False)
    if totals:
        run = aggregate(result.article_qa)
        err.print(f"zh2en: wrote {len(result.written)} file(s) to {output}/ in {result.seconds:.1f} s: "
                  f"formulas intact {run['formula_integrity']}% of {run['formula_spans']} (counted in the sources), "
                  f"{run['conservation_problems']} difference(s) between outputs and their sources, "
                  f"glossary {run['glossary_adherence']}% of {run['glossary_terms']}, "
                  f"{run['untranslated_segments']} segment(s) untranslated, "
                  f"{run['residue_segments']} with Chinese left, "
                  f"{run['flagged_segments']} flagged, {len(result.failures)} failure(s); "
                  f"{result.memory_hits} segment(s) reused from memory, {result.model_requests} model request(s)",
                  markup=False)


@app.command()
def summarize(
    paths: list[Path] = typer.Argument(..., help="Files or folders."),
    model_dir: Optional[Path] = typer.Option(None, "--model-dir", "--model", help="A chat GGUF (default: packaged)."),
    glossaries: Optional[list[Path]] = typer.Option(None, "--glossary", "-g", help="Extra glossary files."),
) -> None:
    """Print an English summary of each article (translating it first, through the memory)."""
    settings = settings_from(model_dir, glossaries)
    ctx = open_context(settings)
    try:
        with temporary_server():
            articles, failures = summarize_flow.with_options(task_runner=_task_runner(settings, None))(
                [str(p) for p in paths], settings, context=ctx)
    except ServerError as exc:
        fail(str(exc))
    finally:
        close_context(ctx)
    for article in articles:
        out.print(f"## {article.title_en or article.label}\n", markup=False)
        out.print((article.summary or "(no summary)") + "\n", markup=False)
        for flag in article.summary_flags:
            err.print(f"zh2en: flagged: {article.label}: {flag}", markup=False)
    print_failures(failures)
    if failures:
        raise typer.Exit(1)


@app.command()
def serve(
    inbox: Path = typer.Option(..., "--inbox", help="Folder to watch: new or changed files are translated."),
    out_dir: Path = typer.Option(..., "--out", help="Folder for the bilingual files."),
    cron: Optional[str] = typer.Option(None, "--cron", help="Cron schedule, e.g. '*/30 * * * *'."),
    interval: Optional[int] = typer.Option(None, "--interval", min=1, help="Run every this many seconds."),
    backend: Optional[str] = typer.Option(None, "--backend", help=BACKEND_HELP),
    model_dir: Optional[Path] = typer.Option(None, "--model-dir", "--model", help="As for translate."),
    api_base: Optional[str] = typer.Option(None, "--api-base", help=API_BASE_HELP),
    slots: Optional[int] = typer.Option(None, "--slots", min=1, max=64, help=SLOTS_HELP),
    glossaries: Optional[list[Path]] = typer.Option(None, "--glossary", "-g", help="Extra glossary files."),
    port: Optional[int] = typer.Option(None, "--port", help="Port for the local Prefect server (default: a free one)."),
    site_dir: Optional[Path] = typer.Option(None, "--site", help="Rebuild the offline site of the output folder "
                                            "here after each run that writes something (as `zh2en site`)."),
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
    if site_dir is not None:
        try:
            check_site_target(out_dir, site_dir)
        except SiteError as exc:
            fail(str(exc), 2)
    settings = settings_from(model_dir, glossaries, backend=backend, api_base=api_base, slots=slots)
    open_context(settings).close()  # a bad glossary or missing model fails now, not at 3 a.m.
    spec = json.dumps({"inbox": str(inbox.resolve()), "out": str(out_dir.resolve()), "cron": cron,
                       "interval": interval, "settings": settings.model_dump(mode="json"),
                       "site": str(site_dir.resolve()) if site_dir else None})
    stop = stop_on_signals()
    try:
        with prefect_server(port) as api_url:
            ui = api_url.removesuffix("/api")
            err.print(f"zh2en: serving deployment 'zh2en-translate/zh2en-inbox' on {ui} "
                      f"(UI: {ui}); inbox {inbox}, output {out_dir}; Ctrl-C stops it", markup=False)
            runner = subprocess.Popen([sys.executable, "-m", "flows.serve_runner", spec], start_new_session=True,
                                      env={**os.environ, "PREFECT_API_URL": api_url}, stderr=subprocess.PIPE,
                                      text=True, errors="replace")
            relay = relay_until(runner.stderr, stop)
            while runner.poll() is None and not stop.wait(0.5):
                pass
            died = None if stop.is_set() else runner.returncode  # it ended by itself: a failure
            end_process_group(runner)
            relay.join(timeout=5)
    except ServerError as exc:
        fail(str(exc))
    finally:
        err.print("zh2en: stopped", markup=False)
    if died is not None:
        fail(f"the deployment's runner stopped on its own (status {died}); nothing more will be translated")


from zh2en import tools  # noqa: E402,F401  (registers bench, eval and tm after the main commands)


def main() -> None:  # console-script entry point
    signal.signal(signal.SIGTERM, terminate)  # `serve` puts its own handler in place
    signal.signal(signal.SIGINT, signal.default_int_handler)  # even if started with SIGINT ignored
    try:
        app()
    except SystemExit as exit_:
        if _typer_swallowed_interrupt(exit_):
            err.print("zh2en: interrupted; files already written are kept", markup=False)
        raise
    except KeyboardInterrupt:
        err.print("zh2en: interrupted; files already written are kept", markup=False)
        sys.exit(130)
    except Terminated:
        err.print("zh2en: terminated; files already written are kept", markup=False)
        sys.exit(143)
    except Exception as exc:  # a user sees one line, never a traceback
        stop = stop_behind(exc)
        if stop is not None:   # a Ctrl-C or SIGTERM a library wrapped on its way out
            err.print(f"zh2en: {'interrupted' if stop is KeyboardInterrupt else 'terminated'}; "
                      f"files already written are kept", markup=False)
            sys.exit(130 if stop is KeyboardInterrupt else 143)
        err.print(f"zh2en: error: {type(exc).__name__}: {exc}", markup=False)
        sys.exit(1)


def _typer_swallowed_interrupt(exit_: SystemExit) -> bool:
    """Typer turns a Ctrl-C its command did not catch into a silent exit 130 (typer.Exit(130) raised
    from the KeyboardInterrupt); our own `typer.Exit(130)` comes after our own message, from None."""
    inner = exit_.__context__
    return exit_.code == 130 and isinstance(getattr(inner, "__cause__", None), KeyboardInterrupt)


if __name__ == "__main__":
    main()
