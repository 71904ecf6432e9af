"""A reviewer fixes the English once (#33): `zh2en learn` keeps the fix in the memory as reviewed,
the next article with that passage gets it (by any model), and an edit that loses a formula or
leaves Chinese is named and not learned."""

import json
import os
import subprocess
import sys
from pathlib import Path

from copying_backend import CopyingBackend, context_over

from pipeline.ingest.reader import parse_text
from pipeline.learn import learn_paths
from pipeline.output.render import english_chunks_of, split_front_matter
from pipeline.stages import LocalRunner, RunResult, run_articles
from pipeline.store.memory import TranslationMemory

FIRST = ("# 优化\n\n梯度下降沿着负梯度方向更新参数$\\theta$。\n\n"
         "- 学习率决定步长。它不能太大。\n\n第三段没有公式。\n")
SECOND = "# 另一篇\n\n梯度下降沿着负梯度方向更新参数$\\theta$。\n\n这一段是新的。\n"
REVIEWED = "Gradient descent updates the parameters $\\theta$ along the negative gradient."


def _translate(text: str, name: str, state: Path, out: Path):
    out.mkdir(parents=True, exist_ok=True)
    [article] = parse_text(text, out.parent / name)
    ctx = context_over(CopyingBackend(), use_memory=True, state_dir=state)
    try:
        [done] = list(run_articles([article], ctx, LocalRunner(ctx), RunResult(), out))
    finally:
        ctx.close()
    return done, next(out.glob("*.qa.json"))


def _edit(qa_file: Path, replace: dict[int, str]) -> Path:
    """Replace the n-th English chunk (0: the title) of the bilingual file."""
    target = qa_file.with_name(json.loads(qa_file.read_text(encoding="utf-8"))["file"])
    text = target.read_text(encoding="utf-8")
    _, body = split_front_matter(text)
    chunks = english_chunks_of(body)
    for n, new in replace.items():
        assert chunks[n] in text
        text = text.replace(chunks[n], new, 1)
    target.write_text(text, encoding="utf-8")
    return target


def test_an_edited_passage_is_learned_and_served_to_the_next_article(tmp_path):
    state = tmp_path / "state"
    _, qa_file = _translate(FIRST, "first.md", state, tmp_path / "out1")
    _edit(qa_file, {1: REVIEWED,                                          # a good edit
                    2: "- The learning rate sets the step. It must not be too large.",  # list item, 2 sentences
                    3: "第三段 still in Chinese."})                        # not learnable
    memory = TranslationMemory(state / "memory.sqlite")
    [result] = learn_paths([tmp_path / "out1"], memory)
    assert result.passages == 2, result
    assert len(result.problems) == 1 and "still holds Chinese" in result.problems[0] and "第三段没有公式" in result.problems[0]
    assert memory.get_reviewed("梯度下降沿着负梯度方向更新参数$\\theta$。") == REVIEWED
    assert memory.get_reviewed("学习率决定步长。它不能太大。") == "The learning rate sets the step. It must not be too large."
    memory.close()

    done, qa_file = _translate(SECOND, "second.md", state, tmp_path / "out2")
    [shared] = [s for s in done.article.segments if s.source.startswith("梯度下降")]
    assert shared.translation == REVIEWED and shared.reviewed and shared.requests == 0 and not shared.flags
    details = json.loads(qa_file.read_text(encoding="utf-8"))["segments_detail"]
    assert [d["reviewed"] for d in details if d["source"].startswith("梯度下降")] == [True]
    assert REVIEWED in qa_file.with_name(json.loads(qa_file.read_text(encoding="utf-8"))["file"]).read_text(encoding="utf-8")


def test_an_edit_that_loses_a_formula_is_named_and_not_learned(tmp_path):
    state = tmp_path / "state"
    _, qa_file = _translate(FIRST, "first.md", state, tmp_path / "out")
    _edit(qa_file, {1: "Gradient descent updates the parameters along the negative gradient."})
    memory = TranslationMemory(state / "memory.sqlite")
    [result] = learn_paths([qa_file], memory)
    assert result.passages == 0 and "not there byte for byte: '$\\\\theta$'" in result.problems[0]
    assert memory.get_reviewed("梯度下降沿着负梯度方向更新参数$\\theta$。") is None
    assert learn_paths([tmp_path / "out"], memory)[0].problems   # learning again says it again
    memory.close()


def test_an_unedited_file_teaches_nothing_and_the_command_says_what_it_did(tmp_path):
    state = tmp_path / "state"
    _, qa_file = _translate(FIRST, "first.md", state, tmp_path / "out")
    memory = TranslationMemory(state / "memory.sqlite")
    assert learn_paths([tmp_path / "out"], memory)[0].passages == 0 and not memory.reviewed_entries()
    memory.close()
    _edit(qa_file, {1: REVIEWED})
    env = {**os.environ, "ZH2EN_STATE_DIR": str(state)}
    proc = subprocess.run([sys.executable, "-m", "zh2en", "learn", str(tmp_path / "out")], capture_output=True,
                          text=True, timeout=120, env=env)
    assert proc.returncode == 0, proc.stderr
    assert "1 passage(s) learned" in proc.stdout
    assert proc.stderr.strip().splitlines()[-1] == "zh2en: learned 1 reviewed passage(s) from 1 article(s); 0 not learned"
    proc = subprocess.run([sys.executable, "-m", "zh2en", "learn", str(tmp_path / "nothing-here")],
                          capture_output=True, text=True, timeout=120, env=env)
    assert proc.returncode == 1 and "no such file or folder" in proc.stderr and "Traceback" not in proc.stderr


def test_a_reviewed_passage_goes_out_and_comes_back_through_tmx_with_its_status(tmp_path):
    from lxml import etree

    from pipeline.store.memory import MemoryContext
    from pipeline.store.tmx import export_tmx, import_tmx

    state = tmp_path / "state"
    _, qa_file = _translate(FIRST, "first.md", state, tmp_path / "out")
    _edit(qa_file, {1: REVIEWED})
    memory = TranslationMemory(state / "memory.sqlite")
    learn_paths([tmp_path / "out"], memory)
    n = export_tmx(memory, tmp_path / "m.tmx")
    memory.close()
    [unit] = [tu for tu in etree.parse(str(tmp_path / "m.tmx")).iter("tu")
              if tu.findtext("prop[@type='x-zh2en-status']") == "reviewed"]
    assert unit.findtext("tuv[2]/seg") == REVIEWED and len(unit.get("changedate")) == 16
    assert unit.findtext("prop[@type='x-zh2en-origin']") == qa_file.name.replace(".qa.json", ".md")
    fresh = TranslationMemory(tmp_path / "fresh.sqlite")   # another machine, another model
    assert import_tmx(fresh, tmp_path / "m.tmx", MemoryContext("f" * 64, "g", "p")) == n
    assert fresh.get_reviewed("梯度下降沿着负梯度方向更新参数$\\theta$。") == REVIEWED
    [(_, _, origin, when)] = fresh.reviewed_entries()
    assert origin.endswith(".md") and when.startswith("20")
    fresh.close()
