"""Probe self-health (issue 15): a node whose own network is cut sees every target fail; it
must not page anyone for that. Black-box, as an operator sees it: the alerts a webhook
receives, the incidents on /api/v2/incidents.json, /metrics, the console's overview and
monitors page, and the daemon's log.

- a node "whose own network is cut": six monitors at closed ports on 127.0.0.1 (every target
  refuses), its self-check target a closed port and its resolver a closed UDP port: the
  vantage is impaired, no alert reaches the webhook and no incident opens, /metrics and the
  console say impaired and why; then the self-check's target and resolver come back while
  the targets still fail: the vantage is healthy again, the alerts and incidents follow;
- the control: the same targets failing while the self-check passes: alerts go out as usual;
- SIGTERM while a self-check round waits on a resolver that never answers: a clean exit;
- config errors point at the key.

Every scenario prints the time from the fault (or the recovery) to what it causes (-s).
"""

import json
import os
import re
import socket
import struct
import threading
import time

import pytest
import requests

from pathlib import Path

from conftest import free_port, run_cli
from test_70_monitors import config, monitor_yaml, statuses
from test_74_detection import metric, metrics, report, wait_metric
from test_90_notify import WebhookSink

MONITORS = 6
PASSWORD = "correct horse battery"


def add_user(d, name):
    p = run_cli("user", "-c", d.config_path, "--data", d.data_dir, "add", name, "--role",
                "editor", input_text=PASSWORD + "\n")
    assert p.returncode == 0, p.stderr


def console_session(d, name):
    """A requests session logged in to the console as @name."""
    s = requests.Session()
    s.headers["Origin"] = d.base
    r = s.post(d.url("/admin/login"), data={"name": name, "password": PASSWORD},
               allow_redirects=False)
    assert r.status_code == 303, r.text
    return s


class DnsStub:
    """A resolver on 127.0.0.1 (UDP) answering every query NOERROR with no records, or,
    with answer=False, reading queries and never answering."""

    def __init__(self, port, answer=True):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", port))
        self.sock.settimeout(0.2)
        self.answer = answer
        self.queries = 0
        self.running = True
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while self.running:
            try:
                data, addr = self.sock.recvfrom(512)
            except socket.timeout:
                continue
            except OSError:
                return
            self.queries += 1
            if not self.answer or len(data) < 12:
                continue
            qid, flags = struct.unpack(">HH", data[:4])
            # A response (QR), RD as asked, recursion available, NOERROR, the question back.
            head = struct.pack(">HHHHHH", qid, 0x8080 | (flags & 0x0100), 1, 0, 0, 0)
            self.sock.sendto(head + data[12:], addr)

    def close(self):
        self.running = False
        self.thread.join(timeout=2)
        self.sock.close()


class Listener:
    """A TCP port on 127.0.0.1 that accepts connections (the self-check's target)."""

    def __init__(self, port):
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", port))
        self.sock.listen(64)
        self.sock.settimeout(0.2)
        self.running = True
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while self.running:
            try:
                conn, _ = self.sock.accept()
                conn.close()
            except socket.timeout:
                continue
            except OSError:
                return

    def close(self):
        self.running = False
        self.thread.join(timeout=2)
        self.sock.close()


def node_config(sink, target_port, resolver_port, timeout="500ms", interval="1s"):
    """Six tcp monitors at closed ports, each feeding its component, opening incidents and
    alerting a webhook; the self-check looks at @target_port and asks @resolver_port."""
    closed = [free_port() for _ in range(MONITORS)]
    mons = [monitor_yaml(id="m%d" % i, kind="tcp", address="127.0.0.1:%d" % port,
                         interval="1s", timeout="500ms", failure_threshold=2,
                         components=["c%d" % i], incident="auto", alerts=["oncall"])
            for i, port in enumerate(closed)]
    extra = ("channels:\n  - {id: oncall, kind: webhook, url: \"%s\"}\n"
             "self_check:\n"
             "  targets: [\"127.0.0.1:%d\"]\n"
             "  resolver: \"127.0.0.1:%d\"\n"
             "  interval: %s\n"
             "  timeout: %s\n" % (sink.url("/alerts"), target_port, resolver_port, interval,
                                   timeout))
    return config(["c%d" % i for i in range(MONITORS)], mons, extra=extra)


def incidents(d):
    _, _, body = d.raw_request("GET", "/api/v2/incidents.json")
    return json.loads(body)["incidents"]


def vantage_line(text):
    m = re.search(r'^tocsin_vantage_state\{state="(\w+)",reason="((?:[^"\\]|\\.)*)"\} 1$',
                  text, re.M)
    return (m.group(1), m.group(2)) if m else (None, None)


@pytest.fixture
def sink():
    s = WebhookSink()
    yield s
    s.close()


def test_a_cut_network_holds_alerts_until_the_node_is_healthy(start_daemon, sink):
    target_port, resolver_port = free_port(), free_port()
    d = start_daemon(node_config(sink, target_port, resolver_port))
    started = time.monotonic()
    add_user(d, "ops")

    # Impaired, and /metrics says why.
    text = wait_metric(d, "tocsin_vantage_impaired", lambda v: v == 1, timeout=15,
                       what="the vantage impaired on /metrics")
    impaired_at = time.monotonic()
    state, reason = vantage_line(text)
    assert state == "impaired", text
    assert re.search(r"\d of \d monitors failed their latest run and the self-check failed: "
                     r"resolver 127\.0\.0\.1:%d: [^;]+; 127\.0\.0\.1:%d: connection refused"
                     % (resolver_port, target_port), reason), reason
    assert metric(text, "tocsin_vantage_failing_monitors") == MONITORS
    assert metric(text, "tocsin_self_check_passed") == 0
    m = re.search(r"vantage impaired: (.*); runs are not counted, alerts and automatic "
                  r"incidents are held", d.stderr)
    assert m and "connection refused" in m.group(1), d.stderr
    report("a cut network (6 of 6 refusing, self-check failing)", started, impaired_at, 0,
           what="impaired on /metrics (rebuilt every 5 s)")

    # The console says so, on the overview and the monitors page.
    s = console_session(d, "ops")
    for path in ("/admin/", "/admin/monitors"):
        page = s.get(d.url(path)).text
        assert "This node&#39;s own network is impaired" in page or \
               "This node's own network is impaired" in page, page
        assert "the self-check failed" in page and \
               "127.0.0.1:%d: connection refused" % target_port in page
        assert "alerts and automatic incidents are held" in page
    monitors_page = s.get(d.url("/admin/monitors")).text
    assert "not counted (vantage impaired): connection refused" in monitors_page

    # Held: many times failure_threshold runs later, nobody was told and nothing opened.
    text = wait_metric(d, "tocsin_vantage_held_runs_total", lambda v: v >= 4 * MONITORS,
                       timeout=15, what="runs held")
    assert sink.records == [], [r["json"] for r in sink.records]
    assert incidents(d) == []
    assert set(statuses(d).values()) == {"operational"}
    assert "monitor m0: " not in d.stderr  # no state change at all
    assert d.stderr.count("vantage impaired:") == 1, d.stderr

    # The node's network comes back while the targets still fail: healthy again, then the
    # alerts and incidents follow from the runs after it.
    listener, resolver = Listener(target_port), DnsStub(resolver_port)
    try:
        back = time.monotonic()
        d.wait_for(lambda: "vantage healthy again" in d.stderr, timeout=10,
                   what="the vantage healthy again")
        healthy_at = time.monotonic()
        alerts = d.wait_for(lambda: (lambda r: len(r) >= MONITORS and r)(
            [r for r in sink.at("/alerts") if r["json"]["type"] == "monitor.down"]),
            timeout=20, what="an alert per monitor")
        report("the node's network back (targets still failing)", back, healthy_at, 0,
               what="healthy again")
        report("healthy again, targets still failing", healthy_at,
               max(r["at"] for r in alerts), 2, what="the last alert (failure_threshold 2)")
        assert {r["json"]["monitor"]["id"] for r in alerts} == \
            {"m%d" % i for i in range(MONITORS)}
        opened = d.wait_for(lambda: (lambda i: len(i) == MONITORS and i)(incidents(d)),
                            timeout=10, what="an incident per monitor")
        assert all(i["status"] == "investigating" for i in opened)
        assert set(statuses(d).values()) == {"major_outage"}
        text = wait_metric(d, "tocsin_vantage_impaired", lambda v: v == 0, timeout=10)
        assert vantage_line(text) == ("healthy", ""), text
        assert metric(text, "tocsin_self_check_passed") == 1
        # Said once each way.
        assert d.stderr.count("vantage impaired:") == 1
        assert d.stderr.count("vantage healthy again") == 1
        assert "the self-check passed" in d.stderr
        page = s.get(d.url("/admin/monitors")).text
        assert "own network is impaired" not in page
        assert re.search(r"This node.{1,6}s last self-check \([^)]*\) passed: resolver "
                         r"127\.0\.0\.1:%d: answered in \d+ ms; 127\.0\.0\.1:%d: connected"
                         % (resolver_port, target_port), page), page
    finally:
        listener.close()
        resolver.close()


def test_failures_with_a_healthy_self_check_alert_as_usual(start_daemon, sink):
    target_port, resolver_port = free_port(), free_port()
    listener, resolver = Listener(target_port), DnsStub(resolver_port)
    try:
        d = start_daemon(node_config(sink, target_port, resolver_port))
        started = time.monotonic()
        alerts = d.wait_for(lambda: (lambda r: len(r) >= MONITORS and r)(
            [r for r in sink.at("/alerts") if r["json"]["type"] == "monitor.down"]),
            timeout=20, what="an alert per monitor")
        report("6 of 6 failing, self-check passing", started, max(r["at"] for r in alerts), 2,
               what="the last alert (failure_threshold 2)")
        assert d.wait_for(lambda: len(incidents(d)) == MONITORS, timeout=10,
                          what="an incident per monitor")
        assert "vantage impaired" not in d.stderr
        assert re.search(r"vantage: \d of \d monitors failed their latest run; checking this "
                         r"node's own network", d.stderr), d.stderr
        assert "vantage: the self-check passed (resolver 127.0.0.1:%d: answered in" \
            % resolver_port in d.stderr
        text = wait_metric(d, "tocsin_self_check_rounds_total", lambda v: v >= 1)
        assert metric(text, "tocsin_vantage_impaired") == 0
        assert metric(text, "tocsin_self_check_passed") == 1
        assert resolver.queries >= 1
    finally:
        listener.close()
        resolver.close()


def test_sigterm_while_the_self_check_waits(start_daemon, sink):
    """A resolver that never answers keeps a round in flight (and the vantage checking):
    nothing is alerted meanwhile, and SIGTERM then exits cleanly (no sanitizer report)."""
    resolver_port = free_port()
    silent = DnsStub(resolver_port, answer=False)
    listener = Listener(free_port())
    try:
        d = start_daemon(node_config(sink, listener.sock.getsockname()[1], resolver_port,
                                     timeout="8s", interval="20s"))
        d.wait_for(lambda: "checking this node's own network" in d.stderr, timeout=15,
                   what="the vantage checking")
        d.wait_for(lambda: silent.queries >= 1, timeout=5, what="the resolver asked")
        time.sleep(2.5)  # more than failure_threshold runs, all waiting
        assert sink.records == []
        assert incidents(d) == []
        d.stop()  # asserts a clean exit without sanitizer reports
    finally:
        silent.close()
        listener.close()


def test_config_errors_point_at_the_key(tmp_path):
    cases = [
        ("  targets: [nohost]\n", "targets", "a target must be HOST:PORT or gateway[:PORT]"),
        ("  targets: gateway\n", "targets", "targets must be a list"),
        ("  resolver: resolver.example\n", "resolver", "resolver must be system, none, or an IP"),
        ("  failing_ratio: 1.5\n", "failing_ratio", "failing_ratio must be a number above 0"),
        ("  min_failing: 0\n", "min_failing", "min_failing"),
        ("  interval: 2s\n  timeout: 2s\n", "timeout", "timeout must be less than interval"),
        ("  quorum: 3\n", "quorum", "quorum"),
    ]
    for body, key, words in cases:
        cfg = tmp_path / "bad.yaml"
        text = config([], []) + "self_check:\n" + body
        cfg.write_text(text)
        res = run_cli("check-config", "-c", cfg)
        assert res.returncode == 2, (body, res.stdout, res.stderr)
        lines = res.stderr.strip().splitlines()
        assert len(lines) == 1 and words in lines[0], (body, res.stderr)
        line = 1 + max(i for i, t in enumerate(text.splitlines())
                       if t.strip().startswith(key + ":"))
        assert re.match(r".*bad\.yaml:%d:\d+: " % line, lines[0]), (body, lines[0])
    good = tmp_path / "good.yaml"
    good.write_text(config([], []) + "self_check:\n  enabled: true\n  targets: [gateway, "
                    "\"gateway:22\", \"10.0.0.2:22\", \"[::1]:53\"]\n  resolver: none\n"
                    "  interval: 10s\n  timeout: 1s\n  min_failing: 3\n  failing_ratio: 0.6\n")
    res = run_cli("check-config", "-c", good)
    assert res.returncode == 0, res.stderr


def test_a_small_node_runs_no_self_check(start_daemon):
    """With fewer monitors that can speak than min_failing, the node can never blame itself,
    so it sends nothing to its gateway or resolver."""
    # The default self-check (the gateway and the system's resolver: none is asked here).
    d = start_daemon(config(["a"], [monitor_yaml(id="a", kind="tcp",
                                                 address="127.0.0.1:%d" % free_port(),
                                                 interval="1s", timeout="500ms",
                                                 components=["a"])],
                            extra="self_check:\n  enabled: true\n"))
    text = wait_metric(d, "tocsin_vantage_voting_monitors", lambda v: v == 1, timeout=15)
    assert metric(text, "tocsin_self_check_rounds_total") == 0
    assert metric(text, "tocsin_vantage_impaired") == 0


def test_the_console_shows_an_impaired_vantage(start_daemon, sink, tmp_path):
    """The notice as a person sees it in Chromium, on the overview and the monitors page
    (screenshots in $TOCSIN_SCREENSHOTS)."""
    webdriver = pytest.importorskip("selenium.webdriver", reason="python3-selenium is needed")
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    if not os.path.exists("/usr/bin/chromedriver"):
        pytest.skip("chromium-driver is needed")
    d = start_daemon(node_config(sink, free_port(), free_port()))
    add_user(d, "ops")
    wait_metric(d, "tocsin_vantage_impaired", lambda v: v == 1, timeout=15)
    opts = Options()
    for arg in ("--headless=new", "--no-sandbox", "--window-size=1280,1200"):
        opts.add_argument(arg)
    b = webdriver.Chrome(options=opts, service=Service(executable_path="/usr/bin/chromedriver"))
    try:
        b.get(d.url("/admin/login"))
        b.find_element(By.ID, "name").send_keys("ops")
        b.find_element(By.ID, "password").send_keys(PASSWORD)
        b.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
        folder = Path(os.environ.get("TOCSIN_SCREENSHOTS") or tmp_path)
        folder.mkdir(parents=True, exist_ok=True)
        for path, name in (("/admin/", "overview"), ("/admin/monitors", "monitors")):
            b.get(d.url(path))
            notice = b.find_element(By.CSS_SELECTOR, "section.vantage[role=alert]")
            text = notice.text
            assert "This node's own network is impaired" in text, text
            assert "connection refused" in text and "not counted" in text, text
            shot = folder / ("console-vantage-impaired-%s.png" % name)
            b.save_screenshot(str(shot))
            assert shot.stat().st_size > 1000
    finally:
        b.quit()
