"""Open a built site in headless Chromium (Debian's `chromium` and `chromium-driver`, driven by
Selenium) as a reader would, and count what is wrong on each page: MathJax error boxes, raw TeX a
reader would see (`$x$`, `\\(`, `\\begin{`, `\\frac{` outside typeset math and code), requests
that leave the machine, and pages the index does not reach.

    python tests/browser_check.py SITE_DIR [--screenshot PAGE.html OUT.png]
"""

from __future__ import annotations

import json
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

CHROMIUM, DRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"

# After MathJax has typeset the page: its error boxes, and TeX left as text outside math and code.
_INSPECT = r"""
const errors = [...document.querySelectorAll('mjx-merror')].map(e => e.getAttribute('data-mjx-error') || e.textContent);
const clone = document.querySelector('article, .md-content') ? document.querySelector('article, .md-content').cloneNode(true)
                                                          : document.body.cloneNode(true);
clone.querySelectorAll('mjx-container, script, style, code, pre').forEach(e => e.remove());
const text = clone.innerText || clone.textContent;
const raw = text.match(/\$\$?[^$\s][^$]*\$\$?|\\\(|\\\[|\\begin\{|\\[a-zA-Z]+\{/g) || [];
return {errors: errors, raw: raw.slice(0, 10), math: document.querySelectorAll('mjx-container').length,
        links: [...document.querySelectorAll('a[href]')].map(a => a.href)};
"""
_TYPESET = ("return !window.MathJax || !MathJax.startup || !MathJax.startup.promise ? 'none' : "
            "(window.__zh2en_done || (MathJax.startup.promise.then(() => { window.__zh2en_done = 'yes'; }), false))")


@dataclass
class PageCheck:
    url: str
    errors: list[str] = field(default_factory=list)
    raw: list[str] = field(default_factory=list)
    math: int = 0
    outside: list[str] = field(default_factory=list)   # requests that are not file:, data:, blob:


def browser_missing() -> str | None:
    """Why the browser check cannot run here, or None."""
    for path, package in ((CHROMIUM, "chromium"), (DRIVER, "chromium-driver")):
        if not Path(path).exists() and not shutil.which(Path(path).name):
            return f"{path} not found: apt-get install {package}"
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed: pip install selenium"
    return None


def open_browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,1000"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    return webdriver.Chrome(service=Service(DRIVER), options=options)


def check_page(driver, url: str) -> tuple[PageCheck, list[str]]:
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get(url)
    WebDriverWait(driver, 30).until(lambda d: d.execute_script(_TYPESET))
    found = driver.execute_script(_INSPECT)
    requests = [json.loads(entry["message"])["message"] for entry in driver.get_log("performance")]
    outside = sorted({m["params"]["request"]["url"] for m in requests if m["method"] == "Network.requestWillBeSent"
                      and not m["params"]["request"]["url"].startswith(("file:", "data:", "blob:", "about:"))})
    return PageCheck(url, found["errors"], found["raw"], found["math"], outside), found["links"]


def check_site(site: Path) -> tuple[list[PageCheck], list[str]]:
    """Every page reachable from index.html, checked; and the site's pages the index does not reach."""
    index = (site / "index.html").resolve().as_uri()
    driver = open_browser()
    try:
        seen, queue, checks = {index}, [index], []
        while queue:
            url = queue.pop(0)
            check, links = check_page(driver, url)
            checks.append(check)
            for link in links:
                page = link.split("#")[0]
                if page.startswith(site.resolve().as_uri()) and page.endswith(".html") and page not in seen \
                        and Path(page.removeprefix("file://")).name != "404.html":
                    seen.add(page)
                    queue.append(page)
    finally:
        driver.quit()
    pages = {p.resolve().as_uri() for p in site.glob("*.html") if p.name != "404.html"}
    return checks, sorted(pages - seen)


def screenshot(page: Path, png: Path) -> None:
    driver = open_browser()
    try:
        check_page(driver, page.resolve().as_uri())
        driver.save_screenshot(str(png))
    finally:
        driver.quit()


if __name__ == "__main__":
    site_dir = Path(sys.argv[1])
    if sys.argv[2:3] == ["--screenshot"]:
        screenshot(site_dir / sys.argv[3], Path(sys.argv[4]))
        sys.exit(0)
    results, unreached = check_site(site_dir)
    for r in results:
        if r.errors or r.raw or r.outside:
            print(r.url, r.errors[:3], r.raw[:3], r.outside[:3])
    print(f"{len(results)} pages, {sum(r.math for r in results)} formulas typeset, "
          f"{sum(len(r.errors) for r in results)} math errors, {sum(len(r.raw) for r in results)} raw TeX, "
          f"{sum(len(r.outside) for r in results)} outside requests, {len(unreached)} pages not reached")
