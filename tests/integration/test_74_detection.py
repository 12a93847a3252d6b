"""Black-box tests of detection beyond consecutive thresholds (issue 15), each against a local
target the test scripts request by request, as a user would see it: the components on
/api/v2/components.json, /metrics, the daemon's log, the alerts a webhook receives, and
`tocsin probe --runs`.

- a target failing 30% of requests at random (seeded), never three in a row: thresholds alone
  never see it; `window: 20, degraded_ratio: 0.2` does, within 20 runs; flap detection (on by
  default) does too; the failure share is on /metrics and in `tocsin probe --runs`;
- a single dropped connection is re-checked (`retries`) and recorded as recovered on retry;
- a slow tail (median 50 ms, 1 request in 10 taking 2 s) degrades by [RESPONSE_TIME_P95];
- a target alternating up and down every run is one "flapping" alert, not ten, and one
  "stable" alert when it settles;
- a push monitor before its first push is pending, not down, and so after a restart.

Every scenario prints the time from the fault to the state change (run with -s to see them;
the figures go into BENCHMARKS.md).
"""

import http.server
import json
import random
import re
import sqlite3
import threading
import time

import pytest

from conftest import run_cli
from test_70_monitors import config, monitor_yaml, statuses
from test_71_monitor_push_page import bars_of, days_of
from test_90_notify import WebhookSink

TOKEN = "detect-push-token-0123456789"


# ---- a target scripted request by request -------------------------------------------------

class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        target = self.server.target
        path = self.path.split("?", 1)[0]
        with target.lock:
            n = target.counts.get(path, 0)
            target.counts[path] = n + 1
            script = target.scripts.get(path)
        status, delay, drop = script(n) if script else (404, 0.0, False)
        if delay:
            time.sleep(delay)
        with target.lock:
            target.log.append({"path": path, "n": n, "status": status, "drop": drop,
                               "at": time.monotonic()})
        if drop:
            # A dropped connection: closed without a byte of answer.
            self.close_connection = True
            return
        body = b'{"status":"UP"}' if status == 200 else b'{"status":"DOWN"}'
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)


class ScriptedTarget:
    """HTTP on 127.0.0.1; script(path, fn) makes request n (0-based, per path) answer
    fn(n) -> (status, delay seconds, drop)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.scripts = {}
        self.counts = {}
        self.log = []
        self.server = _Server(("127.0.0.1", 0), _Handler)
        self.server.target = self
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever,
                                       kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def url(self, path):
        return "http://127.0.0.1:%d%s" % (self.port, path)

    def script(self, path, fn):
        with self.lock:
            self.scripts[path] = fn

    def served(self, path):
        with self.lock:
            return [dict(r) for r in self.log if r["path"] == path]

    def close(self):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


@pytest.fixture
def target():
    t = ScriptedTarget()
    yield t
    t.close()


def up(n):
    return (200, 0.0, False)


def mon(mid, target, path, component=None, **keys):
    keys.setdefault("interval", "1s")
    keys.setdefault("timeout", "1s")
    keys.setdefault("conditions", ["[STATUS] == 200"])
    if component:
        keys["components"] = [component]
    return monitor_yaml(id=mid, kind="http", url=target.url(path), **keys)


def metrics(d):
    status, _, body = d.raw_request("GET", "/metrics")
    assert status == 200
    return body.decode()


def metric(text, name):
    m = re.search(r"^%s (\S+)$" % re.escape(name), text, re.M)
    return float(m.group(1)) if m else None


def wait_metric(d, name, pred, timeout=15, what=None):
    """/metrics is rebuilt every 5 s: poll until @name satisfies @pred; returns the text."""
    def ready():
        text = metrics(d)
        v = metric(text, name)
        return text if v is not None and pred(v) else None
    return d.wait_for(ready, timeout=timeout, interval=0.25, what=what or name)


def watch(d, cid, want, timeout, never=None):
    """Poll component @cid until it is @want; with @never, fail if another component is
    ever seen with that status meanwhile ({cid: status})."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        st = statuses(d)
        for other, bad in (never or {}).items():
            assert st[other] != bad, "%s became %s\n%s" % (other, bad, d.stderr)
        if st[cid] == want:
            return time.monotonic()
        time.sleep(0.05)
    raise AssertionError("%s never became %s (now %s)\n%s" % (cid, want, statuses(d)[cid],
                                                             d.stderr))


def watch_all(d, wants, timeout, never=None):
    """Poll until every component of @wants ({cid: status}) has been seen with its status;
    returns {cid: monotonic time first seen}. @never as in watch()."""
    seen = {}
    deadline = time.monotonic() + timeout
    while len(seen) < len(wants):
        assert time.monotonic() < deadline, "not all of %s: %s\n%s" % (wants, statuses(d),
                                                                       d.stderr)
        st = statuses(d)
        now = time.monotonic()
        for other, bad in (never or {}).items():
            assert st[other] != bad, "%s became %s\n%s" % (other, bad, d.stderr)
        for cid, want in wants.items():
            if cid not in seen and st[cid] == want:
                seen[cid] = now
        time.sleep(0.05)
    return seen


def report(scenario, fault_at, changed_at, runs, what="the state change"):
    print("\nDETECTION %s: %.1f s from the fault to %s (%d runs)"
          % (scenario, changed_at - fault_at, what, runs))


# ---- a share of failures that never comes three in a row ----------------------------------

def partial_failures(seed, n):
    """@n verdicts (True = fail): each request fails at random with probability 0.3, unless
    the two before it failed."""
    rng = random.Random(seed)
    seq = []
    for _ in range(n):
        seq.append(rng.random() < 0.3 and not (len(seq) >= 2 and seq[-1] and seq[-2]))
    return seq


FAILS = partial_failures(7, 400)  # 30.0% of 400; failures 1, 3, 6 and 8 in the first 20


def test_the_pattern_is_what_the_issue_describes():
    assert not any(FAILS[i] and FAILS[i + 1] and FAILS[i + 2] for i in range(len(FAILS) - 2))
    assert 0.25 <= sum(FAILS) / len(FAILS) <= 0.35
    assert sum(FAILS[:20]) >= 4  # so a 20-run window at 0.2 must see it in its first 20


def partial(n):
    return (500 if FAILS[n % len(FAILS)] else 200, 0.0, False)


def test_failure_window_sees_partial_failure(start_daemon, target, tmp_path):
    for path in ("/win", "/plain", "/dflt"):
        target.script(path, partial)
    d = start_daemon(config(["win", "plain", "dflt"], [
        # The window alone (flap detection off, to show each rule by itself).
        mon("win", target, "/win", "win", window=20, degraded_ratio=0.2,
            flap_detection=False),
        # Consecutive thresholds alone: the seed's "our probes missed it".
        mon("plain", target, "/plain", "plain", flap_detection=False),
        # The defaults: flap detection on.
        mon("dflt", target, "/dflt", "dflt"),
    ]))
    first = None
    while first is None:
        first = next((r for r in target.served("/win") if r["status"] == 500), None)
        time.sleep(0.05)
    seen = watch_all(d, {"win": "degraded_performance", "dflt": "degraded_performance"},
                     timeout=30, never={"plain": "degraded_performance"})
    runs = sum(1 for r in target.served("/win") if r["at"] < seen["win"])
    assert runs <= 20, "degraded after %d runs" % runs
    report("failure window (30% failing, window 20, degraded_ratio 0.2)", first["at"],
           seen["win"], runs)
    # The defaults see it too, as flapping; thresholds alone never do.
    first_dflt = next(r for r in target.served("/dflt") if r["status"] == 500)
    report("defaults (30% failing, flap detection)", first_dflt["at"], seen["dflt"],
           sum(1 for r in target.served("/dflt") if r["at"] < seen["dflt"]))
    m = re.search(r"monitor win: up -> degraded: (\d+) of the last 20 runs failed \((\d+)%, "
                  r"degraded_ratio 0.2\); last failure: \[STATUS\] \(500\) == 200", d.stderr)
    assert m and int(m.group(1)) == 4 and int(m.group(2)) == 20, d.stderr

    text = d.wait_for(lambda: (lambda t: 'tocsin_monitor_state{monitor="win",state="degraded"} 1'
                               in t and t)(metrics(d)), timeout=10, interval=0.25,
                      what="win degraded in /metrics")
    assert 'tocsin_monitor_state{monitor="dflt",state="flapping"} 1' in text
    # Degraded holds while the share is at least half the ratio.
    share = metric(text, 'tocsin_monitor_failure_share{monitor="win"}')
    assert share is not None and share >= 0.1, text
    assert metric(text, 'tocsin_monitor_flapping{monitor="dflt"}') == 1
    assert metric(text, 'tocsin_monitor_failure_share{monitor="plain"}') > 0
    d.wait_for(lambda: len(target.served("/plain")) >= 25, timeout=30, what="25 runs")
    assert statuses(d)["plain"] == "operational"
    assert "monitor plain: up -> " not in d.stderr

    # Healthy again: the window holds degraded while 2 or more of the last 20 failed (half
    # the ratio), then recovers.
    target.script("/win", up)
    healed_at = time.monotonic()
    healed_runs = len(target.served("/win"))
    recovered = watch(d, "win", "operational", timeout=30)
    after = target.served("/win")[healed_runs:]
    tail = [r["status"] == 500 for r in target.served("/win")[-20:]]
    assert sum(tail) <= 1
    report("failure window recovery (hysteresis: under 10%)", healed_at, recovered, len(after))

    # `tocsin probe --runs 20` shows the same share on the same pattern.
    target.script("/probe", partial)
    cfg = tmp_path / "probe.yaml"
    cfg.write_text(config([], [mon("p", target, "/probe", window=20, degraded_ratio=0.2,
                                   flap_detection=False)]))
    res = run_cli("probe", "-c", cfg, "--runs", "20", "p", timeout=60)
    failed = sum(FAILS[:20])
    assert "window     %d of 20 runs failed (%.0f%%)" % (failed, failed * 5) in res.stdout, \
        res.stdout + res.stderr
    assert "state      degraded (the failure share reached degraded_ratio 0.2)" in res.stdout
    assert res.returncode == 3, res.stdout
    assert len(re.findall(r"^run \d+ +(up|down)", res.stdout, re.M)) == 20


# ---- retries -------------------------------------------------------------------------------

def drop_third(n):
    return (200, 0.0, n == 2)


def test_retry_turns_a_dropped_connection_into_recovered(start_daemon, target):
    target.script("/retry", drop_third)
    target.script("/noretry", drop_third)
    d = start_daemon(config(["retry", "noretry"], [
        mon("retry", target, "/retry", "retry", failure_threshold=1, retries=1,
            retry_interval="200ms"),
        mon("noretry", target, "/noretry", "noretry", failure_threshold=1),
    ]))
    d.wait_for(lambda: len(target.served("/retry")) >= 6, timeout=20, what="6 requests")
    served = target.served("/retry")
    dropped = [r for r in served if r["drop"]]
    assert len(dropped) == 1
    # The re-check came after retry_interval, not at the next interval.
    recheck = served[served.index(dropped[0]) + 1]
    assert 0.15 <= recheck["at"] - dropped[0]["at"] < 0.9
    report("dropped connection, retries 1, retry_interval 200ms", dropped[0]["at"],
           recheck["at"], 1, what="the passing re-check (no state change)")
    assert "monitor retry: recovered on retry 1 of 1 (first attempt: " in d.stderr
    assert "monitor retry: up -> " not in d.stderr
    assert statuses(d)["retry"] == "operational"
    # Without retries the same drop is an outage.
    assert "monitor noretry: up -> down" in d.stderr
    text = wait_metric(d, 'tocsin_monitor_recovered_on_retry_total{monitor="retry"}',
                       lambda v: v == 1)
    assert metric(text, 'tocsin_monitor_retries_total{monitor="retry"}') == 1
    # Monitors without retries have no retry lines.
    assert 'tocsin_monitor_retries_total{monitor="noretry"}' not in text
    assert metric(text, 'tocsin_monitor_checks_total{monitor="retry",verdict="down"}') == 0
    # Recorded, not hidden: the stored result says so.
    time.sleep(1.2)  # results are written in batches every second
    db = sqlite3.connect("file:%s?mode=ro" % (d.data_dir / "tocsin.db"), uri=True)
    try:
        reasons = [r[0] for r in db.execute("SELECT reason FROM result WHERE verdict = 0 AND "
                                            "reason LIKE 'recovered on retry%'")]
    finally:
        db.close()
    assert len(reasons) == 1, reasons


# ---- latency over the window ---------------------------------------------------------------

def slow_tail(n):
    """Median 50 ms; one request in ten takes 2 s (the second, the twelfth, ...)."""
    return (200, 2.0 if n % 10 == 1 else 0.05, False)


def test_p95_over_the_window_sees_a_slow_tail(start_daemon, target, tmp_path):
    target.script("/p95", slow_tail)
    target.script("/last", slow_tail)
    d = start_daemon(config(["p95", "last"], [
        mon("p95", target, "/p95", "p95", interval="3s", timeout="3s", window=10,
            failure_threshold=2, degraded_conditions=["[RESPONSE_TIME_P95] < 800"]),
        # The last run's time alone: one slow answer among fast ones never lasts.
        mon("last", target, "/last", "last", interval="3s", timeout="3s",
            degraded_conditions=["[RESPONSE_TIME] < 800"]),
    ]))
    slow = None
    while slow is None:
        slow = next((r for r in target.served("/p95") if r["n"] % 10 == 1), None)
        time.sleep(0.05)
    changed = watch(d, "p95", "degraded_performance", timeout=30,
                    never={"last": "degraded_performance"})
    report("p95 over the window (median 50 ms, p95 2 s, window 10, interval 3 s)",
           slow["at"] - 2.0, changed, len(target.served("/p95")) - 1)
    assert re.search(r"monitor p95: up -> degraded: \[RESPONSE_TIME_P95\] \(2\d\d\d(\.\d+)?\)"
                     r" < 800", d.stderr), d.stderr
    text = wait_metric(d, 'tocsin_monitor_response_time_seconds{monitor="p95",quantile="0.95"}',
                       lambda v: v >= 1.9)
    p50 = metric(text, 'tocsin_monitor_response_time_seconds{monitor="p95",quantile="0.5"}')
    assert 0.04 <= p50 < 0.5, text
    assert statuses(d)["last"] == "operational"
    assert "monitor last: up -> " not in d.stderr

    # The placeholders are type-checked at load like [RESPONSE_TIME].
    bad = tmp_path / "bad.yaml"
    bad.write_text(config([], [monitor_yaml(id="b", kind="http", url=target.url("/p95"),
                                            degraded_conditions=["[RESPONSE_TIME_P99] < 8OO"]),
                               monitor_yaml(id="c", kind="tcp", address="127.0.0.1:1",
                                            conditions=["[RESPONSE_TIME_P50] < 1s"]),
                               monitor_yaml(id="e", kind="http", url=target.url("/p95"),
                                            conditions=["[RESPONSE_TIME_P90] < 100"])]))
    res = run_cli("check-config", "-c", bad)
    assert res.returncode == 2
    errors = res.stderr.strip().splitlines()
    assert len(errors) == 2, res.stderr  # the tcp one is fine
    assert "[RESPONSE_TIME_P99] < 8OO" in errors[0] and "duration" in errors[0], errors
    assert "unknown placeholder [RESPONSE_TIME_P90]" in errors[1], errors


# ---- flapping ------------------------------------------------------------------------------

def alternating(n):
    return (200 if n % 2 == 0 else 500, 0.0, False)


def test_flapping_is_one_alert_not_ten(start_daemon, target):
    sink = WebhookSink()
    try:
        target.script("/calm", alternating)
        target.script("/twitchy", alternating)
        channels = ("channels:\n"
                    "  - {id: calm-hook, kind: webhook, url: \"%s\"}\n"
                    "  - {id: twitchy-hook, kind: webhook, url: \"%s\"}\n"
                    % (sink.url("/calm"), sink.url("/twitchy")))
        d = start_daemon(config(["calm", "twitchy"], [
            # Default thresholds: alternating never fails three runs in a row.
            mon("calm", target, "/calm", "calm", alerts=["calm-hook"]),
            # Thresholds of 1: without flap detection, an alert per run.
            mon("twitchy", target, "/twitchy", "twitchy", failure_threshold=1,
                success_threshold=1, alerts=["twitchy-hook"]),
        ], extra=channels))
        first_fail = None
        while first_fail is None:
            first_fail = next((r for r in target.served("/calm") if r["status"] == 500), None)
            time.sleep(0.05)
        changed = watch(d, "calm", "degraded_performance", timeout=20)
        report("flapping (alternating every run, default thresholds)", first_fail["at"],
               changed, len(target.served("/calm")))
        d.wait_for(lambda: len(target.served("/calm")) >= 16, timeout=30, what="16 runs")

        def types(path):
            return [r["json"]["type"] for r in sink.at(path)]

        d.wait_for(lambda: "monitor.flapping" in types("/twitchy"), timeout=10,
                   what="twitchy's flapping alert")
        assert types("/calm") == ["monitor.flapping"], types("/calm")
        twitchy = types("/twitchy")
        assert twitchy.count("monitor.flapping") == 1
        before = twitchy[:twitchy.index("monitor.flapping")]
        assert len(before) <= 4 and set(before) <= {"monitor.down", "monitor.recovered"}, twitchy
        assert twitchy[-1] == "monitor.flapping", twitchy  # nothing after it
        assert len(target.served("/twitchy")) >= 14  # ten and more runs alternated
        alert = sink.at("/calm")[0]["json"]
        assert alert["monitor"]["new_state"] == "flapping"
        assert "flapping" in alert["summary"] and "weighted state change" in alert["summary"]
        assert alert["components"][0]["new_status"] == "degraded_performance"
        st = statuses(d)
        assert st["calm"] == "degraded_performance" and st["twitchy"] == "degraded_performance"
        text = d.wait_for(lambda: (lambda t: 'tocsin_monitor_flapping{monitor="calm"} 1' in t
                                   and t)(metrics(d)), timeout=10, interval=0.25,
                          what="flapping in /metrics")
        assert 'tocsin_monitor_state{monitor="calm",state="flapping"} 1' in text
        assert metric(text, 'tocsin_monitor_state_change_percent{monitor="calm"}') >= 20

        # Settled: one "stable" alert each once the weighted changes fall to 5%.
        target.script("/calm", up)
        target.script("/twitchy", up)
        settled_at = time.monotonic()
        settled_runs = len(target.served("/calm"))
        stable = watch(d, "calm", "operational", timeout=40)
        report("stable again (flap_stop 5%)", settled_at, stable,
               len(target.served("/calm")) - settled_runs)
        d.wait_for(lambda: "monitor.stable" in types("/twitchy"), timeout=15,
                   what="twitchy stable")
        assert types("/calm") == ["monitor.flapping", "monitor.stable"], types("/calm")
        assert types("/twitchy")[-2:] == ["monitor.flapping", "monitor.stable"]
        last = sink.at("/calm")[-1]["json"]
        assert last["monitor"]["old_state"] == "flapping"
        assert last["monitor"]["new_state"] == "up"
        assert "stable again" in last["summary"]
    finally:
        sink.close()


# ---- pending -------------------------------------------------------------------------------

def test_push_monitor_is_pending_until_its_first_push(start_daemon):
    text = config(["cron"], [monitor_yaml(id="nightly", kind="push", token=TOKEN,
                                          interval="1s", grace="1s", components=["cron"],
                                          failure_threshold=1)])
    d = start_daemon(text)
    m = wait_metric(d, 'tocsin_monitor_pending_runs_total{monitor="nightly"}',
                    lambda v: v >= 3, what="three pending runs")
    assert 'tocsin_monitor_state{monitor="nightly",state="pending"} 1' in m
    assert metric(m, 'tocsin_monitor_checks_total{monitor="nightly",verdict="down"}') == 0
    assert statuses(d)["cron"] == "operational"
    assert "monitor nightly: pending -> " not in d.stderr
    status, _, body = d.raw_request("GET", "/")
    bars = bars_of(body.decode(), "CRON component")
    assert bars is not None
    # Today (day 89) is quiet: a pending monitor is no downtime (quiet days carry no entry;
    # one with figures would have to say 100% uptime and no outage seconds).
    today = days_of(bars[0]).get(89)
    assert today is None or (today[0] in (None, 100.0) and not any(today[1][:2])), bars[0]

    # The first push makes it up; after a restart, no push yet is pending again for
    # interval + grace, then down.
    status, _, _ = d.raw_request("GET", "/api/push/" + TOKEN)
    assert status == 200
    d.wait_for(lambda: "monitor nightly: pending -> up" in d.stderr, timeout=5, what="up")
    time.sleep(1.2)  # the up result reaches the store
    d.stop()
    d.start()
    restarted = time.monotonic()
    down_at = watch(d, "cron", "major_outage", timeout=10)
    assert down_at - restarted >= 1.8, "down before interval + grace had passed"
    report("push monitor after a restart with no push (interval 1s + grace 1s)", restarted,
           down_at, 0, what="down (pending until then)")
    assert "monitor nightly: up -> down: no push received in the last 2 s" in d.stderr


# ---- words people read ---------------------------------------------------------------------

def failing_503(n):
    return (503, 0.0, False)


def test_automatic_incidents_speak_plainly(start_daemon, target):
    """The page, the status API and the feeds say what is wrong in words; the on-call alert
    keeps the exact condition with the values."""
    sink = WebhookSink()
    try:
        target.script("/health", up)
        target.script("/tail", slow_tail)
        channels = "channels:\n  - {id: oncall, kind: webhook, url: \"%s\"}\n" % sink.url("/a")
        d = start_daemon(config(["rest", "search"], [
            mon("rest", target, "/health?key=SECRET", "rest", failure_threshold=1,
                incident="auto", alerts=["oncall"]),
            mon("search", target, "/tail", "search", interval="3s", timeout="3s", window=10,
                failure_threshold=1, incident="auto",
                degraded_conditions=["[RESPONSE_TIME_P95] < 800"]),
        ], extra=channels).replace("name: REST component", "name: REST API"))
        d.wait_for(lambda: "monitor rest: pending -> up" in d.stderr, timeout=10, what="up")
        target.script("/health", failing_503)

        def incidents():
            _, _, body = d.raw_request("GET", "/api/v2/incidents.json")
            return {i["name"]: i for i in json.loads(body)["incidents"]}

        found = d.wait_for(lambda: (lambda i: len(i) == 2 and i)(incidents()), timeout=20,
                           what="two incidents")
        assert set(found) == {"REST API is failing", "SEARCH component is slow"}, found
        rest = found["REST API is failing"]["incident_updates"][0]["body"]
        assert rest == ("REST API is failing: HTTP 503 from /health (expected 200). "
                        "We are investigating."), rest
        slow = found["SEARCH component is slow"]["incident_updates"][0]["body"]
        assert re.fullmatch(r"SEARCH component is slow: p95 2\.\d s over the last \d+ checks\. "
                            r"We are investigating\.", slow), slow
        for path in ("/history.atom", "/history.rss", "/api/v2/incidents.json", "/"):
            _, _, body = d.raw_request("GET", path)
            text = body.decode()
            assert "HTTP 503 from /health (expected 200)" in text, path
            assert "\\(" not in text and "\\." not in text and "[STATUS]" not in text, path
            assert "SECRET" not in text, path
        # The on-call alert has the exact condition and its value.
        alert = d.wait_for(lambda: sink.at("/a"), timeout=10, what="the alert")[0]["json"]
        assert alert["result"]["reason"] == "[STATUS] (503) == 200", alert
    finally:
        sink.close()


# ---- confirm: a fresh run before a failure alerts (one node) ------------------------------

def test_confirm_reruns_here_before_alerting(start_daemon, target):
    # A single failed answer: with failure_threshold 1 it is a state change, but the fresh
    # run at once passes, so nothing is alerted. A target down for good is confirmed.
    target.script("/blip", lambda n: (503 if n == 2 else 200, 0.0, False))
    target.script("/dead", lambda n: (503 if n >= 2 else 200, 0.0, False))
    d = start_daemon(config(["blip", "dead"], [
        mon("blip", target, "/blip", "blip", interval="3s", failure_threshold=1, confirm=True),
        mon("dead", target, "/dead", "dead", interval="3s", failure_threshold=1, confirm=True),
    ]))
    d.wait_for(lambda: "monitor dead: down confirmed" in d.stderr, timeout=20,
               what="the confirmed outage")
    d.wait_for(lambda: statuses(d)["dead"] == "major_outage", timeout=5, what="dead's outage")
    d.wait_for(lambda: "monitor blip: down not confirmed" in d.stderr, timeout=10,
               what="blip's failure cleared")
    for mid in ("blip", "dead"):
        assert re.search(r"monitor %s: would go up -> down \(.*503.*\); confirming from here"
                         % mid, d.stderr), d.stderr
    # The fresh run came at once, not an interval (3 s) later.
    for path in ("/blip", "/dead"):
        served = target.served(path)
        assert served[2]["status"] == 503
        assert served[3]["at"] - served[2]["at"] < 1.5, served
    assert "monitor blip: up -> down:" not in d.stderr
    assert statuses(d)["blip"] == "operational"
    text = wait_metric(d, 'tocsin_confirmations_total{outcome="confirmed"}', lambda v: v == 1)
    assert metric(text, 'tocsin_confirmations_total{outcome="cleared"}') == 1
    assert metric(text, 'tocsin_confirmations_total{outcome="timeout"}') == 0
