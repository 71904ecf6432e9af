"""The measuring, memory and publishing commands: `zh2en bench`, `zh2en eval`,
`zh2en tm export|import`, `zh2en site`."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.progress import MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from pipeline.backends import BACKENDS, create_backend
from pipeline.measure.evaluate import evaluate_baseline, evaluate_pipeline, format_table, read_parallel
from pipeline.output.site import SiteError, build_site
from pipeline.store.memory import TranslationMemory
from pipeline.backends.model_store import ModelUnavailable
from pipeline.backends.openai_server import ServerUnavailable
from pipeline.settings import Settings
from pipeline.summarize.summary import SYSTEM as SUMMARY_SYSTEM
from pipeline.store.tmx import TMXError, export_tmx, import_tmx
from zh2en.common import (app, check_backend, close_context, err, fail, memory_notice, open_context, out,
                          sample_page, settings_from)


def _load_backend(name: str, model_dir: Optional[Path], settings: Settings, summary_prompt: Optional[str] = None):
    """A model loaded now (bench and eval measure it, so it must not load lazily mid-run)."""
    check_backend(name)
    try:
        server = {"api_base": settings.api_base, "timeout": settings.request_timeout} if name == "openai" else {}
        return create_backend(name, model_path=model_dir, slots=settings.slots,
                              prompt_state_dir=settings.prompt_state_dir, summary_prompt=summary_prompt, **server)
    except ModelUnavailable as exc:   # a server named by --api-base that cannot be used: exit 2, as translate
        fail(str(exc), 2 if isinstance(exc, ServerUnavailable) else 1)


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
    api_base: Optional[str] = typer.Option(None, "--api-base", help="Measure an OpenAI-compatible server instead: "
                                           "the pipeline through it at each --server-slots, and through --model "
                                           "(the same model's GGUF) in this process."),
    served_model: Optional[str] = typer.Option(None, "--served-model", help="The model's name on that server."),
    server_slots: str = typer.Option("1,2,4,8", "--server-slots", help="Requests in flight to measure the server at."),
) -> None:
    """Measure throughput: naive loop vs the pipeline cold and warm, against the compute floor."""
    from pipeline.measure.bench import BenchError, format_bench, run_bench
    from pipeline.ingest.reader import IngestError, read_path

    if api_base is not None:
        return _bench_server(input_path, limit, as_json, model_dir, slots, api_base, served_model, server_slots)

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
    settings = Settings(model_path=str(model_dir) if model_dir else None, slots=slots)
    open_context(settings).close()   # the glossary checked before the model loads
    backend = _load_backend("llama", model_dir, settings, SUMMARY_SYSTEM)   # slots as `zh2en translate` has them
    try:
        extra = {"input_path": input_path or sample_page(),
                 "paragraph": sample_page().with_name("one-paragraph.txt"),
                 "model_args": ("--model", str(model_dir)) if model_dir else ()} if new_process else {}
        report = run_bench(backend, articles, settings, limit, sizes, **extra)
    except BenchError as exc:
        fail(str(exc))
    finally:
        backend.close()
    _print_report(report, as_json, format_bench)


def _print_report(report: dict, as_json: bool, as_table) -> None:
    if as_json:
        out.print_json(data=report)
    else:
        out.print(as_table(report), markup=False)


def _bench_server(input_path, limit, as_json, model_dir, slots, api_base, served_model, server_slots) -> None:
    from pipeline.ingest.reader import IngestError, read_path
    from pipeline.measure.bench import BenchError
    from pipeline.measure.server_bench import format_server_bench, run_server_bench

    try:
        counts = tuple(int(n) for n in server_slots.split(","))
    except ValueError:
        fail(f"--server-slots takes numbers separated by commas, e.g. 1,2,4,8; got {server_slots!r}", 2)
    try:
        articles = read_path(input_path or sample_page())[:limit]
    except IngestError as exc:
        fail(str(exc))
    settings = Settings(model_path=str(model_dir) if model_dir else None, slots=slots)
    in_process = _load_backend("llama", model_dir, settings)
    try:
        report = run_server_bench(articles, settings, api_base, served_model, in_process, counts)
    except ServerUnavailable as exc:
        fail(str(exc), 2)
    except BenchError as exc:
        fail(str(exc))
    finally:
        in_process.close()
    _print_report(report, as_json, format_server_bench)


@app.command()
def learn(paths: list[Path] = typer.Argument(..., help="Output folders or bilingual files a reviewer edited."),
          proposals: Optional[Path] = typer.Option(None, "--proposals", help="Glossary file (TSV) for the terms the "
                                                   "reviewer rendered otherwise; default: glossary-proposals.tsv in "
                                                   "the state folder. Never applied: pass it with --glossary.")) -> None:
    """Keep a reviewer's edits of written bilingual files: used for those passages from then on."""
    from pipeline.learn import learn_paths, write_proposals

    missing = [p for p in paths if not p.exists()]
    if missing:
        fail(f"{missing[0]}: no such file or folder")
    settings = settings_from()
    memory = TranslationMemory(settings.memory_path)
    memory_notice(memory)
    try:
        results = learn_paths(paths, memory)
    finally:
        note = memory.close()
    for result in results:
        if result.passages:
            out.print(f"{result.file}: {result.passages} passage(s) learned", markup=False)
        for problem in result.problems:
            err.print(f"zh2en: {problem}", markup=False)
    if note:
        err.print(f"zh2en: notice: {note}", markup=False)
    proposed = [(zh, en, old, r.file.name) for r in results for zh, en, old in r.proposals]
    if proposed:
        target = proposals or settings.state_dir / "glossary-proposals.tsv"
        for zh, en, old, file in proposed:
            err.print(f"zh2en: glossary proposal: {zh} = {en} (reviewed in {file}; the glossary says {old})", markup=False)
        err.print(f"zh2en: {write_proposals(target, proposed)} new proposal(s) in {target}; "
                  f"use them with --glossary {target}", markup=False)
    learned = sum(r.passages for r in results)
    err.print(f"zh2en: learned {learned} reviewed passage(s) from {len(results)} article(s); "
              f"{sum(len(r.problems) for r in results)} not learned", markup=False)
    if not results:
        fail("no written articles found (learn reads <slug>.md with its <slug>.qa.json)")


@app.command()
def review(paths: list[Path] = typer.Argument(..., help="Output folders or qa.json files."),
           limit: int = typer.Option(20, "--limit", min=1, help="How many passages to list.")) -> None:
    """List the passages to review first, riskiest first, with file and line."""
    from pipeline.review import passages_to_review

    missing = [p for p in paths if not p.exists()]
    if missing:
        fail(f"{missing[0]}: no such file or folder")
    passages = passages_to_review(paths)
    for passage in passages[:limit]:
        out.print(passage.line_text(), markup=False)
    flagged = sum(1 for p in passages if p.flags)
    err.print(f"zh2en: {len(passages)} passage(s) not yet reviewed, {flagged} with warnings; "
              f"listed the first {min(limit, len(passages))}", markup=False)


tm_app = typer.Typer(help="The translation memory: export to / import from TMX 1.4b.", no_args_is_help=True)
app.add_typer(tm_app, name="tm")


@tm_app.command("export")
def tm_export(tmx: Path = typer.Option(..., "--tmx", help="TMX file to write.")) -> None:
    """Write every segment of the translation memory as TMX (zh-CN -> en)."""
    memory = TranslationMemory(Settings().memory_path)
    memory_notice(memory)
    if not tmx.parent.is_dir():
        fail(f"{tmx}: folder {tmx.parent} does not exist")
    n = export_tmx(memory, tmx)
    err.print(f"zh2en: exported {n} segment(s) to {tmx}", markup=False)


@tm_app.command("import")
def tm_import(
    tmx: Path = typer.Argument(..., help="TMX file to read."),
    backend: Optional[str] = typer.Option(None, "--backend", help="Model the units are filed under if the file has "
                                                                  "no zh2en properties. Default llama."),
    model_dir: Optional[Path] = typer.Option(None, "--model-dir", "--model", help="As for translate."),
) -> None:
    """Add a TMX file's units to the translation memory (validated first; a bad file adds nothing)."""
    if not tmx.is_file():
        fail(f"{tmx}: no such file")
    ctx = open_context(settings_from(model_dir, backend=backend))
    try:
        with Progress(TextColumn("{task.description}"), MofNCompleteColumn(), TimeElapsedColumn(), console=err,
                      transient=True, disable=not err.is_terminal) as progress:
            bar = progress.add_task("reading units", total=None)
            n = import_tmx(ctx.memory, tmx, ctx.translator.memory_context,
                           lambda done: progress.update(bar, completed=done))
    except TMXError as exc:
        fail(str(exc))
    finally:
        close_context(ctx)
    err.print(f"zh2en: imported {n} segment(s) from {tmx}", markup=False)


@app.command("eval")
def eval_command(
    src: Path = typer.Option(..., "--src", help="Chinese source, one segment per line."),
    ref: Path = typer.Option(..., "--ref", help="English reference, line by line with --src."),
    limit: Optional[int] = typer.Option(None, "--limit", min=1, help="Only the first N lines."),
    baseline: bool = typer.Option(False, "--baseline", help="Also score the same model with a plain prompt."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
    backend: Optional[str] = typer.Option(None, "--backend", help=f"Model backend: {' | '.join(BACKENDS)}. Default llama."),
    model_dir: Optional[Path] = typer.Option(None, "--model-dir", "--model", help="As for translate."),
    api_base: Optional[str] = typer.Option(None, "--api-base",
                                           help="openai backend: the server's address, as for translate."),
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
    # Scored as the model answers now: nothing reused from the memory, no summaries.
    settings = settings_from(model_dir, glossaries, backend=backend, api_base=api_base, use_memory=False,
                             summaries=False)
    open_context(settings).close()   # the glossary checked before the model loads
    model = _load_backend(settings.backend, Path(settings.model_path) if settings.model_path else None, settings)
    ctx = open_context(settings, backend=model)
    try:
        results = [evaluate_pipeline(lines, refs, ctx)]
        if baseline:
            results.append(evaluate_baseline(lines, refs, model))
    finally:
        close_context(ctx)
    if as_json:
        out.print_json(data={"src": str(src), "ref": str(ref), "lines": len(lines), "model": model.model_id,
                             "systems": [r.as_dict() for r in results]})
    else:
        out.print(format_table(results, f"{src.name}: {len(lines)} lines, model {model.model_id}"), markup=False)


@app.command()
def site(
    out_dir: Path = typer.Argument(..., help="An output folder of `zh2en translate`."),
    site_dir: Optional[Path] = typer.Option(None, "-o", "--site", help="Where to build it (default: DIR/site)."),
) -> None:
    """Build an offline website of an output folder: an index, every article in both layouts, search."""
    if not out_dir.is_dir():
        fail(f"{out_dir}: no such folder")
    target = site_dir or out_dir / "site"
    try:
        report = build_site(out_dir, target)
    except SiteError as exc:
        fail(str(exc))
    for notice in report.skipped:
        err.print(f"zh2en: notice: {notice}", markup=False)
    out.print(str(target / "index.html"), markup=False)
    err.print(f"zh2en: site of {len(report.pages)} article(s) built in {report.seconds:.1f} s; open "
              f"{target / 'index.html'} (for search, serve the folder: python -m http.server -d {target})",
              markup=False)
