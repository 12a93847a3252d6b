"""Black-box tests of monitors across a SIGHUP reload and a restart, and of monitor config
errors (`tocsin check-config`, exit 2, FILE:LINE:COL). Targets and helpers come from
test_70_monitors.
"""

import signal
import time

import pytest

from conftest import dedent, run_cli
from test_70_monitors import (HttpTarget, config, http_monitor, monitor_yaml, page_status,
                              statuses, wait_served, wait_status)


@pytest.fixture
def target():
    t = HttpTarget()
    yield t
    t.close()


def reload_config(d, text):
    """Write @text as the config, SIGHUP, and wait for the reload to be logged."""
    before = d.stderr.count("configuration reloaded")
    d.config_path.write_text(dedent(text))
    d.signal(signal.SIGHUP)
    d.wait_for(lambda: d.stderr.count("configuration reloaded") > before, timeout=10,
               what="the reload")


def test_reload_keeps_state_removes_and_changes_monitors(start_daemon, target):
    for p in ("/keep", "/chg", "/gone"):
        target.set(p)
    cond = ["[STATUS] == 200"]
    keep = http_monitor("m-keep", target, "/keep", ["keep"], conditions=cond,
                        failure_threshold=2)
    gone = http_monitor("m-gone", target, "/gone", ["gone"], conditions=cond,
                        failure_threshold=2)
    d = start_daemon(config(["keep", "chg", "gone"], [
        keep,
        http_monitor("m-chg", target, "/chg", ["chg"], conditions=cond, failure_threshold=30),
        gone]))
    for m in ("m-keep", "m-chg", "m-gone"):
        d.wait_for(lambda: "monitor %s: pending -> up" % m in d.stderr, timeout=10,
                   what="%s up" % m)
    t0 = time.monotonic()
    for p in ("/keep", "/chg", "/gone"):
        target.set(p, status=500)
    wait_status(d, "keep", "major_outage")
    wait_status(d, "gone", "major_outage")
    wait_served(d, target, "/chg", 2, status=500, since=t0)
    assert statuses(d)["chg"] == "operational"  # 30 failures needed

    # Reload: m-gone removed, m-chg's threshold lowered to 2, m-keep unchanged.
    reload_config(d, config(["keep", "chg", "gone"], [
        keep,
        http_monitor("m-chg", target, "/chg", ["chg"], conditions=cond, failure_threshold=2),
    ]))
    reloaded = time.monotonic()
    gone_at_reload = target.served("/gone")
    assert d.raw_request("GET", "/healthz")[0] == 200
    # A component no monitor feeds any more is operational (the snapshot follows the reload
    # within its coalescing window).
    wait_status(d, "gone", "operational", timeout=3)
    # The unchanged monitor kept its state: in that same snapshot its component is still down.
    now = statuses(d)
    assert now["keep"] == "major_outage", (now, d.stderr)
    # The failures counted before the reload count towards the new threshold.
    wait_status(d, "chg", "major_outage", timeout=10)
    assert d.stderr.count("monitor m-keep: pending -> ") == 1, d.stderr
    assert "monitor m-keep: down -> " not in d.stderr

    # The removed monitor does not run any more (one run may have been in flight).
    time.sleep(max(0.0, reloaded + 2.5 - time.monotonic()))
    assert target.served("/gone") <= gone_at_reload + 1

    # The kept monitor still works: it recovers after its success threshold.
    target.set("/keep")
    wait_status(d, "keep", "operational")
    assert "monitor m-keep: down -> up" in d.stderr

    # /metrics forgets the removed monitor (monitor lines refresh every 5 s).
    def metrics_without_gone():
        text = d.raw_request("GET", "/metrics")[2].decode()
        return text if ('monitor="m-gone"' not in text
                        and 'tocsin_monitor_state{monitor="m-keep"' in text) else None
    d.wait_for(metrics_without_gone, timeout=12, interval=0.25, what="m-gone gone from /metrics")
    assert d.proc.poll() is None


def test_reload_refused_keeps_monitors_running(start_daemon, target):
    target.set("/x")
    text = config(["api"], [http_monitor("m-x", target, "/x", ["api"],
                                         conditions=["[STATUS] == 200"], failure_threshold=2)])
    d = start_daemon(text)
    wait_served(d, target, "/x", 1)
    d.config_path.write_text(text.replace("failure_threshold: 2", "failure_threshold: 0"))
    d.signal(signal.SIGHUP)
    d.wait_for(lambda: "keeping the running configuration" in d.stderr, timeout=10,
               what="the refused reload")
    assert "reload refused:" in d.stderr and "failure_threshold" in d.stderr
    # The running monitor goes on with its old settings.
    target.set("/x", status=500)
    wait_status(d, "api", "major_outage")


def test_state_survives_restart(start_daemon, target):
    target.set("/r")
    d = start_daemon(config(["api"], [http_monitor(
        "m-r", target, "/r", ["api"], conditions=["[STATUS] == 200"], failure_threshold=2,
        success_threshold=2)]))
    wait_served(d, target, "/r", 1)
    target.set("/r", status=500)
    wait_status(d, "api", "major_outage")
    d.stop()

    served = target.served("/r")
    d.start()  # same config and data folder; the target still fails
    now = statuses(d)
    # Right after start the stored status is shown: the new process has not derived it (its
    # monitor starts unknown and needs 2 failed runs to move the component).
    since_start = d.stderr.rsplit('msg="serving ', 1)[1]
    assert now["api"] == "major_outage", (now, d.stderr)
    assert "monitor m-r: pending -> down" not in since_start, d.stderr
    assert page_status(d) == ("critical", "Major System Outage")

    # Still down while the target fails, and back after it recovers.
    wait_served(d, target, "/r", served + 3, status=None)
    assert statuses(d)["api"] == "major_outage"
    target.set("/r")
    wait_status(d, "api", "operational")


def test_recovery_after_restart_needs_success_threshold(start_daemon, target):
    target.set("/r", status=500)
    d = start_daemon(config(["api"], [http_monitor(
        "m-r", target, "/r", ["api"], conditions=["[STATUS] == 200"], failure_threshold=2,
        success_threshold=3)]))
    wait_status(d, "api", "major_outage")
    d.stop()
    target.set("/r")
    d.start()
    assert statuses(d)["api"] == "major_outage"
    # Two good runs are fewer than success_threshold 3: the outage must still show. Read
    # while exactly two have been answered (the same count before and after the read).
    checked = False
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not checked:
        n = target.served("/r", 200)
        if n > 2:
            break
        if n == 2:
            seen = statuses(d)["api"]
            if target.served("/r", 200) == 2:
                assert seen == "major_outage", d.stderr
                checked = True
        time.sleep(0.02)
    assert checked, "could not read the status between the 2nd and 3rd run\n" + d.stderr
    # And the third brings it back.
    wait_status(d, "api", "operational")


# ---- config errors -----------------------------------------------------------------------

BAD_MONITORS = """\
page:
  name: Bad monitors
components:
  - id: api
    name: API
monitors:
  - id: a
    kind: htttp
  - id: b
    kind: http
    url: http://127.0.0.1:9/
    components: [api, nope]
  - id: c
    kind: http
    url: http://127.0.0.1:9/
    conditions: ["[STATUS] == 200", "[STATUS] = 200"]
  - id: d
    kind: http
    url: http://127.0.0.1:9/
    conditions:
      - '[STATUS] == 200 && [DNS_RCODE] == NOERROR'
  - id: e
    kind: http
    url: http://127.0.0.1:9/
    interval: 2s
    timeout: 5s
  - id: f
    kind: http
    url: http://127.0.0.1:9/
    interval: every minute
  - id: g
    kind: push
    token: short-token
  - id: h
    kind: http
    url: http://127.0.0.1:9/
    conditions:
      - "[BODY].name == \\"x\\" && [STATUS] 200"
"""

# Line 16: `    conditions: ["[STATUS] == 200", "[STATUS] = 200"]` - the second string's text
# starts at column 38 (after its opening quote at 37); the '=' is at offset 9 in it.
# Line 21: `      - '[STATUS] == 200 && ...'` - text from column 10; [DNS_RCODE] at offset 19.
# Line 38: `      - "[BODY].name == \"x\" && [STATUS] 200"` - text from column 10; "200" is at
# offset 31 of the decoded text, and the two backslashes before it take 2 more columns.
EXPECTED = [
    ':8:11: monitor: unknown kind "htttp" (known: http, tcp, push, dns, tls, websocket, postgres, statuspage, http-steps)',
    ':12:23: monitor: unknown component "nope"',
    ':16:47: monitor "c": condition "[STATUS] = 200": expected an operator after [STATUS] '
    "('=' compares as '==')",
    ':21:29: monitor "d": condition "[STATUS] == 200 && [DNS_RCODE] == NOERROR": '
    "unknown placeholder [DNS_RCODE] (a http monitor offers [STATUS], "
    "[RESPONSE_TIME], [BODY], [HEADER], [CONNECTED], [CERTIFICATE_EXPIRATION], [IP], "
    "[RESPONSE_TIME_P50], [RESPONSE_TIME_P95], [RESPONSE_TIME_P99])",
    ":26:14: monitor: timeout must not be longer than interval",
    ':30:15: monitor: "interval" must be a duration such as 500ms, 30s, 5m or 2h',
    ":33:12: monitor: token must be 16 to 128 letters, digits, '-' or '_'",
    ':38:43: monitor "h": condition "[BODY].name == "x" && [STATUS] 200": '
    "expected an operator after [STATUS]",
]


def test_check_config_monitor_errors(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(BAD_MONITORS)
    res = run_cli("check-config", "-c", path)
    assert res.returncode == 2, res.stdout + res.stderr
    got = [l for l in res.stderr.splitlines() if l.strip()]
    assert got == [str(path) + e for e in EXPECTED], "\n".join(got)
    # serve refuses the same file with the same exit code.
    res = run_cli("serve", "-c", path, "--listen", "127.0.0.1:1", "--data", tmp_path / "data")
    assert res.returncode == 2
    assert str(path) + EXPECTED[0] in res.stderr


@pytest.mark.parametrize("monitor, line_col, message", [
    # Placeholder a kind does not offer, each kind in turn.
    ('kind: tcp\n    address: "127.0.0.1:9"\n    conditions: ["[STATUS] == 200"]',
     "10:19", 'monitor "m": condition "[STATUS] == 200": unknown placeholder [STATUS] (a tcp monitor offers'),
    ('kind: push\n    token: abcdefghijklmnopqrstu\n    conditions: ["[IP] == 1.2.3.4"]',
     "10:19", 'monitor "m": condition "[IP] == 1.2.3.4": unknown placeholder [IP] (a push monitor offers'),
    # Syntax errors point inside the expression (block style, double-quoted).
    ('kind: http\n    url: http://127.0.0.1:9/\n    conditions:\n      - "[STATUS] =="',
     "11:21", 'monitor "m": condition "[STATUS] ==": expected a value after \'==\''),
    ('kind: http\n    url: http://127.0.0.1:9/\n    degraded_conditions: ["([STATUS] == 200"]',
     "10:44", 'monitor "m": degraded condition "([STATUS] == 200": expected \')\''),
    ('kind: http\n    url: http://127.0.0.1:9/\n    conditions: ["foo(1) == 2"]',
     "10:19", 'monitor "m": condition "foo(1) == 2": unknown function \'foo\''),
    # Values of the wrong type for the placeholder (issue 12 item 12): they would compare
    # as text, so the condition would never (or, with !=, always) hold.
    ('kind: http\n    url: http://127.0.0.1:9/\n    conditions: ["[STATUS] == 2OO"]',
     "10:31", 'monitor "m": condition "[STATUS] == 2OO": 2OO is not a number'),
    ('kind: http\n    url: http://127.0.0.1:9/\n    degraded_conditions: ["[RESPONSE_TIME] < 5x"]',
     "10:46", 'monitor "m": degraded condition "[RESPONSE_TIME] < 5x": 5x is not a number or '
     'a duration such as 500ms, 30s or 48h'),
    ('kind: tls\n    address: "127.0.0.1:9"\n    conditions:\n      - "[CERTIFICATE_EXPIRATION] > 7days"',
     "11:37", 'monitor "m": condition "[CERTIFICATE_EXPIRATION] > 7days": 7days is not a number '
     'or a duration such as 500ms, 30s or 48h'),
    ('kind: tcp\n    address: "127.0.0.1:9"\n    conditions: ["[CONNECTED] == yes"]',
     "10:34", 'monitor "m": condition "[CONNECTED] == yes": yes is not true or false '
     '([CONNECTED] is a boolean)'),
    ('kind: postgres\n    dsn: host=127.0.0.1\n    conditions: ["[ROWS] != 1O"]',
     "10:29", 'monitor "m": condition "[ROWS] != 1O": 1O is not a number'),
    # Durations, thresholds, down_status.
    ('kind: http\n    url: http://127.0.0.1:9/\n    interval: 500ms',
     "10:15", 'monitor: "interval" must be between 1000ms and 86400000ms'),
    ('kind: http\n    url: http://127.0.0.1:9/\n    timeout: 2m',
     "10:14", "monitor: timeout must not be longer than interval"),
    ('kind: http\n    url: http://127.0.0.1:9/\n    down_status: degraded_performance',
     "10:18", "monitor: down_status must be major_outage or partial_outage"),
    ('kind: push\n    token: "abc def ghi jkl mno pqr"',
     "9:12", "monitor: token must be 16 to 128 letters"),
])
def test_check_config_monitor_error_cases(tmp_path, monitor, line_col, message):
    text = ("page:\n  name: One bad monitor\ncomponents:\n  - id: api\n    name: API\n"
            "monitors:\n  - id: m\n    " + monitor + "\n")
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    res = run_cli("check-config", "-c", path)
    assert res.returncode == 2, text + res.stdout + res.stderr
    assert res.stderr.startswith("%s:%s: %s" % (path, line_col, message)), \
        text + "\n" + res.stderr


def test_check_config_good_monitors(tmp_path):
    path = tmp_path / "good.yaml"
    path.write_text(config(["api"], [
        monitor_yaml(id="h", kind="http", url="http://127.0.0.1:9/health", interval="30s",
                     timeout="5s", components=["api"],
                     conditions=["[STATUS] == any(200, 204)", "[BODY].status == UP",
                                 "len([BODY].items) > 0 && has([BODY].errors) == false"],
                     degraded_conditions=["[RESPONSE_TIME] < 300"],
                     down_status="partial_outage"),
        monitor_yaml(id="t", kind="tcp", address="127.0.0.1:9", components=["api"],
                     conditions=["[CONNECTED] == true"]),
        monitor_yaml(id="p", kind="push", token="abcdefghijklmnopqrstuvwxyz", grace="30s",
                     components=["api"]),
    ]))
    res = run_cli("check-config", "-c", path)
    assert res.returncode == 0, res.stdout + res.stderr
