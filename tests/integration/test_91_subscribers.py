"""Black-box tests of subscribers: e-mail double opt-in through the SMTP sink, incident and
component messages, unsubscribe links, Statuspage-shaped webhook payloads, the private
address guard, the rate limit, input validation and the write API's list and removal.
Sinks come from test_90_notify.
"""

import json
import re
import socket
import threading
import time
import urllib.parse

import pytest

from conftest import run_cli
from test_90_notify import SmtpSink, WebhookSink, page_config, parts  # noqa: F401

pytest.importorskip("aiosmtpd.controller", reason="Debian's python3-aiosmtpd is needed")


@pytest.fixture
def sink():
    s = WebhookSink()
    yield s
    s.close()


@pytest.fixture
def smtp():
    s = SmtpSink()
    yield s
    s.close()


def sub_config(smtp_port=None, allow_private=True, rate_limit=100):
    channels = ""
    subs = "subscribers:\n  allow_private_webhooks: %s\n  rate_limit: %d\n" % (
        "true" if allow_private else "false", rate_limit)
    if smtp_port:
        channels = ("  - {id: mail, kind: email, url: 'smtp://127.0.0.1:%d',"
                    " from: status@example.test, to: [ops@example.test]}\n" % smtp_port)
        subs += "  email_channel: mail\n"
    return page_config(channels, "", subs)


def post_json(d, path, doc, headers=None):
    h = {"Content-Type": "application/json"}
    h.update(headers or {})
    status, hdrs, body = d.raw_request("POST", path, headers=h, body=json.dumps(doc))
    return status, hdrs, body


def subscribe(d, **fields):
    status, _, body = post_json(d, "/api/v2/subscribers", {"subscriber": fields})
    return status, json.loads(body)


def api_key(d):
    return run_cli("apikey", "-c", d.config_path, "create", "--name", "t").stdout.strip()


def write(d, key, method, path, doc=None):
    h = {"Authorization": "OAuth " + key, "Content-Type": "application/json"}
    status, _, body = d.raw_request(method, "/v1/pages/ntest" + path, headers=h,
                                    body=json.dumps(doc) if doc is not None else None)
    return status, json.loads(body) if body else None


def open_incident(d, key, name, **more):
    doc = {"incident": dict(name=name, status="investigating", body="Looking into it.", **more)}
    status, inc = write(d, key, "POST", "/incidents", doc)
    assert status == 201, inc
    return inc


def link(text, kind):
    m = re.search(r"https?://[^\s\"<>]*/subscribers/%s/[^\s\"<>]+" % kind, text)
    assert m, text
    return urllib.parse.urlsplit(m.group(0)).path


# ---- e-mail ----------------------------------------------------------------------------------

def test_email_double_opt_in_then_unsubscribe(start_daemon, smtp):
    d = start_daemon(sub_config(smtp.port))
    key = api_key(d)
    status, doc = subscribe(d, email="alice@example.test")
    assert status == 201, doc
    sub = doc["subscriber"]
    assert sub["mode"] == "email" and sub["email"] == "alice@example.test"
    assert sub["confirmed"] is False

    d.wait_for(lambda: smtp.to("alice@example.test"), timeout=10, what="the confirmation")
    confirm_msg = smtp.to("alice@example.test")[0]["msg"]
    assert "Confirm" in confirm_msg["Subject"]
    assert confirm_msg["List-Unsubscribe"]
    body = parts(confirm_msg)
    assert "text/plain" in body and "text/html" in body
    confirm = link(body["text/plain"], "confirm")
    assert link(body["text/plain"], "unsubscribe")

    # Nothing but the confirmation until the link is followed.
    open_incident(d, key, "Before confirming")
    time.sleep(2.5)
    assert len(smtp.to("alice@example.test")) == 1

    # GET shows a button (mail scanners open links); the POST confirms.
    status, hdrs, page = d.raw_request("GET", confirm)
    assert status == 200 and b"method=\"post\"" in page
    status, _, page = d.raw_request("POST", confirm)
    assert status == 200 and b"confirmed" in page
    status, _, page = d.raw_request("POST", confirm)
    assert status == 404  # spent

    open_incident(d, key, "Database is slow")
    d.wait_for(lambda: len(smtp.to("alice@example.test")) >= 2, timeout=10,
               what="the incident e-mail")
    msg = smtp.to("alice@example.test")[1]["msg"]
    assert "Database is slow" in msg["Subject"] and "Notify Test" in msg["Subject"]
    assert msg["X-Tocsin-Event-Id"]
    body = parts(msg)
    assert "Looking into it." in body["text/plain"] and "Looking into it." in body["text/html"]
    unsubscribe = link(body["text/plain"], "unsubscribe")
    assert msg["List-Unsubscribe"].strip("<>").endswith(unsubscribe)

    # A tampered token is refused; GET asks; POST unsubscribes without any login.
    status, _, _ = d.raw_request("GET", unsubscribe[:-1] + ("0" if unsubscribe[-1] != "0"
                                                            else "1"))
    assert status == 404
    status, _, page = d.raw_request("GET", unsubscribe)
    assert status == 200 and b"alice@example.test" in page and b"method=\"post\"" in page
    status, _, page = d.raw_request("POST", unsubscribe)
    assert status == 200 and b"not receive" in page

    open_incident(d, key, "After unsubscribing")
    time.sleep(2.5)
    assert len(smtp.to("alice@example.test")) == 2


def test_page_form_subscribes_without_javascript(start_daemon, smtp):
    d = start_daemon(sub_config(smtp.port))
    status, _, page = d.raw_request("GET", "/")
    assert status == 200
    html = page.decode()
    assert '<form method="post" action="/api/v2/subscribers">' in html
    # A plain form: no handler or script of its own (the page's one script, /page.js, only
    # draws the uptime bars' day detail), so it is posted as it stands.
    form = html[html.index("<form"):html.index("</form>")]
    assert 'name="email"' in form and "<script" not in form and " on" not in form
    status, hdrs, page = d.raw_request(
        "POST", "/api/v2/subscribers",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        body="email=bob%40example.test")
    assert status == 201, page
    assert dict((k.lower(), v) for k, v in hdrs)["content-type"].startswith("text/html")
    assert b"bob@example.test" in page and b"inbox" in page
    d.wait_for(lambda: smtp.to("bob@example.test"), timeout=10, what="the confirmation")
    # A bad address from the form gets a page too, not JSON.
    status, hdrs, page = d.raw_request(
        "POST", "/api/v2/subscribers",
        headers={"Content-Type": "application/x-www-form-urlencoded"}, body="email=nope")
    assert status == 422 and b"not a valid e-mail address" in page


# ---- webhooks --------------------------------------------------------------------------------

def test_webhook_gets_statuspage_payloads(start_daemon, sink):
    d = start_daemon(sub_config())
    key = api_key(d)
    status, doc = subscribe(d, endpoint=sink.url("/all"))
    assert status == 201 and doc["subscriber"]["confirmed"] is True, doc
    status, doc = subscribe(d, endpoint=sink.url("/api-only"), components=["api"])
    assert status == 201, doc

    inc = open_incident(d, key, "Database down", components={"db": "major_outage"})
    d.wait_for(lambda: len(sink.at("/all")) >= 2, timeout=10, what="incident + component")
    time.sleep(1)
    got = {("incident" if "incident" in r["json"] else "component"): r for r in sink.at("/all")}
    assert set(got) == {"incident", "component"}, sink.at("/all")
    for r in got.values():
        p = r["json"]
        assert r["headers"]["x-tocsin-event-id"]
        assert "/subscribers/unsubscribe/" in p["meta"]["unsubscribe"]
        assert p["meta"]["documentation"].startswith("https://")
        assert p["page"]["id"] == "ntest"
        assert p["page"]["status_indicator"] == "critical"
        assert p["page"]["status_description"]
    i = got["incident"]["json"]["incident"]
    assert i["id"] == inc["id"] and i["name"] == "Database down"
    assert i["status"] == "investigating" and i["impact"] == "critical"
    assert i["incident_updates"][0]["body"] == "Looking into it."
    c = got["component"]["json"]
    assert c["component_update"]["component_id"] == "db"
    assert c["component_update"]["old_status"] == "operational"
    assert c["component_update"]["new_status"] == "major_outage"
    assert c["component"]["id"] == "db" and c["component"]["status"] == "major_outage"
    assert c["component"]["name"] == "Database"
    # Following only "api": nothing about the database.
    assert sink.at("/api-only", delivered=False) == []

    # Resolving is told too; an update with deliver_notifications: false is not.
    status, _ = write(d, key, "PATCH", "/incidents/" + inc["id"],
                      {"incident": {"body": "Quiet note", "deliver_notifications": False}})
    assert status == 200
    status, _ = write(d, key, "PATCH", "/incidents/" + inc["id"],
                      {"incident": {"status": "resolved", "components": {"db": "operational"}}})
    assert status == 200
    d.wait_for(lambda: any(r["json"].get("incident", {}).get("status") == "resolved"
                           for r in sink.at("/all")), timeout=10, what="the resolution")
    time.sleep(1)
    told = [r["json"]["incident"] for r in sink.at("/all") if "incident" in r["json"]]
    assert [i["status"] for i in told] == ["investigating", "resolved"]
    assert "Quiet note" not in [i["incident_updates"][0]["body"] for i in told]
    # The resolution also set the database back to operational.
    assert any(r["json"].get("component_update", {}).get("new_status") == "operational"
               for r in sink.at("/all"))

    # The unsubscribe link in the payload works for webhooks too.
    unsub = urllib.parse.urlsplit(got["incident"]["json"]["meta"]["unsubscribe"]).path
    status, _, _ = d.raw_request("POST", unsub)
    assert status == 200
    n = len(sink.at("/all", delivered=False))
    open_incident(d, key, "After unsubscribing")
    time.sleep(2)
    assert len(sink.at("/all", delivered=False)) == n


def test_private_webhooks_refused_by_default(start_daemon):
    d = start_daemon(sub_config(allow_private=False))
    for url in ("http://127.0.0.1:9/hook", "http://localhost/x", "http://10.1.2.3/",
                "http://[::1]:8080/", "http://169.254.169.254/latest", "http://192.168.0.1/"):
        status, doc = subscribe(d, endpoint=url)
        assert status == 422, (url, doc)
        assert "private" in doc["error"], doc
    status, doc = subscribe(d, endpoint="ftp://example.com/x")
    assert status == 422 and "http" in doc["error"]
    # A public address is accepted (nothing is sent until something happens).
    status, doc = subscribe(d, endpoint="https://hooks.example.com/status")
    assert status == 201, doc


# ---- limits and validation -------------------------------------------------------------------

def test_rate_limit_per_address(start_daemon):
    d = start_daemon(sub_config(rate_limit=3))
    codes = [subscribe(d, endpoint="http://127.0.0.1:9/h%d" % i)[0] for i in range(3)]
    assert codes == [201, 201, 201]
    status, doc = subscribe(d, endpoint="http://127.0.0.1:9/h4")
    assert status == 429 and "too many" in doc["error"]


def test_validation_errors(start_daemon, smtp):
    d = start_daemon(sub_config(smtp.port))
    cases = [
        ({"email": "not-an-address"}, "valid e-mail"),
        ({"email": "a@b"}, "valid e-mail"),
        ({"email": "a b@example.com"}, "valid e-mail"),
        ({"email": "x@example.com", "endpoint": "https://example.com/"}, "either"),
        ({}, "either"),
        ({"email": "x@example.com", "components": ["nope"]}, "unknown component"),
        ({"email": "x@example.com", "components": "db"}, "list"),
        ({"email": "x@example.com", "colour": "red"}, "unknown field"),
        ({"endpoint": "not a url"}, "URL"),
        ({"email": 7}, "string"),
    ]
    for fields, words in cases:
        status, doc = subscribe(d, **fields)
        assert status == 422, (fields, doc)
        assert words in doc["error"], (fields, doc)
    status, _, body = d.raw_request("POST", "/api/v2/subscribers", body="{nope",
                                    headers={"Content-Type": "application/json"})
    assert status == 400 and "invalid JSON" in json.loads(body)["error"]
    status, _, body = d.raw_request("POST", "/api/v2/subscribers", body="[]",
                                    headers={"Content-Type": "application/json"})
    assert status == 422
    status, _, body = d.raw_request("GET", "/api/v2/subscribers")
    assert status == 405
    status, _, _ = d.raw_request("GET", "/subscribers/confirm/zzz")
    assert status == 404
    status, _, _ = d.raw_request("GET", "/subscribers/unsubscribe/abc.def")
    assert status == 404


def test_email_needs_a_channel(start_daemon):
    d = start_daemon(sub_config())
    status, doc = subscribe(d, email="x@example.com")
    assert status == 422 and "e-mail" in doc["error"]
    status, _, page = d.raw_request("GET", "/")
    assert b"/api/v2/subscribers" not in page  # no form when e-mail is not offered


def test_config_email_channel_must_be_email(tmp_path):
    cfg = tmp_path / "t.yaml"
    cfg.write_text(page_config("  - {id: hook, kind: webhook, url: 'http://x.test/'}\n", "",
                               "subscribers:\n  email_channel: hook\n"))
    proc = run_cli("check-config", "-c", cfg)
    assert proc.returncode != 0
    assert "email_channel \"hook\" is not a channel of kind email" in proc.stderr


# ---- the write API ---------------------------------------------------------------------------

def test_write_api_lists_and_removes(start_daemon, smtp):
    d = start_daemon(sub_config(smtp.port))
    key = api_key(d)
    _, a = subscribe(d, email="carol@example.test", components=["db"])
    _, b = subscribe(d, endpoint="http://127.0.0.1:9/x")
    status, lst = write(d, key, "GET", "/subscribers")
    assert status == 200
    by_id = {s["id"]: s for s in lst}
    assert set(by_id) == {a["subscriber"]["id"], b["subscriber"]["id"]}
    assert by_id[a["subscriber"]["id"]]["components"] == ["db"]
    assert by_id[a["subscriber"]["id"]]["email"] == "carol@example.test"
    assert by_id[b["subscriber"]["id"]]["mode"] == "webhook"
    status, gone = write(d, key, "DELETE", "/subscribers/" + b["subscriber"]["id"])
    assert status == 200 and gone["unsubscribed_at"]
    status, lst = write(d, key, "GET", "/subscribers")
    assert [s["id"] for s in lst] == [a["subscriber"]["id"]]
    status, _ = write(d, key, "DELETE", "/subscribers/" + b["subscriber"]["id"])
    assert status == 404
    status, _, _ = d.raw_request("GET", "/v1/pages/ntest/subscribers")
    assert status == 401


# ---- messages a person would send (issue 18) -------------------------------------------------

INTL_CONFIG = """\
page:
  id: ntest
  name: Zahlungsstatus Ä
  url: https://status.example.test/
  time_zone: Europe/Berlin
components:
  - id: pay
    name: Zahlungs-API (Überweisungen)
  - id: jp
    name: 決済API
channels:
  - {id: mail, kind: email, url: 'smtp://127.0.0.1:%d', from: status@example.test,
     to: [ops@example.test]}
subscribers:
  email_channel: mail
  rate_limit: 100
"""

RAW_VALUES = ("degraded_performance", "major_outage", "partial_outage", "critical", "pay",
              "Affects: jp")


def confirmed_subscriber(d, smtp, address, **more):
    status, doc = subscribe(d, email=address, **more)
    assert status == 201, doc
    d.wait_for(lambda: smtp.to(address), timeout=10, what="the confirmation")
    status, _, _ = d.raw_request("POST", link(parts(smtp.to(address)[0]["msg"])["text/plain"],
                                              "confirm"))
    assert status == 200


def mails_about(smtp, address, words, count=1):
    return [m["msg"] for m in smtp.to(address) if words in m["msg"]["Subject"]][:count]


def test_messages_in_words_with_names_and_one_click_unsubscribe(start_daemon, smtp):
    d = start_daemon(INTL_CONFIG % smtp.port)
    key = api_key(d)
    confirmed_subscriber(d, smtp, "leser@example.test")
    status, inc = write(d, key, "POST", "/incidents", {"incident": {
        "name": "Überweisungen verzögert", "status": "investigating",
        "body": "Wir prüfen das.\nZweite Zeile.",
        "components": {"pay": "major_outage", "jp": "degraded_performance"}}})
    assert status == 201, inc

    # The incident: subject, sender and words a person would write; both parts; the link.
    d.wait_for(lambda: mails_about(smtp, "leser@example.test", "Investigating"), timeout=10,
               what="the incident e-mail")
    msg = mails_about(smtp, "leser@example.test", "Investigating")[0]
    assert msg["Subject"] == "[Zahlungsstatus Ä] Investigating: Überweisungen verzögert"
    sender = msg["From"].addresses[0]
    assert sender.display_name == "Zahlungsstatus Ä" and sender.addr_spec == "status@example.test"
    assert msg.get_content_type() == "multipart/alternative"
    body = parts(msg)
    text, html = body["text/plain"], body["text/html"]
    affects = ("This incident affects: Zahlungs-API (Überweisungen) (major outage) and 決済API "
               "(degraded performance).")
    assert affects in text.replace("\r\n", "\n"), text
    assert "Wir prüfen das.\nZweite Zeile." in text.replace("\r\n", "\n")
    link_to = "https://status.example.test/incidents/" + inc["id"]
    assert "Follow this incident: " + link_to in text
    assert 'href="%s">View the incident</a>' % link_to in html
    assert "Zahlungs-API (Überweisungen) (major outage)" in html
    assert "Zahlungsstatus Ä</a>" in html  # the page's name heads the message
    for raw in RAW_VALUES:
        assert raw not in text and raw not in msg["Subject"], (raw, text)

    # Each component's change, in a sentence.
    d.wait_for(lambda: mails_about(smtp, "leser@example.test", "has a major outage"),
               timeout=10, what="the component e-mail")
    comp = mails_about(smtp, "leser@example.test", "has a major outage")[0]
    assert comp["Subject"] == "[Zahlungsstatus Ä] Zahlungs-API (Überweisungen) has a major outage"
    ctext = parts(comp)["text/plain"]
    assert "It was operational until" in ctext and "Status page: https://status.example.test/" \
        in ctext
    d.wait_for(lambda: mails_about(smtp, "leser@example.test", "決済API has degraded performance"),
               timeout=10, what="the second component's e-mail")

    # Resolved: "[Page] Resolved: <title>", what it did to each component.
    status, doc = write(d, key, "PATCH", "/incidents/" + inc["id"], {"incident": {
        "status": "resolved", "body": "Behoben.",
        "components": {"pay": "operational", "jp": "operational"}}})
    assert status == 200, doc
    d.wait_for(lambda: mails_about(smtp, "leser@example.test", "Resolved"), timeout=10,
               what="the resolution e-mail")
    done = mails_about(smtp, "leser@example.test", "Resolved")[0]
    assert done["Subject"] == "[Zahlungsstatus Ä] Resolved: Überweisungen verzögert"
    assert ("This incident affected: Zahlungs-API (Überweisungen) (major outage) and 決済API "
            "(degraded performance).") in parts(done)["text/plain"]

    # RFC 8058: the headers, and a POST of "List-Unsubscribe=One-Click" to that link (as a mail
    # provider sends it, without cookies or a page) unsubscribes.
    assert done["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    target = done["List-Unsubscribe"].strip()
    assert target.startswith("<https://status.example.test/subscribers/unsubscribe/"), target
    path = urllib.parse.urlsplit(target.strip("<>")).path
    status, _, _ = d.raw_request("POST", path, body="List-Unsubscribe=One-Click", headers={
        "Content-Type": "application/x-www-form-urlencoded"})
    assert status == 200
    status, _, page = d.raw_request("GET", path)
    assert status == 200 and b"not subscribed any more" in page
    before = len(smtp.to("leser@example.test"))
    open_incident(d, key, "Nach der Abmeldung")
    time.sleep(2)
    assert len(smtp.to("leser@example.test")) == before


GROUP_CONFIG = """\
page:
  id: ntest
  name: Groups
components:
  - id: rest
    name: REST API
    group: api
  - id: ws
    name: WebSocket API
    group: api
  - id: dash
    name: Dashboard
groups:
  - id: api
    name: API
  - id: empty
    name: Nothing yet
"""


def test_groups_stand_for_their_components(start_daemon, sink):
    """Subscribing to a group subscribes to its components (JSON and the page's form); a
    group and one of its children make one entry; unknown ids are still refused."""
    d = start_daemon(GROUP_CONFIG + "subscribers:\n  allow_private_webhooks: true\n"
                                    "  rate_limit: 100\n")
    key = api_key(d)
    status, doc = subscribe(d, endpoint=sink.url("/a"), components=["api"])
    assert status == 201, doc
    assert doc["subscriber"]["components"] == ["rest", "ws"]
    status, doc = subscribe(d, endpoint=sink.url("/b"), components=["ws", "api", "dash", "ws"])
    assert status == 201 and doc["subscriber"]["components"] == ["ws", "rest", "dash"], doc
    status, doc = subscribe(d, endpoint=sink.url("/c"), components=["empty"])
    assert status == 422 and "no components" in doc["error"], doc
    status, doc = subscribe(d, endpoint=sink.url("/c"), components=["api", "nope"])
    assert status == 422 and 'unknown component "nope"' in doc["error"], doc
    # The page's form sends the ticked boxes as repeated fields.
    status, _, page = d.raw_request(
        "POST", "/api/v2/subscribers",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        body="endpoint=" + urllib.parse.quote(sink.url("/form"), safe="") +
             "&components=api&components=rest")
    assert status == 201, page
    status, subs = write(d, key, "GET", "/subscribers")
    by_url = {s["endpoint"]: s["components"] for s in subs}
    assert by_url[sink.url("/form")] == ["rest", "ws"]
    assert sink.url("/c") not in by_url
    # Following the API group: a WebSocket incident reaches /a, a Dashboard one does not.
    open_incident(d, key, "Streams drop", components={"ws": "partial_outage"})
    open_incident(d, key, "Dashboard slow", components={"dash": "degraded_performance"})
    d.wait_for(lambda: any(r["json"].get("incident", {}).get("name") == "Streams drop"
                           for r in sink.at("/a")), timeout=10, what="the group's incident")
    time.sleep(1.5)
    names = {r["json"]["incident"]["name"] for r in sink.at("/a") if "incident" in r["json"]}
    assert names == {"Streams drop"}, names


def test_maintenance_reminder_an_hour_before(start_daemon, sink, smtp):
    """scheduled_remind_prior (and the console's "remind" box) reminds subscribers once, an
    hour before a maintenance starts: e-mail under a "Reminder" subject, webhooks with
    meta.event "maintenance_reminder". A window made less than an hour ahead gets none."""
    from datetime import datetime, timedelta, timezone
    d = start_daemon(sub_config(smtp.port))
    key = api_key(d)
    status, doc = subscribe(d, endpoint=sink.url("/hook"))
    assert status == 201, doc
    iso = lambda t: t.isoformat().replace("+00:00", "Z")
    start = datetime.now(timezone.utc) + timedelta(hours=1, seconds=12)
    status, inc = write(d, key, "POST", "/incidents", {"incident": {
        "name": "Database upgrade", "status": "scheduled", "scheduled_for": iso(start),
        "scheduled_until": iso(start + timedelta(hours=1)), "scheduled_remind_prior": True,
        "component_ids": ["api"]}})
    assert status == 201, inc
    assert inc["scheduled_remind_prior"] is True
    soon = datetime.now(timezone.utc) + timedelta(minutes=20)
    status, other = write(d, key, "POST", "/incidents", {"incident": {
        "name": "Quick fix", "status": "scheduled", "scheduled_for": iso(soon),
        "scheduled_until": iso(soon + timedelta(minutes=5)), "scheduled_remind_prior": True,
        "component_ids": ["api"]}})
    assert status == 201, other

    def reminders():
        return [r for r in sink.records if r["json"] and
                r["json"].get("meta", {}).get("event") == "maintenance_reminder"]
    got = d.wait_for(reminders, timeout=40, interval=0.5, what="the reminder")
    assert got[0]["json"]["incident"]["id"] == inc["id"]
    time.sleep(11)  # another maintenance tick: no second reminder, none for "Quick fix"
    assert len(reminders()) == 1
    status, again = write(d, key, "GET", "/incidents/" + inc["id"])
    assert status == 200 and again["status"] == "scheduled"


# ---- shutdown with a message on the wire ---------------------------------------------------

class SilentAfterDataSmtp:
    """An SMTP server that takes a message and then never answers its end of data: the
    state a mail server that hangs (or a network that drops its replies) leaves a delivery
    in."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(4)
        self.port = self.sock.getsockname()[1]
        self.got_data = threading.Event()
        self.conns = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        try:
            conn, _ = self.sock.accept()
        except OSError:
            return
        self.conns.append(conn)
        f = conn.makefile("rb")
        conn.sendall(b"220 silent.test ESMTP\r\n")
        for line in f:
            verb = line[:4].upper()
            if verb in (b"EHLO", b"HELO"):
                conn.sendall(b"250 silent.test\r\n")
            elif verb == b"DATA":
                conn.sendall(b"354 go on\r\n")
                for body_line in f:
                    if body_line == b".\r\n":
                        self.got_data.set()
                        return  # and say nothing more; the connection stays open
            else:
                conn.sendall(b"250 ok\r\n")

    def close(self):
        for c in self.conns:
            c.close()
        self.sock.close()


def test_a_mail_server_that_stopped_answering_holds_up_nothing(start_daemon):
    """A confirmation e-mail whose server never answers its end of data. libcurl waits for
    that reply (up to the transfer's 30 s timeout) in a blocking loop: on the engine's loop it
    held every monitor, render and write that long. Mail goes out on the thread pool, so the
    daemon keeps answering writes meanwhile; and SIGTERM stops it at once (the message stays
    pending for the next start)."""
    server = SilentAfterDataSmtp()
    try:
        d = start_daemon(sub_config(server.port))
        status, _ = subscribe(d, email="erin@example.test")
        assert status == 201
        assert server.got_data.wait(15), "the confirmation e-mail never reached the server"
        started = time.monotonic()
        status, _ = subscribe(d, endpoint="http://127.0.0.1:9/hook")
        assert status == 201
        assert time.monotonic() - started < 5, "a write waited on the silent mail server"
        started = time.monotonic()
        d.stop()  # fails the test if the daemon is not gone within STOP_TIMEOUT (10 s)
        assert time.monotonic() - started < 8, "the stop waited on the silent mail server"
    finally:
        server.close()
