"""Links stay links, and what a reader sees in them is English: a link or image reaches the model
as one placeholder (it cannot break `[text](url)` into `[text] (url)`), its text, alt text and title
- and the words of an HTML block - are translated on their own and put back on the English side,
Chinese @handles are shown in pinyin; conservation counts links and images as a renderer makes
them, so a broken one is named."""

from pathlib import Path

from copying_backend import CopyingBackend, context_over
from pipeline.backends.base import Reply
from pipeline.ingest.reader import parse_text
from pipeline.output.conservation import check_conservation, link_structures, output_sides
from pipeline.output.writing import render_conserved
from pipeline.stages import LocalRunner, RunResult, run_articles
from pipeline.text.links import pinyin_name
from pipeline.text.protect import find_protected_spans

POST = ('# 题\n\n参考[《科学空间FAQ》](https://kexue.fm/faq "点击查看原图")和![示意图](a.png)，作者[@张宇](https://e.x/zy)'
        '，还有 @苏剑林 说过。\n\n<div align=center><img src="x.png" alt="模型结构"><br>图1：模型结构</div>\n')


def run(source: str, backend=None):
    ctx = context_over(backend or CopyingBackend())
    [done] = list(run_articles(parse_text(source, Path("post.md")), ctx, LocalRunner(ctx), RunResult()))
    document = render_conserved(done.article, done.qa, "test", "0" * 64)
    return done, document


def test_a_link_reaches_the_model_whole_and_its_words_are_translated_apart():
    spans = find_protected_spans("参考[《科学空间FAQ》](https://kexue.fm/faq \"点击查看原图\")。")
    assert [(s.kind, s.text) for s in spans] == [("link", '[《科学空间FAQ》](https://kexue.fm/faq "点击查看原图")')]
    done, document = run(POST)
    zh, en = output_sides(document)
    assert done.qa["conservation"] == []
    assert "《科学空间FAQ》" not in en and "点击查看原图" not in en and "示意图" not in en and "模型结构" not in en
    assert "](https://kexue.fm/faq \"" in en and "](a.png)" in en and "[@Zhang Yu](https://e.x/zy)" in en
    assert "@Su Jianlin" in en and "@苏剑林" in zh


class BreaksLinks(CopyingBackend):
    """Answers as a small model did on a real post: `["Title"] (https://…)`."""

    def translate(self, batch):
        return [Reply(r.text.replace("](", "] (")) if "](" in r.text else super().translate([r])[0] for r in batch]


def test_a_link_the_model_breaks_is_named_by_conservation():
    source = "# 题\n\n参考[《科学空间FAQ》](https://kexue.fm/faq)。\n"
    done, document = run(source)
    broken = document.replace("](https://kexue.fm/faq)", "] (https://kexue.fm/faq)")
    report = check_conservation(done.article, broken)
    assert any(p.startswith("link missing or broken in the English") for p in report.problems)
    assert link_structures("[a](u) ![b](v) [c] (w) [x](javascript:alert(1))") == {("link", "u"): 1, ("image", "v"): 1}
    # and the model never gets the chance: the link is a placeholder
    done, document = run(source, BreaksLinks())
    assert done.qa["conservation"] == []


class KeepsChinese(CopyingBackend):
    def translate(self, batch):
        return [Reply(r.text) if "科学空间" in r.text and "{v" not in r.text else super().translate([r])[0]
                for r in batch]


def test_link_words_left_in_chinese_are_named_in_the_warnings():
    done, document = run("# 题\n\n参考[科学空间](https://kexue.fm)一文。\n", KeepsChinese())
    zh, en = output_sides(document)
    assert "[科学空间](https://kexue.fm)" in en
    assert "the words of a link, image or HTML block are left in Chinese: “科学空间”" in document


def test_names_in_pinyin():
    assert pinyin_name("@张宇") == "@Zhang Yu" and pinyin_name("@苏剑林") == "@Su Jianlin"
    assert pinyin_name("@ai_李") == "@ai_Li"
