"""Black-box tests of push monitors (/api/push/<token>), the monitor lines of /metrics, and
what monitoring puts on the page: 90 daily uptime bars per showcase component with each
day's figures in its data (src/web/day_bars.h), and the response-time sparkline. Targets and helpers come from test_70_monitors.
"""

import json
import re
import threading
import time

import pytest

from test_70_monitors import (HttpTarget, config, http_monitor, monitor_yaml, page_status,
                              statuses, wait_served, wait_status)

TOKEN = "push-token-0123456789abcdef"


@pytest.fixture
def target():
    t = HttpTarget()
    yield t
    t.close()


class Pusher:
    """Calls /api/push/<token><query> every 0.25 s in a thread while running; the query can
    be changed on the fly."""

    def __init__(self, d, token):
        self.d = d
        self.token = token
        self.query = ""
        self.codes = []
        self.running = threading.Event()
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self.done.is_set():
            if self.running.is_set():
                try:
                    status, _, _ = self.d.raw_request("GET", "/api/push/%s%s" % (
                        self.token, self.query), timeout=2)
                    self.codes.append(status)
                except OSError as e:
                    self.codes.append(str(e))
            time.sleep(0.25)

    def start(self, query=""):
        self.query = query
        self.running.set()

    def pause(self):
        self.running.clear()

    def close(self):
        self.done.set()
        self.thread.join(timeout=5)


def test_push_monitor(start_daemon):
    d = start_daemon(config(["cron"], [monitor_yaml(
        id="nightly", kind="push", token=TOKEN, interval="2s", grace="1s",
        components=["cron"], failure_threshold=1, success_threshold=1,
        # This test turns the service up and down four times in a few runs on purpose;
        # flapping is test_74's.
        flap_detection=False)]))
    pusher = Pusher(d, TOKEN)
    try:
        # Nothing pushed yet: pending, not down, however long it waits (test_74 checks the
        # metrics and the bars).
        time.sleep(4)  # more than interval + grace
        assert statuses(d)["cron"] == "operational"
        assert "monitor nightly: pending -> " not in d.stderr

        # Pushes keep it up.
        pusher.start()
        d.wait_for(lambda: "monitor nightly: pending -> up" in d.stderr, timeout=10,
                   what="the first push")
        wait_status(d, "cron", "operational", timeout=10)
        assert page_status(d) == ("none", "All Systems Operational")

        # The service reports a failure itself.
        pusher.start("?status=down&msg=disk+full")
        wait_status(d, "cron", "major_outage", timeout=10)
        d.wait_for(lambda: "monitor nightly: up -> down: the service pushed status=down: "
                           "disk full" in d.stderr, timeout=5, what="the pushed reason")

        pusher.start("?status=up&msg=fine")
        wait_status(d, "cron", "operational", timeout=10)
        stays_up_until = time.monotonic() + 2.5  # more than a run while pushes continue
        while time.monotonic() < stays_up_until:
            assert statuses(d)["cron"] == "operational"
            time.sleep(0.2)

        # Pushes stop: down once interval + grace passed without one.
        pusher.pause()
        stopped = time.monotonic()
        wait_status(d, "cron", "major_outage", timeout=12)
        assert time.monotonic() - stopped >= 2.5, "down before interval + grace had passed"
        assert "monitor nightly: up -> down: no push received in the last 3 s" in d.stderr
        assert all(c == 200 for c in pusher.codes), pusher.codes
    finally:
        pusher.close()

    # The endpoint's answers.
    status, hdrs, body = d.raw_request("POST", "/api/push/" + TOKEN)
    assert status == 200 and json.loads(body) == {"ok": True}
    wait_status(d, "cron", "operational", timeout=10)
    status, hdrs, body = d.raw_request("GET", "/api/push/wrong-token-0123456789abcdef")
    assert status == 404
    assert "json" in dict((k.lower(), v) for k, v in hdrs)["content-type"]
    assert "error" in json.loads(body)
    status, _, body = d.raw_request("GET", "/api/push/" + TOKEN[:-1])  # a prefix is not it
    assert status == 404
    status, _, body = d.raw_request("DELETE", "/api/push/" + TOKEN)
    assert status == 405, body
    assert "error" in json.loads(body)
    status, _, body = d.raw_request("GET", "/api/push/%s?status=bad" % TOKEN)
    assert status == 400, body
    assert "error" in json.loads(body)
    # A refused push is not a heartbeat: the page did not move because of it.
    assert statuses(d)["cron"] == "operational"


def metric_value(text, line_prefix):
    for line in text.splitlines():
        if line.startswith(line_prefix + " "):
            return float(line.split()[-1])
    return None


def test_metrics_monitor_lines(start_daemon, target):
    target.set("/ok")
    target.set("/bad", status=500)
    d = start_daemon(config(["api", "db"], [
        http_monitor("m-ok", target, "/ok", ["api"], conditions=["[STATUS] == 200"]),
        http_monitor("m-bad", target, "/bad", ["db"], conditions=["[STATUS] == 200"],
                     failure_threshold=2),
    ]))
    wait_status(d, "db", "major_outage")

    def ready():
        status, _, body = d.raw_request("GET", "/metrics")
        text = body.decode()
        if ('tocsin_monitor_state{monitor="m-ok",state="up"} 1' in text
                and 'tocsin_monitor_state{monitor="m-bad",state="down"} 1' in text):
            return text
        return None

    # Monitor figures are built on request, at most once a second.
    text = d.wait_for(ready, timeout=15, interval=0.25, what="monitor states in /metrics")
    assert (metric_value(text, 'tocsin_monitor_checks_total{monitor="m-ok",verdict="up"}')
            or 0) >= 1, text
    assert metric_value(text, 'tocsin_monitor_checks_total{monitor="m-ok",verdict="down"}') == 0
    assert (metric_value(text, 'tocsin_monitor_checks_total{monitor="m-bad",verdict="down"}')
            or 0) >= 2, text
    lag = metric_value(text, 'tocsin_schedule_lag_seconds{quantile="0.99"}')
    assert lag is not None and 0 <= lag < 5, text
    assert metric_value(text, "tocsin_schedule_lag_seconds_count") >= 3
    # The rollup pass run at start is counted, with the longest its slices held the loop.
    assert metric_value(text, "tocsin_rollup_passes_total") >= 1, text
    assert metric_value(text, "tocsin_rollup_slice_seconds_max") > 0, text
    assert metric_value(text, 'tocsin_monitor_latency_seconds{monitor="m-ok"}') is not None
    assert "# TYPE tocsin_monitor_checks_total counter" in text
    # Each monitor has exactly one state line.
    assert len(re.findall(r'^tocsin_monitor_state\{monitor="m-ok",', text, re.M)) == 1


def bars_of(page, name):
    """The <svg class="bars"> of component @name as (its data-days, its content), or None."""
    m = re.search(r'<svg class="bars"[^>]*aria-label="Uptime of %s over the last 90 days" '
                  r'data-days="([^"]*)">(.*?)</svg>' % re.escape(name), page, re.S)
    return (m.group(1), m.group(2)) if m else None


def days_of(data_days):
    """data-days as {day index: (uptime or None, [major, partial, degraded, maintenance
    seconds], [incident slots])}; days not listed are quiet."""
    days = {}
    for entry in data_days.split():
        span, figures, *incidents = entry.split(":")
        first, _, last = span.partition("-")
        slots = [int(x) for x in incidents[0].split(".")] if incidents else []
        if figures == "-":
            day = (None, [0, 0, 0, 0], slots)
        else:
            uptime, *seconds = figures.split(",")
            day = (float(uptime), [int(x or 0) for x in seconds], slots)
        for i in range(int(first), int(last or first) + 1):
            days[i] = day
    return days


def test_page_uptime_bars_and_sparkline(start_daemon, target):
    target.set("/ok")
    target.set("/flaky")
    d = start_daemon(config(
        ["api", "batch", ("hidden", "    showcase: false\n")],
        [http_monitor("m-api", target, "/ok", ["api"], conditions=["[STATUS] == 200"]),
         http_monitor("m-batch", target, "/flaky", ["batch"], conditions=["[STATUS] == 200"],
                      failure_threshold=2)]))
    status, _, body = d.raw_request("GET", "/")
    page = body.decode()
    for name in ("API component", "BATCH component"):
        bars = bars_of(page, name)
        assert bars is not None, page
        data, drawn = bars
        # The days before the component existed have no data, today is quiet: a run of
        # days is one entry, and nothing is drawn or said per quiet day.
        assert days_of(data) == {i: (None, [0, 0, 0, 0], []) for i in range(89)}, data
        assert "<title>" not in drawn and drawn.count("<rect") <= 4, drawn
        assert '<rect class="operational" x="445" width="5" height="34"/>' in drawn, drawn
    assert bars_of(page, "HIDDEN component") is None  # showcase: false has no bars
    assert page.count('<svg class="bars"') == 2
    assert page.count('<script src="/page.js" defer></script>') == 1

    # After a few runs and a state change (which re-renders at once), the monitors'
    # response times show as a sparkline.
    wait_served(d, target, "/ok", 2)
    wait_served(d, target, "/flaky", 2)
    target.set("/flaky", status=500)
    wait_status(d, "batch", "major_outage")

    def spark():
        _, _, b = d.raw_request("GET", "/")
        text = b.decode()
        return text if '<svg class="spark"' in text else None

    # Sparklines are otherwise re-rendered about every 30 s: allow for that.
    page = d.wait_for(spark, timeout=40, interval=0.5, what="a sparkline on the page")
    m = re.search(r'<svg class="spark"[^>]*>\s*<title>Response time: last \d+ ms, average \d+ ms'
                  r', highest \d+ ms</title><polyline points="([^"]*)"', page)
    assert m, page
    assert len(m.group(1).split()) >= 2
    # Today's bar of the component that went down says so, in its colour and its data.
    data, drawn = bars_of(page, "BATCH component")
    uptime, seconds, _ = days_of(data)[89]
    assert 0 <= uptime < 100 and seconds[0] >= 1, data
    assert '<rect class="major_outage" x="445" width="5" height="34"/>' in drawn, drawn
    data, drawn = bars_of(page, "API component")
    assert 89 not in days_of(data), data
    assert '<rect class="operational" x="445" width="5" height="34"/>' in drawn, drawn
    # Each showcase row ends with its uptime over the 90 days, a link to its months.
    assert len(re.findall(r'<div class="uptime"><span>90 days ago</span><a href="/uptime#u-'
                          r'(?:api|batch)">\d{1,3}\.\d\d% uptime</a>', page)) == 2, page


def test_today_bar_mentions_short_outage(start_daemon, target):
    target.set("/down", status=500)
    d = start_daemon(config(["batch"], [http_monitor(
        "m-down", target, "/down", ["batch"], conditions=["[STATUS] == 200"],
        failure_threshold=1)]))
    wait_status(d, "batch", "major_outage")
    page = d.raw_request("GET", "/")[2].decode()
    data, drawn = bars_of(page, "BATCH component")
    assert '<rect class="major_outage" x="445" width="5" height="34"/>' in drawn, drawn
    # Even a second of outage is counted: a red bar never reads "no incidents".
    uptime, seconds, _ = days_of(data)[89]
    assert seconds[0] >= 1, data


def test_sparkline_survives_a_restart(start_daemon, target):
    """The response-time sparkline comes back from the stored results after a restart, even
    when the first runs after it fail (issue 11: it was an in-memory ring, lost on restart)."""
    target.set("/ok")
    d = start_daemon(config(["api"], [http_monitor("m-api", target, "/ok", ["api"])]))
    wait_served(d, target, "/ok", 4)
    d.stop()
    # Same monitor id, now pointed at a port where nothing listens: every run after the
    # restart fails before it can measure a response time.
    d.config_path.write_text(config(["api"], [monitor_yaml(
        id="m-api", kind="http", url="http://127.0.0.1:9/ok", interval="1s", timeout="1s",
        components=["api"])]))
    d.start()
    _, _, body = d.raw_request("GET", "/")
    page = body.decode()
    m = re.search(r'<svg class="spark"[^>]*>\s*<title>Response time: last \d+ ms, average \d+ ms'
                  r', highest \d+ ms</title><polyline points="([^"]*)"', page)
    assert m, page
    assert len(m.group(1).split()) >= 4


def test_metrics_built_on_request(start_daemon, target):
    """The first scrape already has every monitor's line: the figures are built when asked
    for (and kept for a second), not on a timer that may not have fired yet."""
    target.set("/ok")
    d = start_daemon(config(["api"], [
        http_monitor("m-first", target, "/ok", ["api"], conditions=["[STATUS] == 200"]),
    ]))
    status, headers, body = d.raw_request("GET", "/metrics")
    assert status == 200
    text = body.decode()
    assert re.search(r'^tocsin_monitor_state\{monitor="m-first",state="[a-z]+"\} 1$', text, re.M), text
    assert "tocsin_http_requests_total" in text
    assert dict((k.lower(), v) for k, v in headers)["content-type"].startswith("text/plain")
