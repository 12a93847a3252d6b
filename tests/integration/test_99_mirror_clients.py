"""The static mirror with what people already point at a status page (issue 17): tocsin's own
embed (/embed.js on a customer's site, another origin), Atlassian's <statuspage-widget> web
component and the statuspage.io Node client (both npm, pinned by scripts/install-deps into
.deps/statuspage-clients) read the folder that `export: {dir}` keeps, served by nginx with the
snippet the export writes (test_99_export's fixture), as they read the daemon, and go on
reading it once the daemon has stopped. What does not work there is checked too: the mirror
takes no writes (a subscription sent to it changes nothing). Screenshots go to
$TOCSIN_SCREENSHOTS."""

import json
import os
import subprocess
import time
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By

from browser import REPO, chromium, shot
from test_80_write_api import create, make_key, patch, wait_until
from test_95_embed import CONFIG as EMBED_CONFIG, STATE, TITLE, WATCH_CSP, HostSite
from test_99_export import fetch, nginx  # noqa: F401 (nginx is a fixture)

CLIENTS = REPO / ".deps" / "statuspage-clients"
WIDGET_JS = CLIENTS / "node_modules" / "@statuspage" / "status-widget" / "dist" / "index.js"
NODE_CLIENT = Path(__file__).resolve().parent / "statuspage_io_client.js"

# test_95's page, with subscriptions (so the page has its form) and the mirror.
CONFIG = EMBED_CONFIG + """\
channels:
  - {id: mail, kind: email, url: 'smtp://127.0.0.1:9', from: status@example.test,
     to: [ops@example.test]}
subscribers:
  email_channel: mail
export:
  dir: %s
"""
MAINTENANCE = "Datenbank-Wartung – Käse"

# A customer's page with tocsin's embed, under a strict Content-Security-Policy that names the
# mirror as the only other origin (what the embed's documentation asks a site to allow).
EMBED_PAGE = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>Customer site</title><script src="/watch-csp.js"></script></head>
<body><h1>Customer site</h1>
<p>Service status: <script src="%(status)s/embed.js" async></script></p></body></html>
"""

# The same site with Atlassian's widget, as its README shows it (the bundle served by the
# site itself, where the README has a CDN), in both of its appearances.
WIDGET_PAGE = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>Customer site</title><script src="/status-widget.js"></script></head>
<body><h1>Customer site</h1>
<p id="basic"><statuspage-widget src="%(status)s"></statuspage-widget></p>
<p id="badge"><statuspage-widget src="%(status)s" appearance="badge"></statuspage-widget></p>
</body></html>
"""

# /embed, the page for an <iframe>, framed by the same site.
FRAME_PAGE = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>Customer site</title></head><body>
<iframe id="embed" src="%(status)s/embed" title="Service status" width="420" height="160">
</iframe></body></html>
"""

# What the widget shows, read through its shadow root.
WIDGET_STATE = """
var out = [];
document.querySelectorAll('statuspage-widget').forEach(function (w) {
  var root = w.shadowRoot;
  var text = root && root.querySelector('.status-text');
  var dot = root && root.querySelector('.status-indicator');
  var a = root && root.querySelector('a');
  out.push(text ? {text: text.textContent.trim(), indicator: dot.className,
                   label: dot.textContent.trim(), href: a.href,
                   colour: getComputedStyle(dot).backgroundColor} : null);
});
return out;
"""


def mirror_json(base, path):
    status, body, _ = fetch(base + path)
    assert status == 200, path
    return json.loads(body)


@pytest.fixture
def page(start_daemon, tmp_path, nginx):  # noqa: F811 (the fixture imported above)
    """A daemon whose page has an incident open and a maintenance under way, its mirror served
    by nginx from the shipped snippet, and the keys and ids the tests need."""
    if not WIDGET_JS.is_file() or not (CLIENTS / "node_modules" / "statuspage.io").is_dir():
        pytest.fail("the Statuspage clients are missing (%s): run scripts/install-deps, which "
                    "fetches the pinned versions with npm" % CLIENTS)
    folder = tmp_path / "mirror"
    d = start_daemon(CONFIG % folder)
    key = make_key(d)
    inc = create(d, key, name=TITLE, status="investigating", body="Wir prüfen das.",
                 components={"rest": "major_outage"})
    maint = create(d, key, name=MAINTENANCE, status="in_progress",
                   scheduled_for="2020-01-01T00:00:00Z", scheduled_until="2099-01-01T13:30:00Z",
                   body="Upgrading.", components={"web": "under_maintenance"})
    create(d, key, name="Upgrade next year", status="scheduled",
           scheduled_for="2099-02-01T00:00:00Z", scheduled_until="2099-02-01T02:00:00Z",
           body="Later.", components={"web": "under_maintenance"})
    summary = folder / "api" / "v2" / "summary.json"
    wait_until(d, lambda: summary.exists() and (lambda s: s["incidents"] and
                                                len(s["scheduled_maintenances"]) == 2)(
        json.loads(summary.read_bytes())), "the incident and maintenance in the mirror",
        timeout=10)
    time.sleep(0.5)  # a refresh in flight finishes: the folder is swapped whole
    return {"d": d, "key": key, "incident": inc["id"], "maintenance": maint["id"],
            "folder": folder, "mirror": nginx(folder)}


def wait_for_mirror(p, predicate, what):
    """Wait until the mirror nginx serves has caught up with the daemon (the export runs
    after every change, off the engine thread)."""
    return wait_until(p["d"], lambda: predicate(mirror_json(p["mirror"], "/api/v2/summary.json")),
                      what, timeout=10)


def statuspage_io(base):
    r = subprocess.run(["node", str(NODE_CLIENT), str(CLIENTS), base], capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def test_statuspage_io_client_reads_the_mirror_as_the_daemon(page):
    d, mirror = page["d"], page["mirror"]
    live = statuspage_io(d.base)
    mirrored = statuspage_io(mirror)
    assert mirrored == live
    for call, result in mirrored.items():
        assert "data" in result, (call, result)
    got = {k: v["data"] for k, v in mirrored.items()}
    assert got["summary"]["page"]["name"] == "Zahlungsdienst Status"
    assert got["summary"]["status"] == {"indicator": "critical",
                                        "description": "Major System Outage"}
    assert got["status"]["status"] == got["summary"]["status"]
    assert {c["name"]: c["status"] for c in got["components"]["components"]} == {
        "REST API": "major_outage", "Website": "under_maintenance"}
    assert [i["name"] for i in got["incidents"]["incidents"]] == [TITLE]
    assert got["incidents"]["incidents"][0]["incident_updates"][0]["body"] == "Wir prüfen das."
    assert [i["id"] for i in got["unresolved"]["incidents"]] == [page["incident"]]
    # The client asks upcoming.json for all three of its maintenance calls (its own choice).
    assert [m["name"] for m in got["maintenances_upcoming"]["scheduled_maintenances"]] == [
        "Upgrade next year"]

    # The host goes down; the mirror answers the client as before.
    d.stop()
    assert statuspage_io(mirror) == live
    assert "ECONNREFUSED" in json.dumps(statuspage_io(d.base)["summary"])


def widget_state(browser):
    return browser.execute_script(WIDGET_STATE)


def test_embed_and_statuspage_widget_read_the_mirror(page, tmp_path):
    d, mirror, key = page["d"], page["mirror"], page["key"]
    site_folder = tmp_path / "site"
    site_folder.mkdir()
    (site_folder / "embed.html").write_text(EMBED_PAGE % {"status": mirror})
    (site_folder / "widget.html").write_text(WIDGET_PAGE % {"status": mirror})
    (site_folder / "frame.html").write_text(FRAME_PAGE % {"status": mirror})
    (site_folder / "watch-csp.js").write_text(WATCH_CSP)
    (site_folder / "status-widget.js").write_bytes(WIDGET_JS.read_bytes())
    # The strict policy for tocsin's embed; Atlassian's widget styles itself with <style>
    # elements, which such a policy blocks, so its page goes without.
    site = HostSite(site_folder, mirror, strict_only="/embed.html")
    browser = chromium(900, 600)
    # A mirror that has been quiet for ten days: without a max-age from the server, browsers
    # would keep what they fetch now for a tenth of that, long after the mirror changed.
    quiet = time.time() - 10 * 86400
    for f in page["folder"].rglob("*"):
        os.utime(f, (quiet, quiet))
    try:
        summary = mirror_json(mirror, "/api/v2/summary.json")
        status = summary["status"]

        # tocsin's embed, from the mirror: the pill and the incident's banner.
        browser.get(site.base + "/embed.html")
        state = wait_until(d, lambda: (lambda s: s["pill"] and s["pill"]["shown"] and
                                       s["banner"] and s)(browser.execute_script(STATE)),
                           "the embed's pill and banner")
        first_read = time.monotonic()
        assert state["pill"]["text"] == status["description"] == "Major System Outage"
        assert state["pill"]["indicator"] == "critical"
        assert state["pill"]["href"] == mirror + "/"
        assert TITLE in state["banner"]["live"] and "Investigating" in state["banner"]["live"]
        link = mirror + "/incidents/" + page["incident"]
        assert state["banner"]["link"] == link
        assert state["violations"] == []
        shot(browser, tmp_path, "mirror-embed-incident")
        # The banner's link opens the incident's page on the mirror, text intact.
        browser.get(link)
        assert TITLE in browser.title and "Wir prüfen das." in browser.page_source
        # The mirror's page: every component with its status, the incident, the maintenance.
        browser.get(mirror + "/")
        text = browser.find_element(By.TAG_NAME, "body").text
        for words in ("REST API\nMajor Outage", "Website\nUnder Maintenance", TITLE,
                      "Wir prüfen das.", MAINTENANCE):
            assert words in text, (words, text)
        shot(browser, tmp_path, "mirror-page-incident")
        # /embed in the site's <iframe>: the mirror sends no frame-ancestors, the page shows.
        browser.get(site.base + "/frame.html")
        browser.switch_to.frame(browser.find_element(By.ID, "embed"))
        text = wait_until(d, lambda: (lambda t: TITLE in t and t)(
            browser.find_element(By.TAG_NAME, "body").text), "the framed /embed")
        assert status["description"] in text and "Investigating" in text
        browser.switch_to.default_content()

        # Atlassian's widget: the page status from the mirror's summary.json, linking there.
        browser.get(site.base + "/widget.html")
        widgets = wait_until(d, lambda: (lambda w: all(w) and w)(widget_state(browser)),
                             "the widgets")
        basic, badge = widgets
        assert basic["text"] == status["description"] == badge["label"]
        assert badge["text"] == "system status"  # the widget's default title
        for w in widgets:
            assert "critical" in w["indicator"].split()
            assert w["href"].rstrip("/") == mirror
        assert widgets[0]["colour"] == "rgb(231, 76, 60)"  # its "critical" red
        shot(browser, tmp_path, "mirror-statuspage-widget-incident")

        # The incident is resolved; the mirror follows, then the host goes down. A visitor
        # who comes back after the 10 s the mirror lets browsers keep summary.json (no
        # cache cleared) sees the maintenance under way, read from the mirror alone.
        patch(d, key, page["incident"], status="resolved", body="Behoben.",
              components={"rest": "operational"})
        wait_for_mirror(page, lambda s: not s["incidents"], "the resolution in the mirror")
        time.sleep(0.5)
        d.stop()
        time.sleep(max(0.0, first_read + 11 - time.monotonic()))
        browser.get(site.base + "/embed.html")
        state = wait_until(d, lambda: (lambda s: s["banner"] and s)(browser.execute_script(STATE)),
                           "the maintenance banner")
        assert MAINTENANCE in state["banner"]["live"]
        assert "Maintenance in progress until" in state["banner"]["live"]
        assert "Upgrade next year" not in state["banner"]["text"]
        assert state["banner"]["link"] == mirror + "/incidents/" + page["maintenance"]
        assert state["pill"]["text"] == "Service Under Maintenance"
        assert state["pill"]["indicator"] == "maintenance"
        assert state["violations"] == []
        shot(browser, tmp_path, "mirror-embed-maintenance")
        browser.get(state["banner"]["link"])
        assert MAINTENANCE in browser.title

        browser.get(site.base + "/widget.html")
        widgets = wait_until(d, lambda: (lambda w: all(w) and w)(widget_state(browser)),
                             "the widgets")
        basic, badge = widgets
        assert basic["text"] == "Service Under Maintenance" == badge["label"]
        for w in widgets:
            assert "maintenance" in w["indicator"].split()
        shot(browser, tmp_path, "mirror-statuspage-widget-maintenance")
    finally:
        browser.quit()
        site.close()


def test_the_mirror_takes_no_writes(page):
    """The page's subscribe form posts to the server it came from: the mirror answers 404 and
    nobody is subscribed (README, "A static mirror that outlives the host")."""
    d, mirror = page["d"], page["mirror"]
    assert b'action="/api/v2/subscribers"' in fetch(mirror + "/")[1]
    import urllib.error
    import urllib.request
    req = urllib.request.Request(mirror + "/api/v2/subscribers", method="POST",
                                 data=b"email=ana%40example.com",
                                 headers={"Content-Type": "application/x-www-form-urlencoded"})
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(req, timeout=5)
    assert err.value.code == 404
    status, _, body = d.raw_request("GET", "/v1/pages/testpage/subscribers",
                                    headers={"Authorization": "OAuth " + page["key"]})
    assert status == 200 and json.loads(body) == [], body
