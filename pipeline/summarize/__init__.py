"""English summaries: key sentences chosen (select), condensed by the model, each sentence held
to the article sentences it came from (support)."""

from pipeline.summarize.summary import SUMMARY_PROMPT_VERSION, SummaryResult, english_text, summarize_article

__all__ = ["SUMMARY_PROMPT_VERSION", "SummaryResult", "english_text", "summarize_article"]
