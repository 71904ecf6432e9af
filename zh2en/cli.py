"""The `zh2en` command line."""

from __future__ import annotations

import sys
from importlib import resources
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from pipeline.backends import BACKENDS, create_backend
from pipeline.glossary import Glossary, GlossaryError
from pipeline.model_store import ModelUnavailable
from pipeline.report import aggregate
from pipeline.runner import RunResult, load_articles, translate_articles
from pipeline.segmenting import DEFAULT_MAX_CHARS
from pipeline.translate import Translator

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="Offline Chinese→English translation of technical articles, formulas intact.")
err = Console(stderr=True, highlight=False, soft_wrap=True)
out = Console(highlight=False, soft_wrap=True)


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
) -> None:
    """Translate articles into bilingual markdown files, one per article."""
    if backend not in BACKENDS:
        fail(f"unknown backend {backend!r}; choose one of {', '.join(BACKENDS)}", 2)
    inputs = list(paths) if paths else [sample_page()]
    missing = [p for p in inputs if not p.exists()]
    for p in missing:
        err.print(f"zh2en: error: {p}: no such file or folder", markup=False)
    inputs = [p for p in inputs if p.exists()]
    if not inputs:
        raise typer.Exit(1)
    try:
        glossary = Glossary.default(glossaries or []) if use_glossary else None
    except GlossaryError as exc:
        fail(str(exc))
    result = RunResult()
    articles = load_articles(inputs, result)
    if articles:
        try:
            model = create_backend(backend, model_path=model_dir)
        except ModelUnavailable as exc:
            fail(str(exc))
        try:
            _run_with_progress(articles, output, Translator(model, max_chars, glossary), result)
        finally:
            model.close()
    for path in result.written:
        out.print(str(path), markup=False)
    for label, flag in result.flagged:
        err.print(f"zh2en: flagged: {label}: {flag}", markup=False)
    for label, reason in result.failures:
        err.print(f"zh2en: error: {reason if reason.startswith(label) else f'{label}: {reason}'}", markup=False)
    totals = aggregate(result.summaries)
    err.print(f"zh2en: wrote {len(result.written)} file(s) to {output}/ in {result.seconds:.1f} s: "
              f"formulas intact {totals['formula_integrity']}% of {totals['formula_spans']}, "
              f"glossary {totals['glossary_adherence']}% of {totals['glossary_terms']}, "
              f"{totals['residue_segments']} segment(s) with Chinese left, "
              f"{totals['flagged_segments']} flagged, {len(result.failures)} failure(s)", markup=False)
    if result.failures or missing:
        raise typer.Exit(1)


def _run_with_progress(articles, output, translator, result) -> None:
    model = translator.backend
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=err, transient=True, disable=not err.is_terminal) as progress:
        task = progress.add_task("translating", total=len(articles))
        translate_articles(articles, output, model, translator,
                           on_article=lambda article, target: progress.advance(task), result=result)


def main() -> None:  # console-script entry point
    try:
        app()
    except KeyboardInterrupt:
        err.print("zh2en: interrupted", markup=False)
        sys.exit(130)
    except Exception as exc:  # a user sees one line, never a traceback
        err.print(f"zh2en: error: {type(exc).__name__}: {exc}", markup=False)
        sys.exit(1)


if __name__ == "__main__":
    main()
