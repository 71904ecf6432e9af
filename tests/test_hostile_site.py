"""A hostile source through the whole pipeline and `zh2en site`, every built page opened in
Chromium inside an empty network namespace with a logging server on loopback (issue #29): no
script from the source runs, no page requests anything, no link on a page has an address
other than http, https, mailto or the site's own, and every page carries its
Content-Security-Policy. The attacks are those a hostile-input review found live, and more."""

from __future__ import annotations

import json
import re
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.ingest.reader import read_file
from pipeline.output.site import build_site
from pipeline.output.slugs import SlugAllocator
from pipeline.output.writing import output_path, write_article
from pipeline.text.markup import unsafe_destination
from tests.browser_check import browser_missing
from tests.copying_backend import CopyingBackend, context_over, translate_article

RUN = "document.title='PWN'"   # hostile_check.PWNED


def hostile_source(port: int) -> str:
    log = f"http://127.0.0.1:{port}"
    return "\n\n".join([
        "# 安全测试", "正文第一段，说明这篇文章。",
        # attr_list: an event attribute, a replaced address, a style that loads a URL
        f'![图](missing.png){{: onerror="{RUN}" }}',
        f'[点我](https://example.org/){{: href="javascript:{RUN}" }}',
        f'这一段有样式。{{: style="background-image:url({log}/attr-style)" }}',
        # reference-style and entity-encoded schemes
        "再点[这里][r]看看，或者[那里][s]。",
        f"[r]: javascript:{RUN}\n[s]: data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg== \"标题\"",
        f"[甲](javascript&#58;{RUN})，[乙](&#106;avascript:{RUN})，[丙](java&#x09;script:{RUN})，"
        f"[丁]( VBScript:{RUN})，[戊](JAVASCRIPT:{RUN})。",
        # inside math: MathJax's own links, styles, classes, ids, extensions
        f"公式$\\href{{javascript:{RUN}}}{{点}}$和$\\url{{javascript:{RUN}}}$在这里。",
        f"公式$\\style{{background-image:url({log}/math-style)}}{{x}}$和$\\class{{md-header}}{{y}}$，"
        f"$\\cssId{{__config}}{{z}}$。",
        f"$$\\href{{data:text/html,<b>x</b>}}{{a}} + \\style{{border-image:url({log}/border)}}{{b}}$$",
        # remote and data: images, HTML in every form
        f"![远程]({log}/remote.png)",
        f'![远程图]({log}/remote2.png "标题") 和 ![数据图](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)',
        f'<svg onload="{RUN}"><circle r="5"/></svg>',
        f'<iframe src="{log}/iframe"></iframe>',
        f'<img src="{log}/html-img" onerror="{RUN}">',
        f'<details open ontoggle="{RUN}">细节</details>',
        f"<style>@import url({log}/css-import);</style>",
        f'<link rel="stylesheet" href="{log}/link">',
        f'<meta http-equiv="refresh" content="0;url={log}/refresh">',
        f'正文<a href="javascript:{RUN}">HTML链接</a>，<a href="{log}/ok">普通链接</a>。',
        f'<object data="{log}/object"></object><embed src="{log}/embed"><video poster="{log}/poster"></video>',
        f'<form action="{log}/form"><button>提交</button></form>',
        f"<script>{RUN}</script>",
        f'<a href="&#106;avascript:{RUN}">编码</a> <img src=x onerror={RUN}>',
        f"[^1]: 脚注<img src=x onerror={RUN}>\n\n正文引用脚注[^1]。",
        "最后一段，结束。",
    ]) + "\n"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory):
    missing = browser_missing() or (None if shutil.which("unshare") and shutil.which("ip") else "unshare or ip missing")
    if missing:
        pytest.skip(f"cannot run the offline browser check: {missing}")
    if subprocess.run(["unshare", "-n", "true"], capture_output=True).returncode != 0:
        pytest.skip("cannot make a network namespace here")
    port = _free_port()
    work = tmp_path_factory.mktemp("hostile")
    source = work / "hostile.md"
    source.write_text(hostile_source(port), encoding="utf-8")
    out = work / "out"
    out.mkdir()
    ctx, slugs = context_over(CopyingBackend()), SlugAllocator()
    for article in read_file(source):
        qa = translate_article(article, ctx)
        assert write_article(article, qa, output_path(out, article, slugs), "test", "0" * 64) is None
    site = work / "site"
    build_site(out, site)
    check = Path(__file__).parent / "hostile_check.py"
    proc = subprocess.run(["unshare", "-n", "sh", "-c", f'ip link set lo up && exec "{sys.executable}" "{check}" "{site}" {port}'],
                          capture_output=True, text=True, timeout=600, cwd=Path(__file__).parents[1])
    assert proc.returncode == 0, proc.stderr[-3000:]
    return site, json.loads(proc.stdout.strip().splitlines()[-1])


def test_no_script_from_a_source_runs_on_any_page(hostile_site):
    _, found = hostile_site
    assert len(found["pages"]) >= 3   # index, English, bilingual (and 404)
    assert [p["page"] for p in found["pages"] if "PWN" in p["title"]] == []


def test_no_page_requests_anything(hostile_site):
    _, found = hostile_site
    assert found["hits"] == [] and found["outside"] == []


def test_every_link_is_http_https_mailto_or_the_site(hostile_site):
    _, found = hostile_site
    unsafe = [(p["page"], href) for p in found["pages"] for href in p["links"] if unsafe_destination(href)]
    assert unsafe == []


def test_every_page_has_a_policy_that_loads_only_the_site(hostile_site):
    _, found = hostile_site
    for page in found["pages"]:
        assert "default-src 'self'" in page["policy"] and "img-src 'self' data:" in page["policy"], page["page"]


def test_a_remote_image_is_a_link_with_a_notice_never_an_image(hostile_site):
    site, _ = hostile_site
    english = next(site.glob("*.en.html")).read_text(encoding="utf-8")
    assert "remote.png" in english and "remote image, not loaded" in english
    images = re.findall(r"<img\b[^>]*>", english)
    assert [tag for tag in images if "127.0.0.1" in tag or "data:image/svg" in tag] == []


def test_math_typesets_under_the_policy(hostile_site):
    _, found = hostile_site
    assert found["checked"] >= 3 and found["unreached"] == []
