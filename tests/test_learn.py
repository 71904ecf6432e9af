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
from pipeline.output.chunks import english_chunks_of
from pipeline.output.render import split_front_matter
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
    assert result.passages == 0 and "not there as written: '$\\\\theta$'" in result.problems[0]
    assert memory.get_reviewed("梯度下降沿着负梯度方向更新参数$\\theta$。") is None
    assert not learn_paths([tmp_path / "out"], memory)[0].problems   # a file once learned: not again until it changes
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


def test_translate_learns_the_edits_in_its_output_folder_first(tiny_model_dir, tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    env["ZH2EN_STATE_DIR"] = str(tmp_path / "state")
    (tmp_path / "first.md").write_text(FIRST, encoding="utf-8")
    (tmp_path / "second.md").write_text(SECOND, encoding="utf-8")

    def translate(name):
        return subprocess.run([sys.executable, "-m", "zh2en", "translate", str(tmp_path / name), "--backend", "marian",
                               "--model", str(tiny_model_dir), "--no-summary", "-o", str(tmp_path / "out")],
                              capture_output=True, text=True, timeout=300, env=env)

    assert translate("first.md").returncode == 0
    [qa_file] = (tmp_path / "out").glob("*.qa.json")
    _edit(qa_file, {1: REVIEWED})
    proc = translate("second.md")
    assert proc.returncode == 0, proc.stderr
    assert f"zh2en: notice: learned 1 reviewed passage(s) from edited files in {tmp_path / 'out'}" in proc.stderr
    [second] = [p for p in (tmp_path / "out").glob("*.qa.json") if p != qa_file]
    details = json.loads(second.read_text(encoding="utf-8"))["segments_detail"]
    assert [d["translation"] for d in details if d["reviewed"]] == [REVIEWED]


def test_review_lists_the_riskiest_passages_first_with_file_and_line(tmp_path):
    from pipeline.checks.qa import STILL_CHINESE
    from pipeline.review import passages_to_review

    doc = tmp_path / "post.md"
    doc.write_text("---\ntitle_zh: x\n---\n\n<!-- en -->\n# Title\n\n<!-- zh -->\n标题\n\n"
                   + "".join(f"<!-- zh -->\n第{n}段。\n\n<!-- en -->\nPart {n}.\n\n" for n in range(1, 6)), encoding="utf-8")
    passages = [  # (flags, confidence, reviewed)
        ([], {"mean": 0.9, "min": 0.6, "surprise": 0.5}, False),
        (["“第2段。”: a number differs from the original"], {"mean": 0.9, "min": 0.5, "surprise": 1.0}, False),
        ([STILL_CHINESE], None, False),
        ([], {"mean": 0.8, "min": 0.3, "surprise": 7.5}, False),
        (["“第5段。”: Chinese is left in the English"], None, True),   # reviewed: not listed
    ]
    details = [{"index": 1, "source": "标题", "translation": "Title", "flags": [], "confidence": None, "reviewed": False}]
    details += [{"index": n + 1, "source": f"第{n}段。", "translation": f"Part {n}.", "flags": flags,
                 "confidence": conf, "reviewed": reviewed} for n, (flags, conf, reviewed) in enumerate(passages, 1)]
    chunks = [{"passages": [d["index"]], "prefix": "", "en": d["translation"]} for d in details]
    (tmp_path / "post.qa.json").write_text(json.dumps({"file": "post.md", "segments_detail": details,
                                                       "english_chunks": chunks}), encoding="utf-8")
    ranked = passages_to_review([tmp_path])
    assert [p.source for p in ranked] == ["第3段。", "第2段。", "第4段。", "第1段。", "标题"]
    lines = doc.read_text(encoding="utf-8").splitlines()
    assert all(lines[p.line - 1] == f"Part {p.source[1]}." for p in ranked[:4])
    assert ranked[1].line_text().endswith("post.md:" + str(ranked[1].line) + ": “第2段。”: a number differs from the original")
    assert "surprise 7.5" in ranked[2].line_text()


def test_a_term_the_reviewer_rendered_otherwise_is_proposed_never_applied(tmp_path):
    from pipeline.learn import term_proposals, write_proposals

    passage = {"source": "学习率决定步长。", "translation": "The learning rate decides the step.",
               "terms": [["学习率", "learning rate"], ["步长", "step"]]}
    assert term_proposals(passage, "The step size decides the step.") == [("学习率", "step size", "learning rate")]
    assert term_proposals(passage, "The learning rate sets the step.") == []        # the term kept
    assert term_proposals(passage, "It decides the step.") == []                     # dropped, nothing to propose
    target = tmp_path / "proposals.tsv"
    assert write_proposals(target, [("学习率", "step size", "learning rate", "a.md")]) == 1
    assert write_proposals(target, [("学习率", "step size", "learning rate", "b.md")]) == 0   # once
    assert target.read_text(encoding="utf-8") == "学习率\tstep size\treviewed in a.md (the glossary says: learning rate)\n"
    from pipeline.glossary import read_terms

    [term] = read_terms(target)   # a glossary file as it stands, for --glossary
    assert (term.zh, term.en) == ("学习率", "step size")


def test_an_edited_paragraph_of_several_passages_is_cut_where_the_machine_english_passed_between_them():
    from pipeline.learn import _cut

    passages = [{"source": "一二三。四五，", "translation": "One two three. Four five,"},
                {"source": "六$x$七。八。", "translation": "six $x$ seven. Eight."}]
    machine = "One two three. Four five, six $x$ seven. Eight."
    edited = "One, two and three. Four five, then six $x$ seven! Eight, nine."
    assert _cut(edited, passages, machine) == ["One, two and three. Four five,", "then six $x$ seven! Eight, nine."]
    assert _cut("One two three. Four five, six $x$ seven. Eight.", passages, machine) == \
        ["One two three. Four five,", "six $x$ seven. Eight."]   # unchanged: cut where it was
    assert _cut("Something else entirely.", passages, machine) is None   # nothing to carry the cut over


class TermBackend(CopyingBackend):
    """Answers the shared sentence with the glossary's term, the rest as the copying backend."""

    SENTENCE = "学习率决定了每一步走多远。"

    def translate(self, batch):
        from pipeline.backends.base import Reply

        return [Reply("The learning rate decides how far each step goes.") if r.text.strip() == self.SENTENCE
                else reply for r, reply in zip(batch, super().translate(batch))]


def test_the_whole_loop_edit_learn_reuse_propose_export_and_mark(tmp_path):
    """#33's "done when": a fixture article's English edited, learned; a new article sharing the
    sentence and its term gets the reviewer's English, the term is proposed, the TMX holds the
    reviewed unit with its status, the site marks the paragraph."""
    from lxml import etree

    from pipeline.output.site import build_site
    from pipeline.store.tmx import export_tmx

    state = tmp_path / "state"

    def translate(text, name, out):
        out.mkdir(parents=True, exist_ok=True)
        [article] = parse_text(text, tmp_path / name)
        ctx = context_over(TermBackend(), use_memory=True, use_glossary=True, state_dir=state)
        try:
            [done] = list(run_articles([article], ctx, LocalRunner(ctx), RunResult(), out))
        finally:
            ctx.close()
        return done

    first = translate(f"# 步长\n\n{TermBackend.SENTENCE}\n\n另一段。\n", "a.md", tmp_path / "out")
    assert "learning rate" in first.article.blocks[0].segments[0].translation
    qa_file = next((tmp_path / "out").glob("*.qa.json"))
    _edit(qa_file, {1: "The step size decides how far each step goes."})
    memory = TranslationMemory(state / "memory.sqlite")
    [result] = learn_paths([tmp_path / "out"], memory)
    assert result.passages == 1 and result.proposals == [("学习率", "step size", "learning rate")]
    memory.close()

    second = translate(f"# 新文章\n\n{TermBackend.SENTENCE}\n\n新的一段。\n", "b.md", tmp_path / "out")
    [shared] = [s for s in second.article.segments if s.source == TermBackend.SENTENCE]
    assert shared.reviewed and shared.translation == "The step size decides how far each step goes."

    memory = TranslationMemory(state / "memory.sqlite")
    export_tmx(memory, tmp_path / "m.tmx")
    memory.close()
    units = [tu for tu in etree.parse(str(tmp_path / "m.tmx")).iter("tu")
             if tu.findtext("prop[@type='x-zh2en-status']") == "reviewed"]
    assert [tu.findtext("tuv[1]/seg") for tu in units] == [TermBackend.SENTENCE]

    site = build_site(tmp_path / "out", tmp_path / "site")
    page = next(p for p in site.pages if p.title_zh == "新文章")
    assert "reviewed" in page.markers
    assert 'class="zh2en-en zh2en-reviewed"' in (tmp_path / "site" / f"{page.slug}.html").read_text(encoding="utf-8")


def _learn(tmp_path, text, edits, name="a.md"):
    state = tmp_path / "state"
    _, qa_file = _translate(text, name, state, tmp_path / "out")
    target = _edit(qa_file, edits) if isinstance(edits, dict) else edits(qa_file)
    memory = TranslationMemory(state / "memory.sqlite")
    [result] = learn_paths([tmp_path / "out"], memory)
    return result, memory, target


def test_a_moved_paragraph_keeps_its_own_english(tmp_path):
    def move(qa_file):
        target = qa_file.with_name(json.loads(qa_file.read_text(encoding="utf-8"))["file"])
        text = target.read_text(encoding="utf-8")
        first = text[text.index("<!-- zh -->\n第一段"):text.index("<!-- zh -->\n第二段")]
        text = text.replace(first, "", 1)
        text = text.rstrip("\n") + "\n\n" + first.replace("\n<!-- en -->\n", "\n<!-- en -->\nEdited first: ", 1)
        target.write_text(text, encoding="utf-8")
        return target

    result, memory, _ = _learn(tmp_path, "# 标题\n\n第一段内容。\n\n第二段内容。\n", move)
    assert result.passages == 1 and not result.problems
    assert memory.get_reviewed("第一段内容。").startswith("Edited first: ")
    assert memory.get_reviewed("第二段内容。") is None


def test_english_the_source_lacks_is_never_learned(tmp_path):
    """A link's fragment or a display formula cut into a passage by an edit: refused, named."""
    text = "# 标题\n\n参见[梯度下降方法](https://x.org/a)。第二句普通内容。\n\n设$x$为变量，\n$$\nx\n$$\n第二句。\n"
    state = tmp_path / "state"
    _translate(text, "a.md", state, tmp_path / "out")
    memory = TranslationMemory(state / "memory.sqlite")
    from pipeline.learn import held_to_source

    assert held_to_source("第二句。", "$$ x $$ Token matrix kernel.").startswith("it holds a formula")
    assert held_to_source("第二句普通内容。", "radient](https://x.org/a). Token.").startswith("it holds")
    assert held_to_source("参见[梯度下降方法](https://x.org/a)。", "See [gradient descent](https://x.org/a).") is None
    memory.close()


def test_a_file_that_cannot_be_read_is_one_problem_not_a_crash(tmp_path):
    state = tmp_path / "state"
    _, qa_file = _translate(FIRST, "first.md", state, tmp_path / "out")
    (tmp_path / "out" / "orphan.qa.json").write_text('{"segments_detail": []}', encoding="utf-8")   # no file
    target = qa_file.with_name(json.loads(qa_file.read_text(encoding="utf-8"))["file"])
    target.write_bytes("# 标题\n\n正文。\n".encode("gbk"))
    memory = TranslationMemory(state / "memory.sqlite")
    results = learn_paths([tmp_path / "out"], memory)
    assert sorted(len(r.problems) for r in results) == [1, 1] and all("cannot be read" in r.problems[0] for r in results)
    memory.close()


def test_an_older_edit_never_replaces_a_newer_reviewed_english(tmp_path):
    result, memory, target = _learn(tmp_path, FIRST, {1: REVIEWED})
    source = "梯度下降沿着负梯度方向更新参数$\\theta$。"
    assert memory.get_reviewed(source) == REVIEWED
    memory.put_reviewed(source, "Newer: " + REVIEWED, origin="other.tmx", when="2999-01-01T00:00:00Z")
    target.write_text(target.read_text(encoding="utf-8") + "\n", encoding="utf-8")   # the file changes again
    learn_paths([tmp_path / "out"], memory)
    assert memory.get_reviewed(source) == "Newer: " + REVIEWED
    memory.close()


def test_quote_and_caption_markdown_is_taken_off_emphasis_kept():
    from pipeline.learn import plain_english

    assert plain_english("> - First line.\n>   Second line.", "> - ") == "First line. Second line."
    assert plain_english("*Adam* beats *SGD*", "", "paragraph") == "*Adam* beats *SGD*"
    assert plain_english("*A figure.*", "", "caption") == "A figure."
