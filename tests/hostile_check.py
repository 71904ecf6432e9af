"""Open every page of a built site in headless Chromium with a logging HTTP server on loopback,
and report whether any page ran script or made a request. Meant to run inside an empty network
namespace (`unshare -n`, loopback up), where the logging server is the only thing a page could
reach; the attacks in a hostile source point at it and, when they run, set the page's title.

    python tests/hostile_check.py SITE_DIR PORT     -> one JSON line on stdout
"""

from __future__ import annotations

import http.server
import json
import sys
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from browser_check import check_page, check_site, open_browser  # noqa: E402

PWNED = "PWN"   # what every script payload in the hostile source writes into document.title


def serve(port: int, hits: list[str]) -> http.server.ThreadingHTTPServer:
    class Log(http.server.BaseHTTPRequestHandler):
        def do_GET(self):   # noqa: N802
            hits.append(self.path)
            self.send_response(204)
            self.end_headers()

        do_POST = do_GET

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Log)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def titles_and_policies(site: Path) -> list[dict]:
    """Each page's title after it loaded (a payload that ran changes it) and its policy."""
    driver = open_browser()
    try:
        found = []
        for page in sorted(site.glob("*.html")):
            check_page(driver, page.resolve().as_uri())   # loaded and typeset: any payload has had its chance
            title = driver.execute_script("return document.title")
            policy = driver.execute_script("const m = document.querySelector('meta[http-equiv=\"Content-Security-Policy\"]');"
                                           "return m ? m.content : ''")
            links = driver.execute_script("return [...document.querySelectorAll('a[href]')].map(a => a.getAttribute('href'))")
            found.append({"page": page.name, "title": title, "policy": policy, "links": links})
        return found
    finally:
        driver.quit()


if __name__ == "__main__":
    site_dir, port = Path(sys.argv[1]), int(sys.argv[2])
    hits: list[str] = []
    server = serve(port, hits)
    try:
        checks, unreached = check_site(site_dir)
        pages = titles_and_policies(site_dir)
    finally:
        server.shutdown()
    print(json.dumps({"pages": pages, "hits": hits, "outside": sorted({u for c in checks for u in c.outside}),
                      "math_errors": [e for c in checks for e in c.errors], "unreached": unreached,
                      "checked": len(checks)}))
