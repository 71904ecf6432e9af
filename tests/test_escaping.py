"""No HTML from a source can run in any rendered output: every markdown file zh2en writes
(the article, report.md, the Prefect artifact's text) rendered by markdown-it and by
Python-Markdown holds no <script>, no event handler, no javascript: link."""


import markdown
import pytest
from lxml import html as lxml_html
from markdown_it import MarkdownIt

from copying_backend import CopyingBackend, context_over, translate_article
from pipeline.ingest.reader import read_file
from pipeline.output.render import artifact_markdown
from pipeline.output.report import write_run_report
from pipeline.output.writing import write_article
from pipeline.text.markup import unsafe_destination

HOSTILE = {
    "title.txt": "标题<script>alert(1)</script>\n\n正文第一段，说明问题。\n\n正文第二段。\n",
    "math.txt": "公式$<img src=x onerror=alert(1)>$在这里。\n\n另一段文字。\n",
    "display.txt": "前文\n$$<script>alert(2)</script>$$\n后文。\n\n\\begin{equation}<svg onload=alert(3)>\\end{equation}\n",
    "link.md": "# 链接<b onmouseover=alert(4)>标题</b>\n\n点[这里](javascript:alert(5))看看，或者[那里](JavaScript:alert(6))。\n",
    "html.md": "# 标题\n\n<div onclick=alert(7)>块</div>\n\n正文<img src=x onerror=alert(8)>结束。\n",
    # schemes as a browser decodes them, and a reference-style link whose definition runs script
    "encoded.md": "# 编码\n\n点[甲](javascript&#58;alert(10))，[乙](&#106;avascript:alert(11))，"
                  "[丙](java&#x09;script:alert(12))，[丁]( VBScript:alert(13))，![戊](data:image/svg+xml,x)。\n\n"
                  "再点[这里][r]看看。\n\n[r]: javascript:alert(14) \"标题\"\n",
}


def rendered_html(text: str) -> list:
    pages = [MarkdownIt("commonmark").render(text), markdown.markdown(text, extensions=["tables"])]
    return [lxml_html.fromstring(f"<div>{page}</div>") for page in pages]


def assert_harmless(text: str, name: str) -> None:
    for tree in rendered_html(text):
        assert not tree.xpath("//script"), name
        for element in tree.iter():
            if not isinstance(element.tag, str):
                continue
            handlers = [a for a in element.attrib if a.lower().startswith("on")]
            assert not handlers, (name, element.tag, handlers)
            for attr in ("href", "src"):
                assert not unsafe_destination(element.attrib.get(attr, "")), (name, element.attrib[attr])


def test_hostile_sources_cannot_run_in_any_output(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    ctx = context_over(CopyingBackend())
    summaries = []
    for name, text in HOSTILE.items():
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        for article in read_file(path):
            summary = translate_article(article, ctx)
            write_article(article, summary, out / (path.stem + ".md"), "test", "0" * 64)
            summaries.append(summary)
            assert_harmless(artifact_markdown(article, path.stem + ".md"), f"artifact of {name}")
    write_run_report(out, summaries, [("bad<script>x</script>.txt", "reason <img onerror=alert(9)>")], 1.0, "test")
    written = sorted(out.glob("*.md"))
    assert len(written) == 2 * len(HOSTILE) + 1   # bilingual and English-only, and the report
    for path in written:
        assert_harmless(path.read_text(encoding="utf-8"), path.name)
    # the escaped "formulas" and the script links are not silent: flagged where they are
    math = (out / "math.md").read_text(encoding="utf-8")
    assert "holds an HTML tag" in math and "$&lt;img src=x onerror=alert(1)>$" in math
    for name in ("link.md", "encoded.md"):
        assert "shown as text, not as a link" in (out / name).read_text(encoding="utf-8")


@pytest.mark.parametrize("source", ["$a<b$ 和 $c>d$ 是公式。", "$x < y$，其中$\\langle q, k\\rangle$。"])
def test_formulas_with_a_less_than_sign_stay_byte_identical(tmp_path, source):
    path = tmp_path / "a.txt"
    path.write_text(source + "\n", encoding="utf-8")
    [article] = read_file(path)
    summary = translate_article(article, context_over(CopyingBackend()))
    write_article(article, summary, tmp_path / "a.md", "test", "0" * 64)
    text = (tmp_path / "a.md").read_text(encoding="utf-8")
    assert article.conservation == [] and "holds an HTML tag" not in text
