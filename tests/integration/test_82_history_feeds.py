"""Black-box tests of the history surface (issue 5): times in the page's time zone across a
DST change (America/Los_Angeles) on /history, /incidents/<id>, the JSON and the feeds; XSS
payloads in names and bodies coming out inert everywhere; /history.atom and /history.rss
parsing as XML in Statuspage's shapes (statuspage.md §2)."""

import html.parser
import re
import xml.dom.minidom
import xml.etree.ElementTree as ET
from datetime import datetime, timezone

from test_80_write_api import (WRITE_CONFIG, api, create, get_json, get_text, make_key,
                               page_text, patch, wait_until)

ATOM = "{http://www.w3.org/2005/Atom}"

LA_CONFIG = WRITE_CONFIG.replace("time_zone: Etc/UTC", "time_zone: America/Los_Angeles")


def utc(s):
    return datetime.fromisoformat(s.replace("Z", "+00:00")).astimezone(timezone.utc)


def history_entry(page, name):
    """The <article> of the history entry titled @name (raw HTML)."""
    m = re.search(r'<article class="incident[^"]*">(?:(?!</article>).)*?>%s</a>'
                  r'(?:(?!</article>).)*</article>' % re.escape(name), page, re.S)
    assert m, "no history entry %r" % name
    return m.group(0)


def day_headings(page):
    return re.findall(r'<h3 class="day">([^<]*)</h3>', page)


# ---- time zones --------------------------------------------------------------------------

def test_times_in_page_zone_across_dst(start_daemon):
    d = start_daemon(LA_CONFIG)
    key = make_key(d)
    cases = [
        # name, created (UTC), resolved (UTC), expected "Resolved ..." text, offset
        ("November outage", "2024-11-14T20:30:00Z", "2024-11-14T21:08:00Z",
         "Resolved Nov 14 at 01:08pm PST", "-08:00"),
        ("October outage", "2024-10-23T16:00:00Z", "2024-10-23T18:08:00Z",
         "Resolved Oct 23 at 11:08am PDT", "-07:00"),
        # The local day is the day before the UTC one.
        ("Evening outage", "2024-11-12T00:20:00Z", "2024-11-12T01:03:00Z",
         "Resolved Nov 11 at 05:03pm PST", "-08:00"),
        # Across the switch itself: 01:30 PDT, then 01:30 PST an hour later.
        ("Night of the switch", "2024-11-03T08:30:00Z", "2024-11-03T09:30:00Z",
         "Resolved Nov 03 at 01:30am PST", "-08:00"),
    ]
    ids = {}
    for name, created, resolved, _, _ in cases:
        inc = create(d, key, name=name, created_at=created, body="Investigating.",
                     components={"rest": "degraded_performance"})
        doc = patch(d, key, inc["id"], status="resolved", display_at=resolved,
                    body="Resolved.", components={"rest": "operational"})
        ids[name] = inc["id"]
        assert utc(doc["resolved_at"]) == utc(resolved), doc["resolved_at"]
        assert utc(doc["created_at"]) == utc(created)

    def history():
        text = page_text(d, "/history")
        return text.count("Resolved.") == 4 and text

    hist = wait_until(d, history, "/history with the four incidents resolved")
    for name, created, resolved, text, offset in cases:
        entry = history_entry(hist, name)
        assert text in entry, (name, entry)
        # JSON timestamps are in the page zone, with its offset at that instant.
        status, doc = api(d, "GET", "incidents/" + ids[name], key=key)
        assert doc["resolved_at"].endswith(offset), doc["resolved_at"]
        assert doc["incident_updates"][0]["display_at"].endswith(offset)
        [pub] = [i for i in get_json(d, "/api/v2/incidents.json")["incidents"]
                 if i["id"] == ids[name]]
        assert pub["resolved_at"].endswith(offset) and utc(pub["resolved_at"]) == utc(resolved)

    days = day_headings(hist)
    assert days == ["Nov 14, 2024 \u00b7 1 incident", "Nov 11, 2024 \u00b7 1 incident",
                    "Nov 03, 2024 \u00b7 1 incident", "Oct 23, 2024 \u00b7 1 incident"], days
    assert re.findall(r'<h2><a href="/history/(\d{4}-\d\d)">([^<]*)</a></h2>', hist) == [
        ("2024-11", "November 2024"), ("2024-10", "October 2024")]

    # The incident page: each update in the zone in force at its time.
    page = get_text(d, "/incidents/" + ids["Night of the switch"])
    assert "Nov 03, 2024 - 01:30 PST" in page and "Nov 03, 2024 - 01:30 PDT" in page
    assert page.index("01:30 PST") < page.index("01:30 PDT")  # newest first

    # Feeds: machine dates in UTC, the times inside the entry HTML in the page zone.
    atom = ET.fromstring(get_text(d, "/history.atom"))
    entries = {e.find(ATOM + "title").text: e for e in atom.findall(ATOM + "entry")}
    nov = entries["November outage"]
    assert nov.find(ATOM + "published").text == "2024-11-14T21:08:00Z"
    content = nov.find(ATOM + "content").text
    assert "Nov <var data-var='date'>14</var>, <var data-var='time'>13:08</var> PST" in content
    oct_ = entries["October outage"].find(ATOM + "content").text
    assert "Oct <var data-var='date'>23</var>, <var data-var='time'>11:08</var> PDT" in oct_
    # Single-digit days are padded with a space.
    night = entries["Night of the switch"].find(ATOM + "content").text
    assert "Nov <var data-var='date'> 3</var>, <var data-var='time'>01:30</var> PST" in night
    assert "Nov <var data-var='date'> 3</var>, <var data-var='time'>01:30</var> PDT" in night
    rss = ET.fromstring(get_text(d, "/history.rss"))
    items = {i.find("title").text: i for i in rss.iter("item")}
    assert items["November outage"].find("pubDate").text == "Thu, 14 Nov 2024 21:08:00 +0000"
    assert items["October outage"].find("pubDate").text == "Wed, 23 Oct 2024 18:08:00 +0000"


# ---- XSS ---------------------------------------------------------------------------------

class ActiveContent(html.parser.HTMLParser):
    """Collects what would run in a browser: <script> elements, on* attributes, and
    javascript:/vbscript:/data: URLs in href/src/action/formaction. The page's own two
    scripts are not counted: its day data (JSON, which no browser runs) and /page.js."""

    OWN_SCRIPTS = ({"type": "application/json", "id": "tc-days"},
                   {"src": "/page.js", "defer": None})

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found = []

    def handle_starttag(self, tag, attrs):
        if tag == "script" and dict(attrs) in self.OWN_SCRIPTS:
            return
        if tag in ("script", "iframe", "object", "embed"):
            self.found.append("<%s>" % tag)
        for name, value in attrs:
            if name.lower().startswith("on"):
                self.found.append("%s attribute on <%s>" % (name, tag))
            if name.lower() in ("href", "src", "action", "formaction", "xlink:href"):
                v = re.sub(r"[\s\x00-\x1f]", "", (value or "")).lower()
                if v.startswith(("javascript:", "vbscript:", "data:")):
                    self.found.append("%s=%r on <%s>" % (name, value, tag))

    handle_startendtag = handle_starttag


def active_content(markup):
    p = ActiveContent()
    p.feed(markup)
    p.close()
    return p.found


NAME = "<script>alert(1)</script>"
BODY = ("<img src=x onerror=alert(1)> and [x](javascript:alert(1)) and "
        "[y](JaVaScRiPt:alert(2)) <a href=\"javascript:alert(3)\">z</a> "
        "<svg onload=alert(4)> ![i](javascript:alert(5)) <iframe src=x></iframe>")


def test_xss_payloads_are_inert(start_daemon):
    d = start_daemon(WRITE_CONFIG)
    key = make_key(d)
    inc = create(d, key, name=NAME, body=BODY, components={"rest": "major_outage"})
    open_one = create(d, key, name="Open " + NAME, body=BODY)
    patch(d, key, inc["id"], status="identified", body="<b onmouseover=alert(6)>hi</b>")
    patch(d, key, inc["id"], status="resolved", body=BODY)
    status, _ = api(d, "PUT", "incidents/%s/postmortem" % inc["id"],
                    {"postmortem": {"body_draft": BODY}}, key=key)
    assert status == 200
    status, _ = api(d, "PUT", "incidents/%s/postmortem/publish" % inc["id"], {}, key=key)
    assert status == 200
    # The JSON keeps the text as written.
    status, doc = api(d, "GET", "incidents/" + inc["id"], key=key)
    assert doc["name"] == NAME and doc["incident_updates"][0]["body"] == BODY

    month = "/history/" + datetime.now().astimezone(timezone.utc).strftime("%Y-%m")
    paths = ["/", "/history", month, "/incidents/" + inc["id"], "/incidents/" + open_one["id"]]

    def all_published():
        pages = {p: page_text(d, p) for p in paths}
        # Each page is fetched on its own and may come from an earlier snapshot than the
        # next one: wait until every page shows the last change.
        ok = all(pages.values()) and "Postmortem" in pages["/incidents/" + inc["id"]]
        ok = ok and all("&lt;script&gt;alert(1)&lt;/script&gt;" in t for t in pages.values())
        return ok and pages

    pages = wait_until(d, all_published, "every page with the incidents")
    for path, text in pages.items():
        assert not active_content(text), (path, active_content(text))
        # The name is shown, as text.
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text, path
        assert NAME not in text, path
        assert "onerror=" not in text.replace("onerror=alert(1)&gt;", ""), path
    inc_page = pages["/incidents/" + inc["id"]]
    assert "raw HTML omitted" in inc_page or "&lt;img" in inc_page

    # Feeds: the entry HTML, once the XML is parsed, is inert too.
    atom = ET.fromstring(get_text(d, "/history.atom"))
    entries = atom.findall(ATOM + "entry")
    assert len(entries) == 2
    for e in entries:
        assert NAME in e.find(ATOM + "title").text  # text, not markup
        content = e.find(ATOM + "content")
        assert content.get("type") == "html"
        assert not active_content(content.text), active_content(content.text)
    rss = ET.fromstring(get_text(d, "/history.rss"))
    items = list(rss.iter("item"))
    assert len(items) == 2
    for item in items:
        assert NAME in item.find("title").text
        assert not active_content(item.find("description").text)


# ---- feed shapes -------------------------------------------------------------------------

def test_feeds_parse_and_have_statuspage_shapes(start_daemon):
    d = start_daemon(WRITE_CONFIG)
    key = make_key(d)
    a = create(d, key, name="First & worst", body="Looking into it.\nSecond line.",
               created_at="2024-06-11T21:00:00Z", components={"rest": "partial_outage"})
    patch(d, key, a["id"], body="Still looking.", display_at="2024-06-11T21:20:00Z")
    patch(d, key, a["id"], status="resolved", body="All good.",
          display_at="2024-06-11T21:39:47Z", components={"rest": "operational"})
    b = create(d, key, name="Second 'one'", body="Investigating.")
    m = create(d, key, name="Planned work", status="scheduled", body="Upgrading.",
               scheduled_for="2030-01-16T12:00:00Z", scheduled_until="2030-01-16T16:00:00Z",
               component_ids=["dash"])

    def published():
        text = page_text(d, "/history.rss")
        return text.count("<item>") == 3 and text

    wait_until(d, published, "three items in the RSS feed")

    # Atom
    status, headers, body = d.raw_request("GET", "/history.atom")
    assert status == 200
    assert [v for k, v in headers if k.lower() == "content-type"][0].startswith(
        "application/atom+xml")
    xml.dom.minidom.parseString(body)  # well-formed
    feed = ET.fromstring(body)
    assert feed.tag == ATOM + "feed"
    assert feed.find(ATOM + "id").text == "tag:status.example.test,2005:/history"
    assert feed.find(ATOM + "title").text == "Tocsin Test Page - Incident History"
    links = {l.get("rel"): l.get("href") for l in feed.findall(ATOM + "link")}
    assert links == {"alternate": "http://status.example.test",
                     "self": "http://status.example.test/history.atom"}
    assert feed.find(ATOM + "author/" + ATOM + "name").text == "Tocsin Test Page"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", feed.find(ATOM + "updated").text)
    entries = {e.find(ATOM + "title").text: e for e in feed.findall(ATOM + "entry")}
    assert set(entries) == {"First & worst", "Second 'one'", "Planned work"}
    seqs = set()
    for title, e in entries.items():
        eid = e.find(ATOM + "id").text
        mm = re.fullmatch(r"tag:status\.example\.test,2005:Incident/(\d+)", eid)
        assert mm, eid
        seqs.add(mm.group(1))
        inc_id = {"First & worst": a, "Second 'one'": b, "Planned work": m}[title]["id"]
        link = e.find(ATOM + "link")
        assert link.get("rel") == "alternate" and link.get("type") == "text/html"
        assert link.get("href") == "http://status.example.test/incidents/" + inc_id
        for tag in ("published", "updated"):
            assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", e.find(ATOM + tag).text)
    assert len(seqs) == 3
    first = entries["First & worst"]
    assert first.find(ATOM + "published").text == "2024-06-11T21:39:47Z"
    content = first.find(ATOM + "content").text
    # One paragraph per update, newest first, with Statuspage's labels.
    paras = re.findall(r"<p><small>(.*?)</small><br><strong>(\w+)</strong> - (.*?)</p>",
                       content)
    assert [(p[1], p[2]) for p in paras] == [
        ("Resolved", "All good."), ("Update", "Still looking."),
        ("Investigating", "Looking into it.<br />Second line.")], content
    assert paras[0][0] == ("Jun <var data-var='date'>11</var>, "
                           "<var data-var='time'>21:39</var> UTC")

    # RSS
    status, headers, body = d.raw_request("GET", "/history.rss")
    assert [v for k, v in headers if k.lower() == "content-type"][0].startswith(
        "application/rss+xml")
    xml.dom.minidom.parseString(body)
    rss = ET.fromstring(body)
    assert rss.tag == "rss" and rss.get("version") == "2.0"
    channel = rss.find("channel")
    assert channel.find("title").text == "Tocsin Test Page - Incident History"
    assert channel.find("link").text == "http://status.example.test"
    assert channel.find("description").text == "Statuspage"
    rfc822 = r"(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|" \
             r"Nov|Dec) \d{4} \d\d:\d\d:\d\d \+0000"
    assert re.fullmatch(rfc822, channel.find("pubDate").text)
    items = {i.find("title").text: i for i in channel.findall("item")}
    assert set(items) == {"First & worst", "Second 'one'", "Planned work"}
    for title, inc in (("First & worst", a), ("Second 'one'", b), ("Planned work", m)):
        item = items[title]
        url = "http://status.example.test/incidents/" + inc["id"]
        assert item.find("link").text == url
        guid = item.find("guid")
        assert guid.text == url and guid.get("isPermaLink") is None
        assert re.fullmatch(rfc822, item.find("pubDate").text)
    assert items["First & worst"].find("pubDate").text == "Tue, 11 Jun 2024 21:39:47 +0000"
    assert "<strong>Resolved</strong> - All good." in items["First & worst"].find(
        "description").text
    planned = items["Planned work"]
    assert planned.find("pubDate").text == "Wed, 16 Jan 2030 12:00:00 +0000"
    assert planned.find("maintenanceEndDate").text == "Wed, 16 Jan 2030 16:00:00 +0000"
    desc = planned.find("description").text.strip()
    assert desc.startswith("<p><strong>THIS IS A SCHEDULED EVENT Jan <var data-var='date'>16"
                           "</var>, <var data-var='time'>12:00</var> - <var data-var='time'>"
                           "16:00</var> UTC</strong></p>"), desc
    assert "<strong>Scheduled</strong> - Upgrading." in desc
    assert items["First & worst"].find("maintenanceEndDate") is None
