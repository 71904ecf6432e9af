"""Prefect tasks: thin wrappers over pipeline/ functions. Caching, retries and artifacts live
here; the work does not."""

from __future__ import annotations

import hashlib
from pathlib import Path

from prefect import task
from prefect.artifacts import create_markdown_artifact, create_table_artifact

from flows.runtime import RunConfig, get_translator
from pipeline.backends.base import TransientBackendError
from pipeline.models import Article, Segment
from pipeline.render import artifact_markdown, escape_html
from pipeline.report import write_run_report
from pipeline.runner import RunResult, finish_article, load_articles, write_article
from pipeline.summarize import SUMMARY_PROMPT_VERSION, SummaryResult, english_text, summarize_article


def _segment_cache_key(context, parameters: dict) -> str:
    """Same key as the translation memory: normalised segment text, model sha256, glossary
    version, prompt and retry-logic versions. Prefect's default INPUTS+TASK_SOURCE would miss
    a changed helper or prompt and would serve another model's output."""
    segment: Segment = parameters["segment"]
    return "segment-" + get_translator(parameters["config"]).memory_context.key(segment.source)


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


@task(name="ingest")
def ingest_task(path: str, max_bytes: int) -> tuple[list[Article], list[tuple[str, str]]]:
    result = RunResult()
    return load_articles([Path(path)], result, max_bytes), result.failures


@task(name="translate-segment", cache_key_fn=_segment_cache_key, persist_result=True,
      retries=2, retry_delay_seconds=2, retry_condition_fn=_transient)
def translate_segment_task(segment: Segment, config: RunConfig) -> Segment:
    get_translator(config).translate_segments([segment])
    return segment


def _summary_cache_key(context, parameters: dict) -> str:
    article: Article = parameters["article"]
    translator = get_translator(parameters["config"])
    text, _ = english_text(article)
    payload = "\x1f".join([text, str(article.excerpt), translator.backend.model_sha256,
                           translator.memory_context.glossary_version, SUMMARY_PROMPT_VERSION])
    return "summary-" + hashlib.sha256(payload.encode("utf-8")).hexdigest()


@task(name="summarize-article", cache_key_fn=_summary_cache_key, persist_result=True,
      retries=2, retry_delay_seconds=2, retry_condition_fn=_transient)
def summarize_task(article: Article, config: RunConfig) -> SummaryResult:
    translator = get_translator(config)
    return summarize_article(article, translator.backend.complete, translator.glossary, translator.qa)


@task(name="write-article")
def write_article_task(article: Article, target: str, config: RunConfig) -> tuple[dict, str | None]:
    translator = get_translator(config)
    summary = finish_article(article, translator)
    kept = write_article(article, summary, Path(target), translator.backend.model_id,
                         translator.backend.model_sha256, config.force)
    create_markdown_artifact(artifact_markdown(article, Path(target).name),
                             description=f"zh2en: {escape_html(article.label)}")
    return summary, kept


@task(name="run-report")
def report_task(out_dir: str, summaries: list[dict], failures: list[tuple[str, str]], seconds: float,
                model_id: str, seconds_by_article: dict[str, float]) -> dict:
    report = write_run_report(Path(out_dir), summaries, failures, seconds, model_id)
    rows = [{"article": escape_html(s["article"]), "segments": s["segments"], "flagged": s["flagged"],
             "formula integrity %": s["formula_integrity"], "glossary adherence %": s["glossary_adherence"],
             "seconds": round(seconds_by_article.get(s["article"], 0.0), 1)} for s in summaries]
    if rows:
        create_table_artifact(rows, key="zh2en-qa", description="zh2en: QA of this run's articles")
    if failures:  # the flow run itself completes: its artifacts say what failed, and why
        create_markdown_artifact("\n".join(f"- {escape_html(label)}: {escape_html(reason)}" for label, reason in failures),
                                 key="zh2en-failures", description="zh2en: inputs that failed in this run")
    return report
