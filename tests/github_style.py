"""The other reference renderer of issue #16: the output `.md` files as GitHub-style markdown
(markdown-it-py with the GFM plugin set — tables, alerts, footnotes — and `$…$` / `$$…$$` math)
typeset by MathJax 3, one HTML page per file and an index linking them all, for
`tests/browser_check.py` to open in Chromium.

As on GitHub, only dollar-delimited math is math: a bare `\\begin{equation}` is markdown text, so
it shows as raw TeX (and the check counts it). MathJax numbers equations (`tags: 'ams'`) so a
label defined twice on a page is an error, as the issue asks; the page loads MathJax from the
copy bundled with the site (no network).

    python tests/github_style.py OUT_DIR PAGES_DIR
"""

from __future__ import annotations

import html
import sys
from pathlib import Path

from markdown_it import MarkdownIt
from mdit_py_plugins.dollarmath import dollarmath_plugin
from mdit_py_plugins.gfm import gfm_plugin

from pipeline.output.site import copy_mathjax

# GitHub's MathJax 3 with the packages the articles need; only what the markdown parser marked
# as math is typeset.
MATHJAX_CONFIG = """window.MathJax = {
  loader: {load: ['[tex]/boldsymbol', '[tex]/html', '[tex]/color']},
  tex: {inlineMath: [['\\\\(', '\\\\)']], displayMath: [['\\\\[', '\\\\]']], processEnvironments: true,
        tags: 'ams', packages: {'[+]': ['boldsymbol', 'html', 'color'], '[-]': ['noundefined']}},
  options: {ignoreHtmlClass: '.*|', processHtmlClass: 'math'}
};
"""

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<script src="mathjax-config.js"></script><script src="mathjax/tex-mml-chtml.js"></script></head>
<body><article class="markdown-body">
{body}
</article></body></html>
"""


def _math(content: str, info: dict) -> str:
    open_, close = (r"\[", r"\]") if info.get("display_mode") else (r"\(", r"\)")
    return html.escape(open_ + content + close)


def markdown_renderer() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": True})
    gfm_plugin(md, front_matter=True)
    # GitHub: no blank line inside $$…$$; `$$` inside a paragraph is display math too
    md.use(dollarmath_plugin, allow_blank_lines=False, allow_labels=False, double_inline=True, renderer=_math)
    return md


def render_folder(out_dir: Path, pages_dir: Path) -> list[Path]:
    """Every `.md` of `out_dir` (not report.md) as a page of `pages_dir`, and an index.html."""
    md = markdown_renderer()
    pages_dir.mkdir(parents=True, exist_ok=True)
    copy_mathjax(pages_dir / "mathjax")
    (pages_dir / "mathjax-config.js").write_text(MATHJAX_CONFIG, encoding="utf-8")
    written = []
    for source in sorted(out_dir.glob("*.md")):
        if source.name == "report.md":
            continue
        page = pages_dir / (source.name.removesuffix(".md") + ".html")
        page.write_text(PAGE.format(title=html.escape(source.stem), body=md.render(source.read_text(encoding="utf-8"))),
                        encoding="utf-8")
        written.append(page)
    links = "\n".join(f'<li><a href="{p.name}">{html.escape(p.stem)}</a></li>' for p in written)
    (pages_dir / "index.html").write_text(PAGE.format(title="index", body=f"<ul>\n{links}\n</ul>"), encoding="utf-8")
    return written


if __name__ == "__main__":
    print(len(render_folder(Path(sys.argv[1]), Path(sys.argv[2]))), "pages")
