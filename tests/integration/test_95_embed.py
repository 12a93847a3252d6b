"""The embeds (issue 18) as a customer's site uses them, in headless Chromium: a page served
from another origin (a small http.server on another port, with a strict
Content-Security-Policy that allows only the status server's script and requests) loads
/embed.js with one script tag; the pill shows the page status from summary.json, the banner
shows the open incident's title with a link, dismisses with Escape and stays dismissed until
the incident changes; nothing breaks the host's CSP. /embed renders inside an <iframe> on
that site while / refuses to be framed. Screenshots go to $TOCSIN_SCREENSHOTS."""

import gzip
import json
import os
import threading
import time
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from conftest import chromium, header
from test_80_write_api import create, get_json, make_key, patch, wait_until

CONFIG = """\
page:
  id: testpage
  name: Zahlungsdienst Status
  url: http://status.example.test
  time_zone: Europe/Berlin
components:
  - id: rest
    name: REST API
  - id: web
    name: Website
"""

TITLE = "Zahlungen verzögert <b>jetzt</b>"

HOST_PAGE = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>Customer site</title><script src="/watch-csp.js"></script></head>
<body><h1>Customer site</h1>
<p>Service status: <script src="%(status)s/embed.js" async></script></p>
<p>Some text of the customer's page.</p></body></html>
"""

FRAME_PAGE = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>Framed</title></head><body>
<iframe id="embed" src="%(status)s/embed" title="Service status" width="420" height="140">
</iframe>
<iframe id="page" src="%(status)s/" title="Status page" width="420" height="140"></iframe>
</body></html>
"""

# Violations of the host's policy are collected where the test can read them.
WATCH_CSP = """window.violations = [];
document.addEventListener('securitypolicyviolation', function (e) {
  window.violations.push(e.violatedDirective + ' ' + e.blockedURI);
});
"""


class HostSite:
    """A customer's site on its own port, answering with a strict CSP (with @strict_only, only
    for the paths that start with it: a page with other widgets may need a looser one)."""

    def __init__(self, folder, status_base, strict_only=None):
        policy = ("default-src 'self'; script-src 'self' %s; connect-src %s; style-src 'self'; "
                  "frame-src %s" % (status_base, status_base, status_base))

        class Handler(SimpleHTTPRequestHandler):
            def end_headers(self):
                if strict_only is None or self.path.startswith(strict_only):
                    self.send_header("Content-Security-Policy", policy)
                super().end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0),
                                          partial(Handler, directory=str(folder)))
        self.base = "http://127.0.0.1:%d" % self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def browser():
    b = chromium(900, 600)
    yield b
    b.quit()


@pytest.fixture
def site(start_daemon, tmp_path):
    d = start_daemon(CONFIG)
    folder = tmp_path / "site"
    folder.mkdir()
    (folder / "index.html").write_text(HOST_PAGE % {"status": d.base})
    (folder / "frame.html").write_text(FRAME_PAGE % {"status": d.base})
    (folder / "watch-csp.js").write_text(WATCH_CSP)
    host = HostSite(folder, d.base)
    yield d, host
    host.close()


def shot(browser, tmp_path, name):
    folder = Path(os.environ.get("TOCSIN_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    browser.save_screenshot(str(folder / (name + ".png")))


# What the embed shows, read through its shadow roots.
STATE = """
var out = {pill: null, banner: null};
document.querySelectorAll('[data-tocsin-embed]').forEach(function (host) {
  var root = host.shadowRoot;
  var pill = root.querySelector('[data-part=pill]');
  var banner = root.querySelector('[data-part=banner]');
  if (pill) out.pill = {text: pill.textContent, label: pill.getAttribute('aria-label'),
    indicator: pill.getAttribute('data-indicator'), href: pill.href,
    radius: getComputedStyle(pill).borderTopLeftRadius,
    shown: host.getBoundingClientRect().width > 0};
  if (banner) out.banner = {text: banner.textContent, role: banner.getAttribute('role'),
    link: banner.querySelector('a').href, linkLabel: banner.querySelector('a').getAttribute('aria-label'),
    live: banner.querySelector('[role=status]').textContent,
    position: getComputedStyle(host).position};
});
out.focused = null;
document.querySelectorAll('[data-tocsin-embed]').forEach(function (host) {
  var a = host.shadowRoot.activeElement;
  if (a) out.focused = a.getAttribute('data-part') || a.getAttribute('aria-label');
});
out.violations = window.violations;
return out;
"""


def embed_state(b):
    return b.execute_script(STATE)


def revisit(b, url):
    """Open @url again as a later visit would, past the 10 s the browser may keep the
    previous summary.json (Cache-Control: max-age=10)."""
    b.execute_cdp_cmd("Network.clearBrowserCache", {})
    b.get(url)


def test_embed_script_on_another_origin(site, browser, tmp_path):
    d, host = site
    key = make_key(d)
    inc = create(d, key, name=TITLE, status="investigating", body="Looking.",
                 components={"rest": "major_outage"})
    summary = wait_until(d, lambda: (lambda s: s["incidents"] and s)(
        get_json(d, "/api/v2/summary.json")), "the incident in summary.json")
    status = summary["status"]

    browser.get(host.base + "/index.html")
    state = wait_until(d, lambda: (lambda s: s["pill"] and s["pill"]["shown"] and s["banner"]
                                   and s)(embed_state(browser)), "the pill and the banner")
    pill, banner = state["pill"], state["banner"]
    assert pill["text"] == status["description"] and pill["indicator"] == status["indicator"]
    assert pill["label"] == "Zahlungsdienst Status status: " + status["description"]
    assert pill["href"] == d.base + "/"
    assert pill["radius"] == "999px"  # styled through the CSSOM despite style-src 'self'
    assert banner["role"] == "region" and TITLE in banner["live"]
    assert "Investigating" in banner["live"]
    assert banner["link"] == d.base + "/incidents/" + inc["id"]
    assert banner["linkLabel"] == "View incident: " + TITLE
    assert banner["position"] == "fixed"
    assert state["violations"] == []
    # The title is text: no <b> element came from it.
    assert browser.execute_script(
        "return document.querySelectorAll('b').length") == 0
    shot(browser, tmp_path, "embed-incident")

    # Keyboard: focus the dismiss button, press Escape; focus moves to the pill.
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys
    browser.execute_script(
        "document.querySelectorAll('[data-tocsin-embed]').forEach(function (h) {"
        "  var b = h.shadowRoot.querySelector('button'); if (b) b.focus(); });")
    assert embed_state(browser)["focused"] == "Dismiss"
    ActionChains(browser).send_keys(Keys.ESCAPE).perform()
    state = embed_state(browser)
    assert state["banner"] is None and state["focused"] == "pill"
    # It stays dismissed on the next visit...
    revisit(browser, host.base + "/index.html")
    wait_until(d, lambda: (embed_state(browser)["pill"] or {}).get("shown"), "the pill")
    time.sleep(0.5)
    assert embed_state(browser)["banner"] is None
    # ...until the incident changes.
    patch(d, key, inc["id"], status="identified", body="Found it.")
    wait_until(d, lambda: get_json(d, "/api/v2/summary.json")["incidents"][0]["status"] ==
               "identified", "the update in summary.json")
    revisit(browser, host.base + "/index.html")
    state = wait_until(d, lambda: (lambda s: s["banner"] and s)(embed_state(browser)),
                       "the banner again")
    assert "Identified" in state["banner"]["live"]

    # Resolved: no banner, and the pill says all is well.
    patch(d, key, inc["id"], status="resolved", body="Fixed.", components={"rest": "operational"})
    wait_until(d, lambda: get_json(d, "/api/v2/summary.json")["status"]["indicator"] == "none",
               "the resolution in summary.json")
    revisit(browser, host.base + "/index.html")
    state = wait_until(d, lambda: (lambda s: s["pill"] and s["pill"]["shown"] and s)(
        embed_state(browser)), "the pill")
    time.sleep(0.5)
    state = embed_state(browser)
    assert state["pill"]["text"] == "All Systems Operational" and state["banner"] is None
    assert state["violations"] == []
    shot(browser, tmp_path, "embed-operational")


def test_embed_page_may_be_framed_and_nothing_else(site, browser, tmp_path):
    d, host = site
    key = make_key(d)
    create(d, key, name=TITLE, status="investigating", body="Looking.",
           components={"web": "partial_outage"})
    wait_until(d, lambda: get_json(d, "/api/v2/summary.json")["incidents"], "the incident")
    status, hdrs, _ = d.raw_request("GET", "/embed")
    assert status == 200
    assert "frame-ancestors *" in header(hdrs, "Content-Security-Policy")[0]
    for path in ("/", "/history", "/uptime"):
        status, hdrs, _ = d.raw_request("GET", path)
        assert "frame-ancestors 'none'" in header(hdrs, "Content-Security-Policy")[0], path

    browser.get(host.base + "/frame.html")
    time.sleep(1)
    from selenium.webdriver.common.by import By
    browser.switch_to.frame(browser.find_element(By.ID, "embed"))
    text = browser.find_element(By.TAG_NAME, "body").text
    assert "Minor Service Outage" in text or "Partial System Outage" in text, text
    assert TITLE in text and "Investigating" in text
    link = browser.find_element(By.CSS_SELECTOR, "li a")
    assert link.get_attribute("target") == "_blank"
    browser.switch_to.default_content()
    # The status page itself refuses to be framed: its frame holds no page.
    browser.switch_to.frame(browser.find_element(By.ID, "page"))
    assert "Zahlungsdienst" not in browser.page_source
    browser.switch_to.default_content()
    shot(browser, tmp_path, "embed-frame")


def test_embed_script_is_small_and_cached(site):
    d, _ = site
    status, hdrs, body = d.raw_request("GET", "/embed.js", headers={"Accept-Encoding": "gzip"})
    assert status == 200
    assert header(hdrs, "Content-Type") == ["text/javascript; charset=utf-8"]
    assert header(hdrs, "Content-Encoding") == ["gzip"] and len(body) < 5 * 1024, len(body)
    assert b"document.currentScript" in gzip.decompress(body)
    etag = header(hdrs, "ETag")[0]
    status, _, _ = d.raw_request("GET", "/embed.js", headers={"Accept-Encoding": "gzip",
                                                              "If-None-Match": etag})
    assert status == 304
    # What the script reads is open to other origins.
    _, hdrs, body = d.raw_request("GET", "/api/v2/summary.json",
                                  headers={"Origin": "http://customer.example"})
    assert header(hdrs, "Access-Control-Allow-Origin") == ["*"]
    json.loads(body)


def test_embed_banner_shows_maintenance_in_progress(site, browser, tmp_path):
    """With no incident open, a maintenance under way has the banner (its name, "Maintenance
    in progress until <its end in the visitor's time>", a link to it); an incident that opens
    takes the banner over. /embed lists the maintenance as well; upcoming maintenance shows
    in neither."""
    d, host = site
    key = make_key(d)
    create(d, key, name="Upgrade next year", status="scheduled",
           scheduled_for="2099-01-01T00:00:00Z", scheduled_until="2099-01-01T02:00:00Z",
           body="Later.", components={"web": "under_maintenance"})
    maint = create(d, key, name="Datenbank-Wartung", status="in_progress",
                   scheduled_for="2020-01-01T00:00:00Z", scheduled_until="2099-01-01T13:30:00Z",
                   body="Upgrading.", components={"web": "under_maintenance"})
    wait_until(d, lambda: any(m["status"] == "in_progress" for m in get_json(
        d, "/api/v2/summary.json")["scheduled_maintenances"]), "the maintenance in summary.json")

    browser.get(host.base + "/index.html")
    state = wait_until(d, lambda: (lambda s: s["banner"] and s)(embed_state(browser)),
                       "the maintenance banner")
    banner = state["banner"]
    assert "Datenbank-Wartung" in banner["live"] and "Upgrade next year" not in banner["text"]
    end = browser.execute_script(
        "return new Date('2099-01-01T13:30:00Z').toLocaleTimeString([], "
        "{hour: '2-digit', minute: '2-digit'})")
    assert "Maintenance in progress until " + end in banner["live"], banner
    assert banner["link"] == d.base + "/incidents/" + maint["id"]
    assert banner["linkLabel"] == "View maintenance: Datenbank-Wartung"
    edge = browser.execute_script(
        "var h = document.querySelectorAll('[data-tocsin-embed]');"
        "for (var i = 0; i < h.length; i++) { var b = h[i].shadowRoot"
        "  .querySelector('[data-part=banner]'); if (b) return getComputedStyle(b)"
        "  .borderLeftColor; }")
    assert edge == "rgb(9, 105, 218)"  # the maintenance colour
    assert embed_state(browser)["violations"] == []
    shot(browser, tmp_path, "embed-maintenance")

    page = d.raw_request("GET", "/embed")[2].decode()
    assert "Datenbank-Wartung</a><span>Maintenance in progress</span>" in page
    assert "Upgrade next year" not in page

    # An incident outranks the maintenance.
    create(d, key, name=TITLE, status="investigating", body="Looking.",
           components={"rest": "major_outage"})
    wait_until(d, lambda: get_json(d, "/api/v2/summary.json")["incidents"], "the incident")
    revisit(browser, host.base + "/index.html")
    state = wait_until(d, lambda: (lambda s: s["banner"] and TITLE in s["banner"]["live"] and s)(
        embed_state(browser)), "the incident's banner")
    assert "Datenbank-Wartung" not in state["banner"]["text"]
