"""Black-box tests of the badges (issue 18): /badges/status.svg, /badges/<id>.svg,
/badges/<id>/uptime.svg and their shields.io endpoint JSON twins, served from the snapshot
with ETags and gzip like every public document; a status set through the write API changes
both the SVG and the JSON; unknown components answer 404; every badge is XML a parser
accepts; and a look at them in headless Chromium (screenshot in $TOCSIN_SCREENSHOTS)."""

import gzip
import json
import os
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from conftest import chromium, header
from test_80_write_api import api, make_key, wait_until

CONFIG = """\
page:
  id: testpage
  name: Tocsin Test Page
  url: http://status.example.test
  time_zone: Etc/UTC
groups:
  - id: api
    name: API Group
components:
  - id: rest
    name: REST API
    group: api
  - id: jp
    name: 決済API <b>&amp;
    group: api
  - id: ar
    name: خدمة الدفع
  - id: quiet
    name: Quiet
    showcase: false
"""

SVG = "{http://www.w3.org/2000/svg}"


def fetch(d, path, headers=None):
    status, hdrs, body = d.raw_request("GET", path, headers=headers)
    assert status == 200, (path, status, body[:200])
    return hdrs, body


def shields(d, path):
    hdrs, body = fetch(d, path)
    assert header(hdrs, "Content-Type") == ["application/json; charset=utf-8"]
    return json.loads(body)


def svg(d, path):
    """The parsed badge; fails unless it is well-formed SVG with a title and aria-label."""
    hdrs, body = fetch(d, path)
    assert header(hdrs, "Content-Type") == ["image/svg+xml; charset=utf-8"]
    root = ET.fromstring(body)
    assert root.tag == SVG + "svg" and root.get("role") == "img"
    title = root.find(SVG + "title").text
    assert root.get("aria-label") == title
    texts = [t.text for t in root.iter(SVG + "text") if t.get("aria-hidden") != "true"]
    return title, texts, body.decode()


def test_badges_follow_status_changes(start_daemon):
    d = start_daemon(CONFIG)
    key = make_key(d)

    assert shields(d, "/badges/rest.json") == {
        "schemaVersion": 1, "label": "REST API", "message": "operational", "color": "1a7f37"}
    title, texts, _ = svg(d, "/badges/rest.svg")
    assert title == "REST API: operational" and texts == ["REST API", "operational"]
    assert svg(d, "/badges/status.svg")[1] == ["status", "All Systems Operational"]
    assert shields(d, "/badges/rest/uptime.json")["message"].endswith("%")
    before = {p: header(fetch(d, p)[0], "ETag")[0]
              for p in ("/badges/rest.svg", "/badges/rest.json", "/badges/api.svg",
                        "/badges/status.svg", "/badges/ar.svg")}

    status, doc = api(d, "PATCH", "components/rest", {"component": {"status": "major_outage"}},
                      key=key)
    assert status == 200, doc
    wait_until(d, lambda: shields(d, "/badges/rest.json")["message"] == "major outage",
               "the badge to show the outage")
    assert shields(d, "/badges/rest.json")["color"] == "cf222e"
    title, texts, _ = svg(d, "/badges/rest.svg")
    assert title == "REST API: major outage" and texts == ["REST API", "major outage"]
    # The group takes its worst child's status; the page badge follows the page.
    assert shields(d, "/badges/api.json")["message"] == "major outage"
    page = shields(d, "/badges/status.json")
    status_json = json.loads(fetch(d, "/api/v2/status.json")[1])
    assert page["message"] == status_json["status"]["description"] != "All Systems Operational"
    after = {p: header(fetch(d, p)[0], "ETag")[0] for p in before}
    for path in ("/badges/rest.svg", "/badges/rest.json", "/badges/api.svg",
                 "/badges/status.svg"):
        assert after[path] != before[path], path
    assert after["/badges/ar.svg"] == before["/badges/ar.svg"]  # unchanged, same ETag


def test_badges_cache_compress_and_escape(start_daemon):
    d = start_daemon(CONFIG)
    hdrs, plain = fetch(d, "/badges/status.svg")
    etag = header(hdrs, "ETag")[0]
    assert header(hdrs, "Cache-Control") == ["public, max-age=10"]
    assert header(hdrs, "Content-Security-Policy") == ["default-src 'none'"]
    status, h304, _ = d.raw_request("GET", "/badges/status.svg", headers={"If-None-Match": etag})
    assert status == 304 and header(h304, "ETag") == [etag]
    hdrs, packed = fetch(d, "/badges/status.svg", headers={"Accept-Encoding": "gzip"})
    assert header(hdrs, "Content-Encoding") == ["gzip"]
    assert gzip.decompress(packed) == plain and len(packed) < len(plain)

    # Names in other scripts, with markup, arrive as text.
    title, texts, raw = svg(d, "/badges/jp.svg")
    assert texts == ["決済API <b>&amp;", "operational"] and "<b>" not in raw
    assert svg(d, "/badges/ar.svg")[1] == ["خدمة الدفع", "operational"]
    assert shields(d, "/badges/jp.json")["label"] == "決済API <b>&amp;"
    # Groups have uptime badges (their showcased children's mean); so do showcased
    # components, and every one parses.
    for path in ("/badges/api/uptime.svg", "/badges/jp/uptime.svg", "/badges/ar/uptime.svg"):
        title, texts, _ = svg(d, path)
        assert "uptime over 90 days" in title and texts[1].endswith("%"), (path, texts)


def test_unknown_badges_are_404(start_daemon):
    d = start_daemon(CONFIG)
    for path in ("/badges/nosuch.svg", "/badges/nosuch.json", "/badges/nosuch/uptime.svg",
                 "/badges/quiet/uptime.svg", "/badges/quiet/uptime.json", "/badges/rest",
                 "/badges/REST.svg", "/badges/", "/badges/rest.svg/x"):
        status, _, _ = d.raw_request("GET", path)
        assert status == 404, path
    # Not showcased: no uptime badge, but a status badge.
    assert svg(d, "/badges/quiet.svg")[1] == ["Quiet", "operational"]


def test_badges_in_chromium(start_daemon, tmp_path):
    d = start_daemon(CONFIG)
    key = make_key(d)
    api(d, "PATCH", "components/ar", {"component": {"status": "degraded_performance"}}, key=key)
    wait_until(d, lambda: shields(d, "/badges/ar.json")["message"] == "degraded performance",
               "the degraded badge")
    paths = ["/badges/status.svg", "/badges/rest.svg", "/badges/jp.svg", "/badges/ar.svg",
             "/badges/api.svg", "/badges/rest/uptime.svg", "/badges/api/uptime.svg"]
    page = tmp_path / "badges.html"
    page.write_text("<!DOCTYPE html><meta charset=utf-8><body style='font:14px sans-serif'>" +
                    "".join("<p><img src='%s%s' alt=''> <code>%s</code></p>" % (d.base, p, p)
                            for p in paths))
    b = chromium(700, 420)
    try:
        b.get(page.as_uri())
        sizes = wait_until(d, lambda: b.execute_script(
            "var s=[].map.call(document.images,function(i){return [i.complete,"
            "i.naturalWidth,i.naturalHeight]});"
            "return s.every(function(x){return x[0]&&x[1]>0})&&s;"), "the badges to load")
        assert all(h == 20 and w > 60 for _, w, h in sizes), sizes
        folder = Path(os.environ.get("TOCSIN_SCREENSHOTS") or tmp_path)
        folder.mkdir(parents=True, exist_ok=True)
        b.save_screenshot(str(folder / "badges.png"))
    finally:
        b.quit()
