"""The HTML status page at /."""

import html
import re
import signal

import pytest
import requests

from conftest import dedent

PAGE_CONFIG = """\
page:
  id: htmlpage
  name: Acme Cloud Status
  url: https://status.acme.test
  time_zone: America/Los_Angeles
  description: 'Quotes "double" & ''single'' <b>not bold</b>'

groups:
  - id: core
    name: Core Platform
    description: Everything in the core.
  - id: edge
    name: Edge Network

components:
  - id: xss
    name: "<script>alert(1)</script>"
    group: core
    description: 'Tricky "&''<> text'
  - id: db
    name: Database Cluster
    group: core
  - id: cdn
    name: Content Delivery
    group: edge
  - id: billing
    name: Billing Portal
  - id: hidden
    name: Secret Batch Jobs
    description: Only when degraded.
    only_show_if_degraded: true
"""


@pytest.fixture(scope="module")
def page_daemon(tmp_path_factory):
    from conftest import Daemon
    d = Daemon(tmp_path_factory.mktemp("page"), PAGE_CONFIG)
    d.start()
    try:
        yield d
    finally:
        d.stop()


@pytest.fixture(scope="module")
def page(page_daemon):
    r = requests.get(page_daemon.url("/"), timeout=5)
    assert r.status_code == 200
    return r


def test_content_type(page):
    ctype = page.headers["Content-Type"]
    assert ctype.split(";")[0].strip() == "text/html"
    assert "charset=utf-8" in ctype.lower().replace(" ", "")


def test_doctype_and_lang(page):
    assert page.text.lstrip().lower().startswith("<!doctype html>")
    assert re.search(r"<html[^>]*\blang=", page.text)


def test_names_and_descriptions(page):
    body = page.text
    assert "Acme Cloud Status" in body
    assert "<title>" in body and "Acme Cloud Status" in body.split("<title>")[1].split("</title>")[0]
    for name in ("Core Platform", "Edge Network", "Database Cluster", "Content Delivery",
                 "Billing Portal"):
        assert name in body, name
    assert "Everything in the core." in body


def test_banner(page):
    assert "All Systems Operational" in page.text


def test_footer_time_zone(page):
    footer = page.text.split("<footer", 1)
    assert len(footer) == 2, "no <footer>"
    assert "America/Los_Angeles" in footer[1]


def own_scripts_removed(body):
    """The page without the two script elements it carries itself: the day bars' JSON data
    (which runs nothing) and /page.js, each exactly once."""
    body, n = re.subn(r'<script type="application/json" id="tc-days">[^<]*</script>'
                      r'<script src="/page.js" defer></script>', "", body)
    assert n == 1
    return body


def test_component_name_escaped(page):
    body = page.text
    assert "<script>alert(1)</script>" not in body
    assert "<script" not in own_scripts_removed(body).lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body


def test_description_escaped(page):
    body = page.text
    assert "\"&'<>" not in body
    assert "<b>not bold</b>" not in body
    # Every special character of the description comes out as an entity.
    m = re.search(r"Tricky ([^ ]*) text", body)
    assert m, "component description missing"
    assert html.unescape(m.group(1)) == "\"&'<>"
    assert "<" not in m.group(1) and ">" not in m.group(1)
    assert "&amp;" in m.group(1)
    # The page description is escaped too, in text and in attributes.
    assert "&lt;b&gt;not bold&lt;/b&gt;" in body
    for attr in re.findall(r'content="([^"]*)"', body):
        assert "<" not in attr and ">" not in attr


def test_html_attributes_well_formed(page):
    """The page description in <meta content="..."> must not break out of the attribute."""
    m = re.search(r'<meta name="description" content="([^"]*)"', page.text)
    if m:
        assert html.unescape(m.group(1)) == 'Quotes "double" & \'single\' <b>not bold</b>'


def test_escaped_strings_are_raw_in_json(page_daemon):
    comps = requests.get(page_daemon.url("/api/v2/components.json"), timeout=5).json()
    by_id = {c["id"]: c for c in comps["components"]}
    assert by_id["xss"]["name"] == "<script>alert(1)</script>"
    assert by_id["xss"]["description"] == "Tricky \"&'<> text"


def test_viewport_and_dark_mode(page):
    body = page.text
    assert re.search(r'<meta[^>]+name="viewport"[^>]+width=device-width', body)
    assert "prefers-color-scheme" in body
    assert re.search(r"@media\s*\(\s*prefers-color-scheme\s*:\s*dark\s*\)", body)


def test_only_show_if_degraded_hidden(page, page_daemon):
    assert "Secret Batch Jobs" not in page.text
    assert "Only when degraded." not in page.text
    comps = requests.get(page_daemon.url("/api/v2/components.json"), timeout=5).json()
    hidden = [c for c in comps["components"] if c["id"] == "hidden"]
    assert len(hidden) == 1
    assert hidden[0]["only_show_if_degraded"] is True
    assert hidden[0]["status"] == "operational"


def test_security_headers(page):
    csp = page.headers.get("Content-Security-Policy")
    assert csp
    assert "default-src" in csp
    directives = dict((d.strip().split(" ", 1) + [""])[:2] for d in csp.split(";"))
    # Scripts from the page's own origin (/page.js) and nothing inline.
    assert directives["script-src"] == "'self'", csp
    assert directives["default-src"] == "'none'", csp
    assert directives["frame-ancestors"] == "'none'", csp
    assert page.headers.get("X-Content-Type-Options") == "nosniff"


def test_only_script_is_page_js(page, page_daemon):
    """The page runs one script, /page.js from its own origin; no inline script or event
    handler. Its data block is JSON, which a browser never runs."""
    assert "<script" not in own_scripts_removed(page.text).lower()
    assert not re.search(r"\son[a-z]+\s*=", page.text), "inline event handler"
    js = requests.get(page_daemon.url("/page.js"), timeout=5)
    assert js.status_code == 200
    assert js.headers["Content-Type"] == "text/javascript; charset=utf-8"
    assert "tc-days" in js.text and js.headers.get("ETag")


def test_group_order(page):
    body = page.text
    order = [body.index(s) for s in ("Core Platform", "&lt;script&gt;", "Database Cluster",
                                     "Edge Network", "Content Delivery", "Billing Portal")]
    assert order == sorted(order)


def test_page_etag_and_gzip(page_daemon, page):
    etag = page.headers["ETag"]
    # Same Accept-Encoding as the fixture's request (requests sends gzip, deflate).
    assert page.headers.get("Content-Encoding") == "gzip"
    r = requests.get(page_daemon.url("/"), headers={"If-None-Match": etag}, timeout=5)
    assert r.status_code == 304
    assert r.content == b""


def test_unicode_names(start_daemon):
    d = start_daemon("""\
        page:
          name: "Zürich Status"
        components:
          - id: tokyo
            name: "東京 region ✓"
            description: "Ünïcödé — déscription"
        """)
    body = requests.get(d.url("/"), timeout=5).content.decode("utf-8")
    assert "Zürich Status" in body
    assert "東京 region ✓" in body
    assert "Ünïcödé — déscription" in body
    comps = requests.get(d.url("/api/v2/components.json"), timeout=5).json()["components"]
    assert comps[0]["name"] == "東京 region ✓"
    assert comps[0]["description"] == "Ünïcödé — déscription"


# ---- what browsers, crawlers and link previews ask for (issue 18) ----------------------------

def test_default_favicon_and_robots_txt(page_daemon, page):
    r = requests.get(page_daemon.url("/favicon.ico"), timeout=5)
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "image/x-icon"
    assert r.content[:4] == b"\0\0\1\0" and b"PNG" in r.content[:64]  # an ICO holding a PNG
    assert r.headers["ETag"]
    assert '<link rel="icon" href="/favicon.ico" type="image/x-icon">' in page.text
    r = requests.get(page_daemon.url("/robots.txt"), timeout=5)
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/plain")
    lines = r.text.splitlines()
    assert lines[0] == "User-agent: *"
    assert "Disallow: /subscribers/" in lines and "Allow: /" in lines
    assert "Disallow: /history" not in r.text


def test_social_meta_on_home_page(page_daemon, page):
    """OpenGraph and Twitter tags hold the page's name, description and URL, escaped."""
    assert '<meta property="og:title" content="Acme Cloud Status">' in page.text
    assert '<meta property="og:site_name" content="Acme Cloud Status">' in page.text
    assert ('<meta property="og:description" content="Quotes &quot;double&quot; &amp; '
            '&#39;single&#39; &lt;b&gt;not bold&lt;/b&gt;">') in page.text
    assert '<meta property="og:url" content="https://status.acme.test">' in page.text
    assert '<meta name="twitter:card" content="summary">' in page.text
    history = requests.get(page_daemon.url("/history"), timeout=5).text
    assert "og:title" not in history  # the page's own card is for the page


def test_favicon_from_config_and_reload(start_daemon, tmp_path):
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
    (tmp_path / "brand").mkdir()
    (tmp_path / "brand" / "icon.png").write_bytes(png)
    config = """\
        page:
          name: Branded
          favicon: %s
        components:
          - id: web
            name: Website
        """
    d = start_daemon(config % (tmp_path / "brand" / "icon.png"))
    r = requests.get(d.url("/favicon.ico"), timeout=5)
    assert r.status_code == 200 and r.headers["Content-Type"] == "image/png"
    assert r.content == png
    page = requests.get(d.url("/"), timeout=5).text
    assert '<link rel="icon" href="/favicon.ico" type="image/png">' in page
    # A relative path is taken from the config file's folder; a reload reads the file again.
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1 1"><rect width="1" ' \
          b'height="1"/></svg>'
    (d.config_path.parent / "icon.svg").write_bytes(svg)
    d.config_path.write_text(dedent(config % "icon.svg"))
    d.signal(signal.SIGHUP)
    d.wait_for(lambda: requests.get(d.url("/favicon.ico"), timeout=5).content == svg,
               what="the new icon after SIGHUP")
    assert requests.get(d.url("/favicon.ico"), timeout=5).headers["Content-Type"] == \
        "image/svg+xml"
