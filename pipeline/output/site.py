"""An offline website of an output folder (`zh2en site DIR`): MkDocs-Material, an index with each
article's English title, date, summary, QA status and links to both layouts, one page per file,
search. Nothing is fetched when it is built or viewed: MathJax 3 comes from a Python package
(django-static-mathjax; only its TeX-to-HTML build and fonts are copied), the theme's web fonts are
off, and `> [!WARNING]` blocks render through markdown-callouts as they do on GitHub.

The pages are the output files as written, with two changes for the site only: the original's
chunks are set apart (muted, marked lang="zh-CN"), and the front matter gives MkDocs the title."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from pipeline.output import site_safety
from pipeline.output.render import BOTH_MARK, EN_MARK, NOTE_MARK, ZH_MARK, split_front_matter
from pipeline.text.latex import FORMULA_SPAN_KINDS, find_latex_spans
from pipeline.text.spans import rewrite

MATHJAX_FILES = ("tex-mml-chtml.js", "input/tex/extensions", "output/chtml/fonts/woff-v2", "ui/safe.js")

# Numbered equations, \label/\eqref; the packages the articles use loaded up front (\boldsymbol
# was red with MkDocs-Material's documented snippet); an unknown command is an error box, not text.
# Formulas are kept byte for byte, so MathJax's safe extension guards what they may do: \href only
# to http, https or mailto; \style, \class, \cssId filtered to harmless values (no url()).
MATHJAX_CONFIG = """window.MathJax = {
  loader: {load: ['ui/safe', '[tex]/boldsymbol', '[tex]/html', '[tex]/color']},
  tex: {inlineMath: [['\\\\(', '\\\\)']], displayMath: [['\\\\[', '\\\\]']], processEscapes: true,
        processEnvironments: true, tags: 'ams',
        packages: {'[+]': ['boldsymbol', 'html', 'color'], '[-]': ['noundefined']}},
  options: {ignoreHtmlClass: '.*|', processHtmlClass: 'arithmatex',
            safeOptions: {allow: {URLs: 'safe', classes: 'safe', cssIDs: 'safe', styles: 'safe'},
                          safeProtocols: {http: true, https: true, mailto: true, file: false, javascript: false, data: false}}}
};
"""

SITE_CSS = """.zh2en-zh { color: var(--md-default-fg-color--light); font-size: .9em;
  border-left: .2rem solid var(--md-default-fg-color--lightest); padding-left: .8rem; }
.zh2en-meta { color: var(--md-default-fg-color--light); font-size: .85em; }
.zh2en-en { border-left: .2rem solid transparent; padding-left: .8rem; }
.zh2en-reviewed { border-left-color: #2e7d32; }
.zh2en-flagged { border-left-color: #c62828; }
.zh2en-unsure { border-left-color: #f9a825; }
"""
# A margin marker per English chunk (its passages as qa.json has them), with words on hover.
MARKERS = {"reviewed": "reviewed by a person (zh2en learn)", "flagged": "flagged by zh2en: see the warning below",
           "unsure": "the model was unsure of a word here", "clean": "machine translation, no warning"}
UNSURE = "the model was unsure of a word here"   # the low_confidence check's words (pipeline/checks/registry.py)


class SiteError(Exception):
    """The site could not be built (one line for the user)."""


@dataclass
class Page:
    slug: str
    title_en: str
    title_zh: str
    date: str
    summary: str
    qa: str
    flagged: int
    bilingual: bool
    english: bool
    markers: list[str] = field(default_factory=list)   # per English chunk, in order (MARKERS)


@dataclass
class SiteReport:
    pages: list[Page]
    site_dir: Path
    seconds: float
    skipped: list[str]


def collect_pages(out_dir: Path, skipped: list[str] | None = None) -> list[Page]:
    """The articles of an output folder: each `<slug>.qa.json` with its bilingual and/or
    English-only file. One that cannot be read is left out and named in `skipped`."""
    pages = []
    for qa_path in sorted(out_dir.glob("*.qa.json")):
        slug = qa_path.name.removesuffix(".qa.json")
        bilingual, english = out_dir / f"{slug}.md", out_dir / f"{slug}.en.md"
        if not (bilingual.is_file() or english.is_file()):
            continue
        try:
            meta, _ = split_front_matter((bilingual if bilingual.is_file() else english).read_text(encoding="utf-8"))
            qa = json.loads(qa_path.read_text(encoding="utf-8"))
            flagged = int(qa.get("flagged", 0)) + len(qa.get("conservation", []))
        except (OSError, UnicodeDecodeError, ValueError, AttributeError, TypeError) as exc:
            if skipped is not None:
                skipped.append(f"{qa_path}: cannot be read ({type(exc).__name__}); left out of the site")
            continue
        pages.append(Page(slug, str(meta.get("title_en") or _heading(meta) or slug), str(meta.get("title_zh") or ""),
                          str(meta.get("date") or ""), str(meta.get("summary") or ""), str(meta.get("qa") or ""),
                          flagged, bilingual.is_file(), english.is_file(), chunk_markers(qa)))
    return pages


def chunk_markers(qa: dict) -> list[str]:
    """Each English chunk's marker: reviewed (all its passages), flagged (a warning), unsure (only
    the model's doubt), or clean; a chunk of no passage (a table, HTML) is clean."""
    details = {d.get("index"): d for d in qa.get("segments_detail") or [] if isinstance(d, dict)}
    markers = []
    for chunk in qa.get("english_chunks") or []:
        passages = [details[n] for n in chunk.get("passages", []) if n in details]
        flags = [f for d in passages for f in d.get("flags") or []]
        if passages and all(d.get("reviewed") for d in passages):
            markers.append("reviewed")
        elif flags:
            markers.append("unsure" if all(UNSURE in f for f in flags) else "flagged")
        else:
            markers.append("clean")
    return markers


def _heading(meta: dict) -> str | None:
    return str(meta["heading"]) if meta.get("heading") else None


def site_page(text: str, title: str, markers: list[str] | None = None) -> str:
    """An output file as a site page: MkDocs' title in the front matter, the original's chunks
    set apart (a muted block marked as Chinese), each English chunk with its margin marker."""
    meta, body = split_front_matter(text)
    out, chunk, side = [], [], None
    markers = list(markers or [])
    english = iter(markers if len(markers) == body.count(EN_MARK) else [])

    def close():
        if side == ZH_MARK and "".join(chunk).strip():
            out.extend(['<div class="zh2en-zh" lang="zh-CN" markdown>', "", *chunk, "", "</div>", ""])
        elif side == EN_MARK and (marker := next(english, None)):
            out.extend([f'<div class="zh2en-en zh2en-{marker}" title="{MARKERS[marker]}" markdown>', "", *chunk, "",
                        "</div>", ""])
        else:
            out.extend(chunk)

    for line in body.split("\n"):
        if line.strip() in (ZH_MARK, EN_MARK, BOTH_MARK, NOTE_MARK):
            close()
            chunk, side = [line], line.strip()
        else:
            chunk.append(line)
    close()
    head = {"title": title, **{k: meta[k] for k in ("date",) if meta.get(k)}}
    return f"---\n{yaml.safe_dump(head, allow_unicode=True, sort_keys=False)}---\n" + "\n".join(out)


def index_page(pages: list[Page]) -> str:
    lines = ["---", "title: Translations", "---", "", "# Translations", "",
             f"{len(pages)} article(s), translated from Chinese by zh2en. Each has an English page and a "
             "bilingual one (the original above each English paragraph). A mark in the margin of an English "
             "paragraph says what it is: green, reviewed by a person; red, flagged by zh2en; amber, the model "
             "was unsure of a word; none, machine translation with no warning.", ""]
    for p in pages:
        status = "clean" if p.flagged == 0 else f"{p.flagged} flagged"
        links = [f"[English]({p.slug}.en.md)" if p.english else "", f"[bilingual]({p.slug}.md)" if p.bilingual else ""]
        target = f"{p.slug}.en.md" if p.english else f"{p.slug}.md"
        lines += [f"## [{_text(p.title_en)}]({target})", ""]
        meta = " · ".join(x for x in [_text(p.date), _text(p.title_zh), f"QA: {status}", *filter(None, links)] if x)
        lines += [f'<p class="zh2en-meta" markdown>{meta}</p>', ""]
        if p.summary:
            lines += [_text(p.summary), ""]
    return "\n".join(lines) + "\n"


def _text(value: str) -> str:
    """Source text in index markdown: one line, no link or HTML syntax of its own; its formulas
    (a summary keeps the article's) as written, a `$` that opens none shown as a dollar."""
    value = " ".join(value.split())
    spans = [s for s in find_latex_spans(value) if s.kind in FORMULA_SPAN_KINDS]
    return rewrite(value, spans, prose=lambda prose: re.sub(r"([\\\[\]`*_$|])", r"\\\1", prose).replace("<", "&lt;"))


def site_config(pages: list[Page]) -> dict:
    nav = [{"Translations": "index.md"},
           {"English": [{p.title_en: f"{p.slug}.en.md"} for p in pages if p.english]},
           {"Bilingual": [{p.title_en: f"{p.slug}.md"} for p in pages if p.bilingual]}]
    return {"site_name": "zh2en translations", "use_directory_urls": False, "nav": nav,
            "theme": {"name": "material", "font": False, "language": "en"},
            "plugins": ["search"],
            "markdown_extensions": [{"pymdownx.arithmatex": {"generic": True}}, "github-callouts", "admonition",
                                    "tables", "md_in_html", "footnotes"],
            "hooks": [str(Path(site_safety.__file__))],
            "extra_javascript": ["javascripts/mathjax-config.js", "javascripts/mathjax/tex-mml-chtml.js"],
            "extra_css": ["stylesheets/zh2en.css"], "extra": {"generator": False}}


SITE_MARK = ".zh2en-site"   # in every site zh2en builds: only such a folder is ever replaced


def build_site(out_dir: Path, site_dir: Path) -> SiteReport:
    """Build the site of `out_dir` into `site_dir`, swapped in whole once built. `site_dir` must
    be new, empty or a site zh2en built (it is replaced): never the output folder or its parent."""
    started = time.perf_counter()
    check_site_target(out_dir, site_dir)
    skipped: list[str] = []
    pages = collect_pages(out_dir, skipped)
    if not pages:
        raise SiteError(f"{out_dir}: no translated articles (no <slug>.qa.json with its .md) to build a site from")
    remove_leftovers(Path(tempfile.gettempdir()), site_dir.resolve().parent)
    with tempfile.TemporaryDirectory(prefix=f"zh2en-site-{os.getpid()}-") as tmp:
        docs = Path(tmp) / "docs"
        (docs / "javascripts").mkdir(parents=True)
        (docs / "stylesheets").mkdir()
        for p in pages:
            for name in ([f"{p.slug}.md"] if p.bilingual else []) + ([f"{p.slug}.en.md"] if p.english else []):
                (docs / name).write_text(site_page((out_dir / name).read_text(encoding="utf-8", errors="replace"),
                                                   p.title_en, p.markers), encoding="utf-8")
        (docs / "index.md").write_text(index_page(pages), encoding="utf-8")
        copy_mathjax(docs / "javascripts" / "mathjax")
        (docs / "javascripts" / "mathjax-config.js").write_text(MATHJAX_CONFIG, encoding="utf-8")
        (docs / "stylesheets" / "zh2en.css").write_text(SITE_CSS, encoding="utf-8")
        config = Path(tmp) / "mkdocs.yml"
        config.write_text(yaml.safe_dump(site_config(pages), allow_unicode=True, sort_keys=False), encoding="utf-8")
        built = Path(tmp) / "site"
        _mkdocs_build(config, built)
        (built / SITE_MARK).write_text("built by zh2en site; replaced whole by the next build\n", encoding="utf-8")
        _swap_in(built, site_dir)
    return SiteReport(pages, site_dir, time.perf_counter() - started, skipped)


_LEFTOVER = re.compile(r"^\.?zh2en-site-(\d+)-")


def remove_leftovers(*folders: Path) -> None:
    """Working folders of an earlier `zh2en site` that was killed outright (SIGKILL: no cleanup
    runs), found by their process id, which is no longer running. (SIGTERM and Ctrl-C clean up
    as they stop: the folders are context-managed.)"""
    for folder in folders:
        for path in folder.glob("*zh2en-site-*") if folder.is_dir() else []:
            m = _LEFTOVER.match(path.name)
            if m and path.is_dir() and not _running(int(m.group(1))):
                shutil.rmtree(path, ignore_errors=True)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def check_site_target(out_dir: Path, site_dir: Path) -> None:
    """SiteError unless `site_dir` may be (re)built: not the output folder or a folder holding
    it; new, empty or a site zh2en built."""
    out, site = out_dir.resolve(), site_dir.resolve()
    if site == out or out.is_relative_to(site):
        raise SiteError(f"{site_dir}: the site cannot replace the output folder or a folder holding it")
    if site.exists() and (not site.is_dir() or (any(site.iterdir()) and not (site / SITE_MARK).is_file())):
        raise SiteError(f"{site_dir}: exists and is not a site zh2en built; choose a new or empty folder")


def _swap_in(built: Path, site_dir: Path) -> None:
    """Copy beside the target, then rename into place: a failed copy leaves the old site."""
    site_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".zh2en-site-{os.getpid()}-", dir=site_dir.parent))
    try:
        shutil.copytree(built, staging, dirs_exist_ok=True)
        old = None
        if site_dir.exists():
            old = site_dir.with_name(staging.name + "-old")
            site_dir.rename(old)
        staging.rename(site_dir)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise SiteError(f"{site_dir}: cannot write the site: {exc.strerror or exc}") from exc


def copy_mathjax(target: Path) -> None:
    try:
        import mathjax  # django-static-mathjax: MathJax's own files, no Django needed
    except ImportError as exc:
        raise SiteError("MathJax is not installed: pip install django-static-mathjax") from exc
    es5 = Path(mathjax.__file__).parent / "static" / "mathjax" / "es5"
    for rel in MATHJAX_FILES:
        source, dest = es5 / rel, target / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        (shutil.copytree if source.is_dir() else shutil.copy2)(source, dest)


def _mkdocs_build(config: Path, site: Path) -> None:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    proc = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--quiet", "-f", str(config), "-d", str(site)],
                          capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["(no message)"])[-1]
        raise SiteError(f"mkdocs could not build the site: {last}")
