"""The output opened in a real browser, in the two reference renderers of issue #16: the offline
site (`zh2en site`, MkDocs-Material) and the `.md` files as GitHub-style markdown (markdown-it GFM
+ dollar math + MathJax 3, tests/github_style.py). Every formula of the 40 seed articles and of a
formula-dense fixture typeset with zero MathJax errors in both layouts, no raw TeX on screen,
nothing fetched from outside the machine, every page reachable from the index. The articles go
through the real pipeline with the copying backend (the English is filler; the formulas, layout
and warnings are the pipeline's own)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pipeline.ingest.reader import read_file
from pipeline.output.site import SiteError, build_site, collect_pages
from pipeline.output.slugs import SlugAllocator
from pipeline.output.writing import output_path, write_article
from tests.browser_check import browser_missing, check_site
from tests.copying_backend import CopyingBackend, context_over, translate_article
from tests.github_style import render_folder

SEEDS = Path(os.environ.get("ZH2EN_SEEDS", Path(__file__).resolve().parents[2] / "shared" / "seeds"))
FIXTURE = Path(__file__).parent / "data" / "formula-dense.md"


def _translate(sources: list[Path], out: Path) -> int:
    ctx, slugs, n = context_over(CopyingBackend()), SlugAllocator(), 0
    for source in sources:
        for article in read_file(source):
            qa = translate_article(article, ctx)
            assert write_article(article, qa, output_path(out, article, slugs), "test", "0" * 64) is None
            n += 1
    return n


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("out")
    sources = sorted(SEEDS.glob("*.txt")) + [FIXTURE]
    articles = _translate(sources, out)
    site = out / "site"
    report = build_site(out, site)
    return out, site, articles, report


def test_the_site_has_an_index_and_both_layouts_of_every_article(built):
    out, site, articles, report = built
    assert articles == 41 and len(report.pages) == 41
    for page in report.pages:
        assert (site / f"{page.slug}.html").is_file() and (site / f"{page.slug}.en.html").is_file()
    index = (site / "index.html").read_text(encoding="utf-8")
    assert index.count('class="zh2en-meta"') == 41 and "QA: clean" in index
    assert (site / "javascripts" / "mathjax" / "tex-mml-chtml.js").is_file()
    assert "https://" not in "".join(p.read_text(encoding="utf-8") for p in site.glob("*.html")
                                     if "<script src=\"https" in p.read_text(encoding="utf-8"))
    bilingual = (site / f"{report.pages[0].slug}.html").read_text(encoding="utf-8")
    assert 'class="zh2en-zh" lang="zh-CN"' in bilingual   # the original set apart from the English


def _assert_every_page_renders(folder: Path, articles: int, report) -> None:
    """Every page of `folder` reached from its index, each formula typeset: no math error, no raw
    TeX, nothing from outside; the fixture's equations (numbered, labelled, \\boldsymbol, \\style,
    \\color, Chinese in \\text) all typeset in both layouts."""
    checks, unreached = check_site(folder)
    assert len(checks) == 1 + 2 * articles and unreached == []
    problems = [(c.url, c.errors[:2], c.raw[:2], c.outside[:2]) for c in checks if c.errors or c.raw or c.outside]
    assert problems == []
    slug = next(p.slug for p in report.pages if p.title_zh == "公式密集的测试文章")
    for name in (f"{slug}.html", f"{slug}.en.html"):
        fixture = next(c for c in checks if c.url.endswith("/" + name))
        assert fixture.math >= 12, (name, fixture.math)
    assert sum(c.math for c in checks) > 300


def test_every_formula_renders_in_a_real_browser(built):
    missing = browser_missing()
    if missing:
        pytest.skip(f"no browser for the site check: {missing}")
    _, site, articles, report = built
    _assert_every_page_renders(site, articles, report)


def test_every_formula_renders_as_github_style_markdown(built, tmp_path):
    """The `.md` files themselves, as GitHub and markdown-it show them: only `$`-delimited math
    is typeset there, so a bare `\\begin{equation}` or `\\[…\\]` of the source would be raw text
    (22 of these pages showed some before the renderer wrote display formulas between `$$`)."""
    missing = browser_missing()
    if missing:
        pytest.skip(f"no browser for the markdown check: {missing}")
    out, _, articles, report = built
    pages = tmp_path / "github-style"
    assert len(render_folder(out, pages)) == 2 * articles
    _assert_every_page_renders(pages, articles, report)


def test_the_site_builds_with_no_network(built, tmp_path):
    if not shutil.which("unshare"):
        pytest.skip("unshare is not installed (util-linux)")
    out, _, _, _ = built
    probe = subprocess.run(["unshare", "-n", "true"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip(f"cannot make a network namespace here: {probe.stderr.decode().strip()}")
    site = tmp_path / "offline-site"
    proc = subprocess.run(["unshare", "-n", sys.executable, "-m", "zh2en.cli", "site", str(out), "-o", str(site)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert (site / "index.html").is_file() and len(list(site.glob("*.html"))) >= 1 + 2 * 41


def test_the_site_renders_with_no_network(built, tmp_path):
    """The browser check again, inside an empty network namespace (only loopback, for the
    WebDriver): what renders offline is what a reader without a network sees."""
    missing = browser_missing() or (None if shutil.which("unshare") and shutil.which("ip") else "unshare or ip missing")
    if missing:
        pytest.skip(f"cannot run the offline browser check: {missing}")
    if subprocess.run(["unshare", "-n", "true"], capture_output=True).returncode != 0:
        pytest.skip("cannot make a network namespace here")
    _, site, articles, _ = built
    check = Path(__file__).parent / "browser_check.py"
    proc = subprocess.run(["unshare", "-n", "sh", "-c", f'ip link set lo up && exec "{sys.executable}" "{check}" "{site}"'],
                          capture_output=True, text=True, timeout=600, cwd=Path(__file__).parents[1])
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert f"{1 + 2 * articles} pages" in proc.stdout and ", 0 math errors, 0 raw TeX, 0 outside requests, " \
        "0 pages not reached" in proc.stdout, proc.stdout[-2000:]


def test_an_empty_folder_is_a_clear_error(tmp_path):
    with pytest.raises(SiteError, match="no translated articles"):
        build_site(tmp_path, tmp_path / "site")
    assert collect_pages(tmp_path) == []


def test_the_site_never_replaces_what_it_did_not_build(built, tmp_path):
    out, site, _, _ = built
    for target in (out, out.parent):
        with pytest.raises(SiteError, match="cannot replace the output folder"):
            build_site(out, target)
    mine = tmp_path / "notes"
    mine.mkdir()
    (mine / "todo.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(SiteError, match="not a site zh2en built"):
        build_site(out, mine)
    assert (mine / "todo.txt").read_text(encoding="utf-8") == "mine"
    again = build_site(out, site)   # a site zh2en built is replaced whole
    assert (site / ".zh2en-site").is_file() and len(again.pages) == 41


def test_an_unreadable_article_is_left_out_and_named(built, tmp_path):
    out, _, _, report = built
    copy = tmp_path / "copy"
    shutil.copytree(out, copy, ignore=shutil.ignore_patterns("site"))
    (copy / f"{report.pages[0].slug}.qa.json").write_text("{not json", encoding="utf-8")
    result = build_site(copy, tmp_path / "site")
    assert len(result.pages) == 40 and len(result.skipped) == 1 and report.pages[0].slug in result.skipped[0]


def _site_process(out, site, tmp_path):
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    return subprocess.Popen([sys.executable, "-m", "zh2en", "site", str(out), "-o", str(site)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def _wait_for_working_folder(tmp_path, proc, timeout=120):
    deadline = time.time() + timeout
    while time.time() < deadline and proc.poll() is None:
        found = [p for p in tmp_path.glob("zh2en-site-*") if (p / "docs").is_dir()]
        if found:
            return found[0]
        time.sleep(0.05)
    raise AssertionError("zh2en site never made its working folder")


def test_a_stopped_site_build_leaves_no_working_folder(built, tmp_path):
    """SIGTERM: cleaned as it stops; SIGKILL (nothing can run): cleaned by the next build."""
    out, _, _, _ = built
    proc = _site_process(out, tmp_path / "site", tmp_path)
    try:
        work = _wait_for_working_folder(tmp_path, proc)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) == 143, proc.stderr.read()
        assert not work.exists()
        proc = _site_process(out, tmp_path / "site", tmp_path)
        work = _wait_for_working_folder(tmp_path, proc)
        proc.kill()
        proc.wait(timeout=60)
        assert work.exists()   # nothing ran to clean it
        proc = _site_process(out, tmp_path / "site", tmp_path)
        assert proc.wait(timeout=300) == 0, proc.stderr.read()
        assert not work.exists() and not list(tmp_path.glob("*zh2en-site-*"))
    finally:
        if proc.poll() is None:
            proc.kill()


def test_each_english_paragraph_carries_its_margin_marker(built):
    from pipeline.output.site import chunk_markers, site_page

    out, site, _, report = built
    markers = [m for page in report.pages for m in page.markers]
    assert {"clean", "flagged"} <= set(markers)
    page = next(p for p in report.pages if "flagged" in p.markers)
    html = (site / f"{page.slug}.html").read_text(encoding="utf-8")
    assert html.count('class="zh2en-en zh2en-') == len(page.markers)
    assert html.count('class="zh2en-en zh2en-flagged"') == page.markers.count("flagged")
    # from qa.json: all passages reviewed -> reviewed; only the model's doubt -> unsure
    qa = {"segments_detail": [{"index": 1, "flags": [], "reviewed": True},
                              {"index": 2, "flags": ["“x”: the model was unsure of a word here: read…"]},
                              {"index": 3, "flags": ["“y”: a number differs from the original"]}, {"index": 4}],
          "english_chunks": [{"passages": [1]}, {"passages": [2]}, {"passages": [2, 3]}, {"passages": [4]},
                             {"passages": []}]}
    assert chunk_markers(qa) == ["reviewed", "unsure", "flagged", "clean", "clean"]
    # markers that do not match the page's chunks are not put in at all
    text = (out / f"{page.slug}.md").read_text(encoding="utf-8")
    assert "zh2en-en" not in site_page(text, "t", ["clean"])
