"""What every `zh2en` command shares: the Typer app, the two consoles, the one-line failure,
and opening a run's context with clear errors. Importing this module sets Prefect's terminal
settings before Prefect is first imported (flows/prefect_settings.py)."""

from __future__ import annotations

from flows import prefect_settings

prefect_settings.apply(prefect_settings.TERMINAL)

from importlib import resources  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import NoReturn, Optional  # noqa: E402

import typer  # noqa: E402
from pydantic import ValidationError  # noqa: E402

from pipeline.backends import BACKENDS  # noqa: E402
from pipeline.context import Progress, RunContext  # noqa: E402
from pipeline.glossary import GlossaryError  # noqa: E402
from pipeline.store.memory import TranslationMemory  # noqa: E402
from pipeline.backends.model_store import ModelUnavailable  # noqa: E402
from pipeline.backends.openai_server import ServerUnavailable  # noqa: E402
from pipeline.settings import Settings  # noqa: E402
from zh2en.terminal import PlainConsole  # noqa: E402

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="Offline Chinese→English translation of technical articles, formulas intact.")
err = PlainConsole(one_line=True, stderr=True)
out = PlainConsole(one_line=False)


@app.callback()
def _group() -> None:
    """Offline Chinese→English translation of technical articles, formulas intact."""


def sample_page() -> Path:
    return Path(str(resources.files("zh2en") / "samples" / "kexue-listing-page.txt"))


def fail(message: str, code: int = 1) -> NoReturn:
    err.print(f"zh2en: error: {message}", markup=False)
    raise typer.Exit(code)


def settings_from(model_dir: Optional[Path] = None, glossaries: Optional[list[Path]] = None, **given) -> Settings:
    """The run's settings: an option the user gave, else its ZH2EN_* variable, else the default.
    An option left out arrives as None and is not passed, so the environment can speak; a value
    that does not fit (ZH2EN_SLOTS=many) is one line naming the option and the variable."""
    fields = {name: value for name, value in given.items() if value is not None}
    if model_dir is not None:
        fields["model_path"] = str(model_dir)
    if glossaries:
        fields["glossaries"] = tuple(str(g) for g in glossaries)
    try:
        return Settings(**fields)
    except ValidationError as exc:
        problem = exc.errors()[0]
        path = [str(part) for part in problem["loc"]]
        options = {"model_path": "--model", "glossaries": "--glossary"}
        where = options.get(path[0], "--" + path[0].replace("_", "-")) if path and path[0] in fields else \
            "ZH2EN_" + "__".join(path).upper()
        fail(f"setting {'.'.join(path)} ({where}): {problem['msg']}", 2)


def check_backend(name: str) -> None:
    if name not in BACKENDS:  # before any work: a typo should not cost a model load
        fail(f"unknown backend {name!r}; choose one of {', '.join(BACKENDS)}", 2)


def open_context(settings: Settings, progress: Optional[Progress] = None, backend=None) -> RunContext:
    """The run's context; a bad glossary or a missing model ends the command with one line."""
    check_backend(settings.backend)
    try:
        ctx = RunContext(settings, progress, backend)
    except ServerUnavailable as exc:   # the named server: exit 2, like a wrong option
        fail(str(exc), 2)
    except (GlossaryError, ModelUnavailable) as exc:
        fail(str(exc))
    memory_notice(ctx.memory)
    return ctx


def close_context(ctx) -> None:
    """Close a run's model and memory; say so if the memory could not store everything."""
    note = ctx.close()
    if note:
        err.print(f"zh2en: notice: {note}", markup=False)


def memory_notice(memory: TranslationMemory | None) -> None:
    if memory is not None and memory.notice:
        err.print(f"zh2en: notice: {memory.notice}", markup=False)


def print_failures(failures: list[tuple[str, str]]) -> None:
    for label, reason in failures:
        err.print(f"zh2en: error: {reason if reason.startswith(label) else f'{label}: {reason}'}", markup=False)
