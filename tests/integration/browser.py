"""Headless Chromium for the browser tests, and axe-core's accessibility check in both colour
schemes. A test takes the `browser` fixture (conftest.py) and calls `assert_accessible(browser,
url)`; pages that only a form or a click reaches are checked where the browser already is
with `axe_violations(browser)` after `set_color_scheme()`.

axe-core is fetched by scripts/install-deps into the git-ignored .deps/axe-core (pinned
version); when it or Chromium is missing, the test fails and says how to get it: an
accessibility test that skips itself checks nothing.

Screenshots go to $TOCSIN_SCREENSHOTS (default: the test's tmp folder) so a person can look.
"""

import base64
import json
import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CHROMEDRIVER = "/usr/bin/chromedriver"
AXE_JS = Path(os.environ.get("TOCSIN_AXE_JS") or REPO / ".deps" / "axe-core" / "axe.min.js")

# WCAG 2.1 A and AA plus axe's best practices (landmarks, headings, region): what the issue
# asks for; and WCAG 2.2 AA, whose target-size rule (24 px targets) Lighthouse's
# accessibility score counts too.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]


def chromium(width=1200, height=1600):
    """A headless Chromium (the caller quits it). Fails, not skips, when it cannot start."""
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.options import Options
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        pytest.fail("python3-selenium is missing: run scripts/install-deps")
    if not os.path.exists(CHROMEDRIVER):
        pytest.fail(CHROMEDRIVER + " is missing: run scripts/install-deps (chromium-driver)")
    opts = Options()
    opts.add_argument("--headless=new")
    opts.add_argument("--no-sandbox")
    opts.add_argument("--window-size=%d,%d" % (width, height))
    return webdriver.Chrome(options=opts, service=Service(executable_path=CHROMEDRIVER))


def set_color_scheme(browser, scheme):
    """Emulate prefers-color-scheme (light or dark) for this and later pages."""
    assert scheme in ("light", "dark")
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia",
                            {"features": [{"name": "prefers-color-scheme", "value": scheme}]})


def set_phone(browser, width=390, height=844):
    """Emulate a phone's viewport (CSS pixels, touch); set_phone(browser, None) ends it."""
    if width is None:
        browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
        browser.execute_cdp_cmd("Emulation.setTouchEmulationEnabled", {"enabled": False})
        return
    browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                            {"width": width, "height": height, "deviceScaleFactor": 2,
                             "mobile": True})
    browser.execute_cdp_cmd("Emulation.setTouchEmulationEnabled", {"enabled": True})


def axe_source():
    if not AXE_JS.is_file():
        pytest.fail("axe-core is missing (%s): run scripts/install-deps, which fetches the "
                    "pinned version with npm" % AXE_JS)
    return AXE_JS.read_text()


def axe_violations(browser):
    """Run axe-core on the page the browser shows; returns its violations (a list of dicts)."""
    browser.execute_script(axe_source())
    browser.set_script_timeout(60)
    result = browser.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {runOnly: {type: 'tag', values: arguments[0]},"
        "                   resultTypes: ['violations']})"
        "  .then(r => done(JSON.stringify(r.violations)),"
        "        e => done(JSON.stringify({error: String(e)})));", AXE_TAGS)
    found = json.loads(result)
    assert not isinstance(found, dict), "axe-core failed: %s" % found
    return found


def describe(violations):
    """A readable list: rule, impact, help, and each failing element with axe's reason."""
    lines = []
    for v in violations:
        lines.append("%s (%s): %s" % (v["id"], v["impact"], v["help"]))
        for node in v["nodes"][:8]:
            lines.append("    %s\n      %s" % (" ".join(node["target"]),
                                               node["failureSummary"].replace("\n", " ")))
        if len(v["nodes"]) > 8:
            lines.append("    ... and %d more" % (len(v["nodes"]) - 8))
    return "\n".join(lines)


def assert_accessible(browser, url, schemes=("light", "dark")):
    """Load @url in each colour scheme and assert that axe-core finds no violation."""
    failures = []
    for scheme in schemes:
        set_color_scheme(browser, scheme)
        browser.get(url)
        found = axe_violations(browser)
        if found:
            failures.append("%s in %s mode:\n%s" % (url, scheme, describe(found)))
    set_color_scheme(browser, "light")
    assert not failures, "\n\n".join(failures)


def click_and_wait(browser, element, timeout=10):
    """Click @element (a submit button, a link) and wait until the page it loads is there.
    While Chromium swaps documents, asking about the old one may fail in several ways (a
    stale element, "node does not belong to the document"): all of them mean "not yet"."""
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.support.ui import WebDriverWait
    old = browser.find_element("tag name", "html")
    element.click()

    def loaded(b):
        try:
            old.tag_name
            return False
        except WebDriverException:
            return b.execute_script("return document.readyState") == "complete"
    WebDriverWait(browser, timeout, ignored_exceptions=(WebDriverException,)).until(loaded)


def shot(browser, tmp_path, name):
    """Save a screenshot as NAME.png in $TOCSIN_SCREENSHOTS or @tmp_path; returns its path."""
    folder = Path(os.environ.get("TOCSIN_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / (name + ".png")
    browser.save_screenshot(str(path))
    assert path.stat().st_size > 1000
    return path


def full_page_shot(browser, tmp_path, name):
    """Like shot(), but the whole page height (Chromium's captureBeyondViewport)."""
    folder = Path(os.environ.get("TOCSIN_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / (name + ".png")
    data = browser.execute_cdp_cmd("Page.captureScreenshot",
                                   {"format": "png", "captureBeyondViewport": True})
    path.write_bytes(base64.b64decode(data["data"]))
    assert path.stat().st_size > 1000
    return path
