"""Black-box tests of monitoring (issue 4): http monitors against a local target the tests
start on 127.0.0.1: thresholds both ways, degraded and partial-outage statuses, body
conditions and their reason in the log, a fresh connection for every run, and `tocsin probe`
for http. Everything is checked as a user
sees it: /api/v2/components.json, /api/v2/status.json, the daemon's log and the CLI output.

The targets live here and are reused by test_71_* to test_73_*:
- `HttpTarget`: http.server in a thread, with per-path status, body and delay, counting
  accepted TCP connections and the requests made on each one (HTTP/1.1 keep-alive is on, so
  a client reusing connections would show up);
- `TcpTarget`: a listener that accepts and closes, and can be closed so new connections are
  refused.

Intervals are 1 s (the minimum) and thresholds small; every wait polls with a deadline that
leaves room for a loaded machine.
"""

import http.server
import json
import socket
import threading
import time

import pytest

from conftest import run_cli

# ---- targets -----------------------------------------------------------------------------

UP_BODY = '{"status":"UP"}'


class _TargetServer(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64

    def get_request(self):
        conn, addr = super().get_request()
        with self.target.lock:
            self.target.accepts += 1
        return conn, addr


class _TargetHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: connection reuse by the client would show
    server_version = "target/1"

    def setup(self):
        super().setup()
        self.served_here = 0

    def log_message(self, *args):
        pass

    def _answer(self, with_body):
        target = self.server.target
        path = self.path.split("?", 1)[0]
        with target.lock:
            route = dict(target.routes.get(path, {"status": 404, "body": "no such path",
                                                  "delay": 0.0}))
        if route["delay"]:
            time.sleep(route["delay"])
        body = route["body"].encode()
        self.send_response(route["status"])
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if with_body:
            self.wfile.write(body)
        self.served_here += 1
        with target.lock:
            target.log.append({"path": path, "status": route["status"],
                               "port": self.client_address[1],
                               "conn": id(self.connection),
                               "nth_on_conn": self.served_here,
                               "at": time.monotonic()})

    def do_GET(self):
        self._answer(True)

    def do_HEAD(self):
        self._answer(False)


class HttpTarget:
    """An HTTP server on 127.0.0.1 whose paths answer as told: set(path, status, body,
    delay). Requests are logged (path, status served, client port, connection)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.routes = {}
        self.log = []
        self.accepts = 0
        self.server = _TargetServer(("127.0.0.1", 0), _TargetHandler)
        self.server.target = self
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever,
                                       kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def url(self, path):
        return "http://127.0.0.1:%d%s" % (self.port, path)

    def set(self, path, status=200, body=UP_BODY, delay=0.0):
        with self.lock:
            self.routes[path] = {"status": status, "body": body, "delay": delay}

    def served(self, path, status=None, since=0.0):
        """How many requests for @path were answered (with @status) after monotonic @since."""
        with self.lock:
            return sum(1 for r in self.log if r["path"] == path and r["at"] >= since
                       and (status is None or r["status"] == status))

    def requests(self, path):
        with self.lock:
            return [dict(r) for r in self.log if r["path"] == path]

    def close(self):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


class TcpTarget:
    """A TCP listener on 127.0.0.1 that accepts and closes; close() makes the port refuse
    new connections."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.sock.settimeout(0.1)
        self.port = self.sock.getsockname()[1]
        self.accepts = 0
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self.stopping.is_set():
            try:
                conn, _ = self.sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            self.accepts += 1
            conn.close()

    def close(self):
        if not self.stopping.is_set():
            self.stopping.set()
            self.thread.join(timeout=5)
            self.sock.close()


@pytest.fixture
def target():
    t = HttpTarget()
    yield t
    t.close()


# ---- config and API helpers --------------------------------------------------------------

def yaml_value(v):
    """JSON is valid YAML flow syntax: strings come out double-quoted, lists as [..]."""
    return json.dumps(v)


def monitor_yaml(**keys):
    """One `monitors:` item; keys in order, values as JSON (id first)."""
    lines = ["  - id: %s" % keys.pop("id")]
    for k, v in keys.items():
        lines.append("    %s: %s" % (k, yaml_value(v)))
    return "\n".join(lines) + "\n"


def config(components, monitors, extra=""):
    """A page with @components (ids, or (id, extra yaml lines) pairs) and @monitors (text of
    monitor_yaml items)."""
    text = "page:\n  id: mon\n  name: Monitor Test\n  time_zone: Etc/UTC\n"
    if components:
        text += "components:\n"
    for c in components:
        cid, more = (c, "") if isinstance(c, str) else c
        text += "  - id: %s\n    name: %s component\n%s" % (cid, cid.upper(), more)
    text += extra
    if monitors:
        text += "monitors:\n" + "".join(monitors)
    return text


def get_json(d, path):
    status, _, body = d.raw_request("GET", path)
    assert status == 200, (path, status, body)
    return json.loads(body)


def statuses(d):
    """{component id: status} from /api/v2/components.json."""
    doc = get_json(d, "/api/v2/components.json")
    return {c["id"]: c["status"] for c in doc["components"]}


def page_status(d):
    doc = get_json(d, "/api/v2/status.json")
    return doc["status"]["indicator"], doc["status"]["description"]


def wait_status(d, cid, want, timeout=15.0):
    """Poll components.json until component @cid has status @want."""
    d.wait_for(lambda: statuses(d).get(cid) == want, timeout=timeout, interval=0.1,
               what="component %s to be %s (now %s)" % (cid, want, statuses(d).get(cid)))


def wait_served(d, tgt, path, n, status=None, since=0.0, timeout=15.0):
    d.wait_for(lambda: tgt.served(path, status, since) >= n, timeout=timeout, interval=0.05,
               what="%d requests for %s (status %s) at the target" % (n, path, status))


def check_before_threshold(d, tgt, path, status, cid, expected, fewer, since):
    """While the target has answered between 1 and @fewer requests with @status since @since,
    the component must still show @expected. A reading counts only when the number answered
    is the same before and after it (so no further run could have been judged meanwhile).
    Returns once one such reading was made, or fails."""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        before = tgt.served(path, status, since)
        if before > fewer:
            break
        if before >= 1:
            seen = statuses(d).get(cid)
            if tgt.served(path, status, since) == before:
                assert seen == expected, (
                    "component %s is %s after %d run(s) answered %s; the threshold is "
                    "%d\n%s" % (cid, seen, before, status, fewer + 1, d.stderr))
                return
        time.sleep(0.02)
    pytest.fail("could not observe %s between runs (machine too slow?)\n%s" % (cid, d.stderr))


def http_monitor(mid, tgt, path, components, **extra):
    keys = {"id": mid, "kind": "http", "url": tgt.url(path), "interval": "1s",
            "timeout": "1s"}
    if components:
        keys["components"] = components
    keys.update(extra)
    return monitor_yaml(**keys)


# ---- http: thresholds both ways ----------------------------------------------------------

def test_http_thresholds_down_and_back(start_daemon, target):
    target.set("/health")
    d = start_daemon(config(["api"], [http_monitor(
        "api-health", target, "/health", ["api"],
        conditions=["[STATUS] == 200", "[BODY].status == UP"],
        failure_threshold=3, success_threshold=2)]))
    assert statuses(d) == {"api": "operational"}
    wait_served(d, target, "/health", 2, status=200)
    assert statuses(d)["api"] == "operational"
    assert page_status(d) == ("none", "All Systems Operational")

    # 500: still operational after 1 or 2 failed runs, major_outage after the third.
    t0 = time.monotonic()
    target.set("/health", status=500, body='{"status":"UP"}')
    check_before_threshold(d, target, "/health", 500, "api", "operational", 2, t0)
    wait_served(d, target, "/health", 3, status=500, since=t0)
    wait_status(d, "api", "major_outage")
    assert target.served("/health", 500, t0) >= 3
    assert page_status(d) == ("critical", "Major System Outage")
    summary = get_json(d, "/api/v2/summary.json")
    assert [c["status"] for c in summary["components"] if c["id"] == "api"] == ["major_outage"]
    assert "monitor api-health: up -> down: [STATUS] (500) == 200" in d.stderr

    # Back to 200: still major_outage after one good run, operational after the second.
    t1 = time.monotonic()
    target.set("/health")
    check_before_threshold(d, target, "/health", 200, "api", "major_outage", 1, t1)
    wait_served(d, target, "/health", 2, status=200, since=t1)
    wait_status(d, "api", "operational")
    assert page_status(d) == ("none", "All Systems Operational")
    assert "monitor api-health: down -> up" in d.stderr


# ---- http: degraded, partial outage, body conditions -------------------------------------

def test_http_degraded_by_response_time(start_daemon, target):
    target.set("/slow")
    d = start_daemon(config(["api"], [http_monitor(
        "api-latency", target, "/slow", ["api"],
        conditions=["[STATUS] == 200"], degraded_conditions=["[RESPONSE_TIME] < 300"],
        failure_threshold=2, success_threshold=1)]))
    wait_served(d, target, "/slow", 1)
    t0 = time.monotonic()
    target.set("/slow", delay=0.6)
    wait_served(d, target, "/slow", 2, since=t0)
    wait_status(d, "api", "degraded_performance")
    assert page_status(d)[0] == "minor"
    assert "monitor api-latency: up -> degraded: [RESPONSE_TIME] (" in d.stderr
    # Fast again: one good run (success_threshold 1) brings it back.
    target.set("/slow")
    wait_status(d, "api", "operational")


def test_http_down_status_partial_outage(start_daemon, target):
    target.set("/p", status=503, body="maintenance")
    d = start_daemon(config(["api", "web"], [http_monitor(
        "api-partial", target, "/p", ["api"], conditions=["[STATUS] == 200"],
        failure_threshold=2, down_status="partial_outage")]))
    wait_status(d, "api", "partial_outage")
    assert statuses(d) == {"api": "partial_outage", "web": "operational"}
    # One of two components in partial outage.
    assert page_status(d)[0] == "minor"
    target.set("/p")
    wait_status(d, "api", "operational", timeout=15)


def test_http_body_condition_reason_in_log(start_daemon, target):
    target.set("/b")
    d = start_daemon(config(["api"], [http_monitor(
        "body-check", target, "/b", ["api"],
        conditions=["[STATUS] == 200", "[BODY].status == UP"], failure_threshold=2)]))
    wait_served(d, target, "/b", 1)
    d.wait_for(lambda: "monitor body-check: pending -> up" in d.stderr, timeout=10,
               what="the monitor to be up")
    target.set("/b", body='{"status":"DOWN"}')
    wait_status(d, "api", "major_outage")
    d.wait_for(lambda: "monitor body-check: up -> down: [BODY].status (DOWN) == UP" in d.stderr,
               timeout=5, what="the reason in the log")
    assert "level=warn" in [l for l in d.stderr.splitlines()
                            if "up -> down: [BODY].status (DOWN) == UP" in l][0]
    assert "component api: operational -> major_outage" in d.stderr


# ---- http: a fresh connection for every run ----------------------------------------------

def test_http_fresh_connection_every_run(start_daemon, target):
    target.set("/fresh")
    d = start_daemon(config(["api"], [http_monitor(
        "fresh", target, "/fresh", ["api"], conditions=["[STATUS] == 200"])]))
    wait_served(d, target, "/fresh", 4, timeout=20)
    reqs = target.requests("/fresh")
    n = len(reqs)
    assert n >= 4
    # Every request came on its own connection and from its own client port ...
    assert all(r["nth_on_conn"] == 1 for r in reqs), reqs
    assert len({r["port"] for r in reqs}) == n, reqs
    # ... and the server accepted at least as many connections as it answered requests.
    assert target.accepts >= n, (target.accepts, n)
    assert statuses(d)["api"] == "operational"


# ---- tocsin probe for http ---------------------------------------------------------------

def probe_cli(tmp_path, tgt, path, **extra):
    cfg = tmp_path / "probe.yaml"
    cfg.write_text(config([], [http_monitor("p", tgt, path, [], **extra)]))
    res = run_cli("probe", "-c", cfg, "p")
    return res.returncode, res.stdout + res.stderr


def test_probe_cli_http(tmp_path, target):
    conds = dict(conditions=["[STATUS] == 200", "[BODY].status == UP"],
                 degraded_conditions=["[RESPONSE_TIME] < 300"])
    target.set("/ok")
    rc, out = probe_cli(tmp_path, target, "/ok", **conds)
    assert rc == 0, out
    assert "PASS up       [STATUS] (200) == 200" in out
    assert "PASS up       [BODY].status (UP) == UP" in out
    assert "PASS degraded [RESPONSE_TIME] (" in out
    assert "status     200" in out
    assert "verdict    up" in out
    timing = [l for l in out.splitlines() if l.startswith("timings ")]
    assert len(timing) == 1, out
    for phase in ("dns ", "connect ", "tls ", "first byte ", "total "):
        assert phase in timing[0], timing
    assert "127.0.0.1" in out  # the IP connected to

    target.set("/down", status=500, body='{"status":"DOWN"}')
    rc, out = probe_cli(tmp_path, target, "/down", **conds)
    assert rc == 1, out
    assert "FAIL up       [STATUS] (500) == 200" in out
    assert "FAIL up       [BODY].status (DOWN) == UP" in out
    assert "verdict    down: [STATUS] (500) == 200" in out

    target.set("/slow", delay=0.6)
    rc, out = probe_cli(tmp_path, target, "/slow", **conds)
    assert rc == 3, out
    assert "PASS up       [STATUS] (200) == 200" in out
    assert "FAIL degraded [RESPONSE_TIME] (" in out
    assert "verdict    degraded: [RESPONSE_TIME] (" in out

    # Slower than the timeout: down, with the timeout as the reason.
    target.set("/hang", delay=2.0)
    rc, out = probe_cli(tmp_path, target, "/hang", conditions=["[STATUS] == 200"],
                        timeout="500ms")
    assert rc == 1, out
    assert "FAIL up       [STATUS] (missing) == 200" in out
    assert "timed out" in out.lower() or "timeout" in out.lower(), out

    # Connection refused: down, with the error shown.
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    cfg = tmp_path / "refused.yaml"
    cfg.write_text(config([], [monitor_yaml(id="r", kind="http",
                                            url="http://127.0.0.1:%d/" % port)]))
    res = run_cli("probe", "-c", cfg, "r")
    assert res.returncode == 1, res.stdout + res.stderr
    assert "connected  no" in res.stdout
    assert "error      " in res.stdout
