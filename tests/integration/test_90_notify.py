"""Black-box tests of alert channels and the durable outbox: a local webhook sink (every
web-hook-like kind POSTs to its own path on it) and a local SMTP sink (aiosmtpd), a tcp
monitor that goes down and comes back, retries with stable event ids, a kill -9 with
deliveries pending, and dead notifications. The sinks are also used by test_91_subscribers.
"""

import email
import email.policy
import hashlib
import hmac
import json
import re
import signal
import socket
import sqlite3
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from conftest import free_port, run_cli

aiosmtpd_controller = pytest.importorskip(
    "aiosmtpd.controller", reason="Debian's python3-aiosmtpd is needed (scripts/install-deps)")


# ---- sinks ---------------------------------------------------------------------------------

class WebhookSink:
    """An HTTP server on 127.0.0.1 recording every request. `status(req)` decides the answer
    (200 by default), a status or a (status, body bytes) pair; each record is a dict with method, path, headers (lower-case names),
    body (bytes), json (parsed or None), answered (the status sent)."""

    def __init__(self, status=None):
        self.records = []
        self.lock = threading.Lock()
        self.status = status or (lambda req: 200)
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                n = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(n)
                try:
                    doc = json.loads(body)
                except ValueError:
                    doc = None
                rec = {"method": self.command, "path": self.path,
                       "headers": {k.lower(): v for k, v in self.headers.items()},
                       "body": body, "json": doc, "at": time.monotonic()}
                code = sink.status(rec)
                reply = b"ok"
                if isinstance(code, tuple):
                    code, reply = code
                rec["answered"] = code
                with sink.lock:
                    sink.records.append(rec)
                self.send_response(code)
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path):
        return "http://127.0.0.1:%d%s" % (self.port, path)

    def at(self, path, delivered=True):
        with self.lock:
            return [r for r in self.records
                    if r["path"] == path and (not delivered or r["answered"] == 200)]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class SmtpSink:
    """aiosmtpd on 127.0.0.1 recording every message: dicts with mail_from, rcpt_tos and
    msg (an email.message.EmailMessage)."""

    def __init__(self):
        self.messages = []
        self.lock = threading.Lock()
        sink = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):
                msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
                with sink.lock:
                    sink.messages.append({"mail_from": envelope.mail_from,
                                          "rcpt_tos": list(envelope.rcpt_tos), "msg": msg})
                return "250 OK"

        self.port = free_port()
        self.controller = aiosmtpd_controller.Controller(Handler(), hostname="127.0.0.1",
                                                         port=self.port)
        self.controller.start()

    def to(self, rcpt):
        with self.lock:
            return [m for m in self.messages if rcpt in m["rcpt_tos"]]

    def close(self):
        self.controller.stop()


def parts(msg):
    """{content type: text} of a multipart message."""
    return {p.get_content_type(): p.get_content() for p in msg.walk()
            if not p.is_multipart()}


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


class ClosedPort:
    """A port bound but not listening (connections are refused) until listen()."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]

    def listen(self):
        self.sock.listen(128)
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                c, _ = self.sock.accept()
                c.close()
            except OSError:
                return

    def close(self):
        self.sock.close()


@pytest.fixture
def closed_port():
    p = ClosedPort()
    yield p
    p.close()


def page_config(channels, monitors="", extra=""):
    return ("page:\n  id: ntest\n  name: Notify Test\n  url: http://status.example.test\n"
            "  time_zone: Etc/UTC\n"
            "components:\n  - id: db\n    name: Database\n  - id: api\n    name: API\n"
            + ("channels:\n" + channels if channels else "") + monitors + extra)


def tcp_monitor(port, alerts, mid="db-port"):
    return ("monitors:\n  - id: %s\n    name: DB port\n    kind: tcp\n"
            "    address: 127.0.0.1:%d\n    interval: 1s\n    timeout: 500ms\n"
            "    components: [db]\n    failure_threshold: 1\n    success_threshold: 1\n"
            "    alerts: [%s]\n" % (mid, port, ", ".join(alerts)))


def metric(d, name):
    status, _, body = d.raw_request("GET", "/metrics")
    assert status == 200
    m = re.search(r"^%s (\d+)$" % re.escape(name), body.decode(), re.M)
    return int(m.group(1)) if m else None


# ---- every channel kind, down then up ------------------------------------------------------

def test_each_channel_kind_once_each_way(start_daemon, sink, smtp, closed_port):
    channels = (
        "  - {id: hook, kind: webhook, url: '%s', secret: s3cret}\n"
        "  - {id: slack, kind: slack, url: '%s'}\n"
        "  - {id: discord, kind: discord, url: '%s'}\n"
        "  - {id: teams, kind: teams, url: '%s'}\n"
        "  - {id: pd, kind: pagerduty, url: '%s', routing_key: rk123}\n"
        "  - {id: mail, kind: email, url: 'smtp://127.0.0.1:%d', from: tocsin@example.test,"
        " to: [oncall@example.test]}\n"
        % (sink.url("/hook"), sink.url("/slack"), sink.url("/discord"), sink.url("/teams"),
           sink.url("/pd"), smtp.port))
    d = start_daemon(page_config(channels, tcp_monitor(
        closed_port.port, ["hook", "slack", "discord", "teams", "pd", "mail"])))
    paths = ["/hook", "/slack", "/discord", "/teams", "/pd"]

    def all_got(n):
        return (all(len(sink.at(p)) >= n for p in paths)
                and len(smtp.to("oncall@example.test")) >= n)

    d.wait_for(lambda: all_got(1), timeout=20, what="a down alert on every channel")
    time.sleep(1.5)  # anything extra would arrive now
    for p in paths:
        assert len(sink.at(p, delivered=False)) == 1, (p, sink.at(p, delivered=False))
    assert len(smtp.to("oncall@example.test")) == 1

    hook = sink.at("/hook")[0]
    assert hook["headers"]["content-type"].startswith("application/json")
    want = hmac.new(b"s3cret", hook["body"], hashlib.sha256).hexdigest()
    assert hook["headers"]["x-tocsin-signature"] == "sha256=" + want
    assert hook["headers"]["x-tocsin-event-id"] == hook["json"]["event_id"]
    assert hook["json"]["type"] == "monitor.down"
    assert hook["json"]["monitor"]["id"] == "db-port"
    assert hook["json"]["monitor"]["new_state"] == "down"
    assert hook["json"]["page"]["id"] == "ntest"
    assert hook["json"]["components"][0]["id"] == "db"
    assert hook["json"]["components"][0]["new_status"] == "major_outage"

    slack = sink.at("/slack")[0]["json"]
    assert isinstance(slack["blocks"], list) and slack["blocks"]
    assert "DB port" in slack["text"]
    discord = sink.at("/discord")[0]["json"]
    assert discord["embeds"] and "DB port" in discord["embeds"][0]["title"]
    teams = sink.at("/teams")[0]["json"]
    assert teams["type"] == "message"
    card = teams["attachments"][0]
    assert card["contentType"] == "application/vnd.microsoft.card.adaptive"
    assert card["content"]["type"] == "AdaptiveCard"
    pd = sink.at("/pd")[0]["json"]
    assert pd["event_action"] == "trigger"
    assert pd["routing_key"] == "rk123"
    assert pd["dedup_key"] and pd["payload"]["summary"]
    assert pd["payload"]["severity"] in ("critical", "error", "warning", "info")
    for p in paths:
        assert sink.at(p)[0]["headers"]["x-tocsin-event-id"]

    mail = smtp.to("oncall@example.test")[0]
    assert mail["mail_from"] == "tocsin@example.test"
    assert "DB port" in mail["msg"]["Subject"] and "Notify Test" in mail["msg"]["Subject"]
    body = parts(mail["msg"])
    assert "text/plain" in body and "text/html" in body
    assert "DB port" in body["text/plain"] and "DB port" in body["text/html"]

    closed_port.listen()
    d.wait_for(lambda: all_got(2), timeout=20, what="a recovered alert on every channel")
    time.sleep(1.5)
    for p in paths:
        assert len(sink.at(p, delivered=False)) == 2, (p, sink.at(p, delivered=False))
    assert len(smtp.to("oncall@example.test")) == 2
    up = sink.at("/hook")[1]
    assert up["json"]["type"] == "monitor.recovered"
    assert up["headers"]["x-tocsin-event-id"] != hook["headers"]["x-tocsin-event-id"]
    resolve = sink.at("/pd")[1]["json"]
    assert resolve["event_action"] == "resolve"
    assert resolve["dedup_key"] == pd["dedup_key"]
    assert resolve["routing_key"] == "rk123"
    assert "recovered" in smtp.to("oncall@example.test")[1]["msg"]["Subject"]


# ---- retries -------------------------------------------------------------------------------

def test_failing_sink_gets_everything_with_stable_ids(start_daemon, closed_port):
    # Each message is refused (500) on its first attempt and accepted on the next.
    seen = {}

    def status(req):
        eid = req["headers"].get("x-tocsin-event-id")
        seen[eid] = seen.get(eid, 0) + 1
        return 500 if seen[eid] == 1 else 200

    flaky = WebhookSink(status)
    try:
        d = start_daemon(page_config(
            "  - {id: hook, kind: webhook, url: '%s'}\n" % flaky.url("/hook"),
            tcp_monitor(closed_port.port, ["hook"])))
        d.wait_for(lambda: flaky.at("/hook", delivered=False), timeout=15, what="an attempt")
        closed_port.listen()
        d.wait_for(lambda: len(flaky.at("/hook")) == 2, timeout=40,
                   what="both alerts delivered after a retry")
        recs = flaky.at("/hook", delivered=False)
        ids = {}
        for r in recs:
            ids.setdefault(r["headers"]["x-tocsin-event-id"], []).append(r)
        assert len(ids) == 2, recs
        for eid, attempts in ids.items():
            assert [a["answered"] for a in attempts] == [500, 200]
            # The same message, byte for byte, and its body names the same event.
            assert attempts[0]["body"] == attempts[1]["body"]
            assert attempts[1]["json"]["event_id"] == eid
        types = sorted(a[0]["json"]["type"] for a in ids.values())
        assert types == ["monitor.down", "monitor.recovered"]
        d.wait_for(lambda: (metric(d, "tocsin_notifications_retried") or 0) >= 2, timeout=12,
                   what="tocsin_notifications_retried in /metrics")
        assert metric(d, 'tocsin_notifications{state="delivered"}') == 2
    finally:
        flaky.close()


def test_response_bodies_are_not_printed(start_daemon, closed_port):
    # Issue 12 item 5: without a write function libcurl printed every receiver's answer on
    # the daemon's stdout. Now bodies are dropped, except the first 200 bytes of a failed
    # attempt's, tidied into one line, as a hint in its error.
    refusal = b"NOPE\x1b[2J\r\nline two " + b"y" * 300 + b"TAIL-OF-THE-REFUSAL"
    seen = {}

    def status(req):
        eid = req["headers"].get("x-tocsin-event-id")
        seen[eid] = seen.get(eid, 0) + 1
        return (500, refusal) if seen[eid] == 1 else (200, b"SINK-SAID-HELLO-4242")

    sink = WebhookSink(status)
    try:
        d = start_daemon(page_config("  - {id: hook, kind: webhook, url: '%s'}\n"
                                     % sink.url("/hook"),
                                     tcp_monitor(closed_port.port, ["hook"])))
        d.wait_for(lambda: sink.at("/hook"), timeout=30, what="the alert after a retry")
        d.stop()  # stdout is a file, so block-buffered: only an exit flushes it for sure
        out = d.stderr
        assert "SINK-SAID-HELLO" not in out
        assert "TAIL-OF-THE-REFUSAL" not in out
        assert "\x1b" not in out
        excerpt = "HTTP 500: NOPE [2J line two " + "y" * (200 - len(b"NOPE\x1b[2J\r\nline two "))
        assert excerpt + ")" in out, out
    finally:
        sink.close()


def test_kill_9_with_deliveries_pending(start_daemon, closed_port):
    down = {"on": True}
    sink = WebhookSink(lambda req: 503 if down["on"] else 200)
    try:
        channels = ("  - {id: one, kind: webhook, url: '%s'}\n"
                    "  - {id: two, kind: slack, url: '%s'}\n"
                    % (sink.url("/one"), sink.url("/two")))
        d = start_daemon(page_config(channels, tcp_monitor(closed_port.port, ["one", "two"])))
        d.wait_for(lambda: sink.at("/one", False) and sink.at("/two", False), timeout=15,
                   what="first (failed) attempts")
        queued = {r["headers"]["x-tocsin-event-id"] for r in sink.records}
        assert len(queued) == 2
        d.proc.kill()  # SIGKILL: no chance to tidy up
        d.proc.wait()
        d.kill()
        down["on"] = False
        d.start()
        # The backoff after the failed attempt is about 5 s.
        d.wait_for(lambda: {r["headers"]["x-tocsin-event-id"] for r in sink.records
                            if r["answered"] == 200} >= queued,
                   timeout=30, what="every queued alert delivered after the restart")
        delivered = [r for r in sink.records if r["answered"] == 200]
        by_id = {}
        for r in delivered:
            by_id.setdefault(r["headers"]["x-tocsin-event-id"], []).append(r["body"])
        for eid, bodies in by_id.items():
            assert len(set(bodies)) == 1, "a duplicate with the same id must be the same message"
        # A restart may alert again when the last results had not been flushed before the
        # kill (the monitor starts from "pending"); such alerts are new events, not copies.
        for r in delivered:
            if r["headers"]["x-tocsin-event-id"] not in queued:
                assert r["json"]["type" if r["path"] == "/one" else "text"]
    finally:
        sink.close()


def test_dead_notification_listed_and_retried(start_daemon, closed_port, tmp_path):
    # retry_for is at least 1 minute; the backoff (5, 10, 20 s...) gives up after about
    # 35-42 s, when the next attempt would be past the window.
    nowhere = ClosedPort()
    sink = WebhookSink()
    try:
        text = page_config("  - {id: hook, kind: webhook, url: 'http://127.0.0.1:%d/x'}\n"
                           % nowhere.port, tcp_monitor(closed_port.port, ["hook"]),
                           "notifications:\n  retry_for: 1m\n")
        d = start_daemon(text)
        key = run_cli("apikey", "-c", d.config_path, "create", "--name", "t").stdout.strip()
        auth = {"Authorization": "OAuth " + key}

        def dead():
            status, _, body = d.raw_request("GET", "/v1/pages/ntest/notifications/dead",
                                            headers=auth)
            assert status == 200, body
            return json.loads(body)

        listed = d.wait_for(dead, timeout=65, interval=1, what="a dead notification")
        assert listed[0]["target"] == "hook" and listed[0]["kind"] == "webhook"
        assert listed[0]["attempts"] >= 3 and listed[0]["last_error"]
        d.wait_for(lambda: metric(d, 'tocsin_notifications{state="dead"}') == 1, timeout=12,
                   what="the dead count in /metrics")
        # Point the channel at a live sink, reload, and send the dead one again.
        d.config_path.write_text(text.replace("http://127.0.0.1:%d/x" % nowhere.port,
                                              sink.url("/x")))
        d.signal(signal.SIGHUP)
        d.wait_for(lambda: "configuration reloaded" in d.stderr, what="the reload")
        status, _, body = d.raw_request("POST", "/v1/pages/ntest/notifications/dead/retry",
                                        headers=auth)
        assert status == 200, body
        d.wait_for(lambda: sink.at("/x"), timeout=10, what="the retried delivery")
        assert sink.at("/x")[0]["headers"]["x-tocsin-event-id"] == listed[0]["id"]
        assert dead() == []
    finally:
        nowhere.close()
        sink.close()


# ---- pruning -------------------------------------------------------------------------------

def test_finished_rows_pruned(start_daemon):
    # Issue 12 item 15: delivered rows go after notifications.keep_delivered, dead ones after
    # keep_dead, counted from when they finished (next_at); pending rows stay.
    d = start_daemon(page_config("", extra="notifications:\n  keep_delivered: 2d\n"
                                            "  keep_dead: 10d\n"))
    d.stop()
    day = 86400000
    now = int(time.time() * 1000)
    rows = {"delivered-3d": ("delivered", now - 3 * day), "delivered-1d": ("delivered", now - day),
            "dead-11d": ("dead", now - 11 * day), "dead-3d": ("dead", now - 3 * day),
            "pending-old": ("pending", now - 400 * day)}
    db = sqlite3.connect(str(d.data_dir / "tocsin.db"))
    with db:
        for rid, (state, at) in rows.items():
            db.execute("INSERT INTO outbox (id, target, kind, payload, created_at, next_at,"
                       " expires_at, attempts, state) VALUES (?, 'gone', 'webhook', '{}', ?, ?,"
                       " ?, 1, ?)", (rid, at, at, at + day, state))
    db.close()
    d.start()

    def left():
        db = sqlite3.connect(str(d.data_dir / "tocsin.db"))
        try:
            return {r[0] for r in db.execute("SELECT id FROM outbox")}
        finally:
            db.close()

    d.wait_for(lambda: "delivered-3d" not in left(), timeout=10, what="pruning at start")
    remaining = left()
    assert "dead-11d" not in remaining
    assert {"delivered-1d", "dead-3d"} <= remaining
    # The old pending row is sent (its channel is gone, so it dies at once) but not pruned.
    assert "pending-old" in remaining
