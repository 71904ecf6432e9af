"""Prefect tasks: thin wrappers over the stages in pipeline/stages.py, and `PrefectRunner`, which
runs a flow's stages as these tasks. Retries and artifacts live here; the work does not.

No task result is cached or persisted by Prefect: the translation memory is the one store of
finished work (`--no-memory` then means nothing is reused)."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from prefect import task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NONE

from pipeline.backends.base import TransientBackendError
from pipeline.context import RunContext
from pipeline.document import Article, Segment
from pipeline.checks.qa import percentages
from pipeline.output.render import artifact_markdown, escape_html
from pipeline.output.report import write_run_report
from pipeline.output.site import build_site
from pipeline.stages import ingest_file, look_up_terms, summarize_with_memory, write_stage
from pipeline.summarize import SummaryResult


def _transient(task, task_run, state) -> bool:
    """Retry only what may pass on a second try (the model server hiccuped); bad input and a
    missing model fail at once."""
    try:
        state.result()
    except TransientBackendError:
        return True
    except Exception:
        return False
    return False


_MODEL_TASK = dict(cache_policy=NONE, persist_result=False, retries=2, retry_delay_seconds=2,
                   retry_condition_fn=_transient)


@task(name="ingest", cache_policy=NONE, persist_result=False)
def ingest_task(path: str, ctx: RunContext) -> tuple[list[Article], list[tuple[str, str]]]:
    return ingest_file(Path(path), ctx)


@task(name="translate-segment", **_MODEL_TASK)
def translate_segment_task(segment: Segment, ctx: RunContext) -> Segment:
    ctx.translator.translate_segments([segment])
    return segment


@task(name="look-up-terms", **_MODEL_TASK)
def look_up_terms_task(pairs: list[tuple[str, str]], ctx: RunContext) -> tuple[list[str], int]:
    return look_up_terms(pairs, ctx)


@task(name="summarize-article", **_MODEL_TASK)
def summarize_task(article: Article, ctx: RunContext) -> SummaryResult:
    return summarize_with_memory(article, ctx)


@task(name="write-article", cache_policy=NONE, persist_result=False)
def write_article_task(article: Article, qa: dict, target: str, ctx: RunContext) -> tuple[dict, str | None]:
    outcome = write_stage(article, qa, Path(target), ctx)
    create_markdown_artifact(artifact_markdown(article, Path(target).name),
                             description=f"zh2en: {escape_html(article.label)}")
    return outcome


class PrefectRunner:
    """The stages of pipeline/stages.py as Prefect tasks: every segment a task submitted at
    once (the task runner keeps the model's slots busy), the rest one task per article."""

    def __init__(self, ctx: RunContext):
        self.ctx = ctx

    def ingest(self, file: Path) -> tuple[list[Article], list[tuple[str, str]]]:
        return ingest_task(str(file), self.ctx)

    def translate(self, segment: Segment) -> Callable[[], Segment]:
        return translate_segment_task.submit(segment, self.ctx).result

    def look_up_terms(self, pairs: list[tuple[str, str]]) -> tuple[list[str], int]:
        return look_up_terms_task(pairs, self.ctx)

    def summarize(self, article: Article) -> SummaryResult:
        return summarize_task(article, self.ctx)

    def write(self, article: Article, qa: dict, target: Path) -> tuple[dict, str | None]:
        return write_article_task(article, qa, str(target), self.ctx)


@task(name="run-report", cache_policy=NONE, persist_result=False)
def report_task(out_dir: str, article_qa: list[dict], failures: list[tuple[str, str]], seconds: float,
                model_id: str, seconds_by_article: dict[str, float]) -> dict:
    report = write_run_report(Path(out_dir), article_qa, failures, seconds, model_id)
    rows = [{"article": escape_html(s["article"]), "segments": s["segments"], "flagged": s["flagged"],
             "formula integrity %": s["formula_integrity"], "glossary adherence %": s["glossary_adherence"],
             "seconds": round(seconds_by_article.get(s["article"], 0.0), 1)} for s in map(percentages, article_qa)]
    if rows:
        create_table_artifact(rows, key="zh2en-qa", description="zh2en: QA of this run's articles")
    if failures:  # the flow run itself completes: its artifacts say what failed, and why
        create_markdown_artifact("\n".join(f"- {escape_html(label)}: {escape_html(reason)}" for label, reason in failures),
                                 key="zh2en-failures", description="zh2en: inputs that failed in this run")
    return report


@task(name="site", cache_policy=NONE, persist_result=False)
def site_task(out_dir: str, site_dir: str) -> list[str]:
    """Rebuild the offline site of the output folder (`zh2en serve --site`); what it left out."""
    return build_site(Path(out_dir), Path(site_dir)).skipped
