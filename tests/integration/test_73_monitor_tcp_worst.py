"""Black-box tests of tcp monitors (an open port, then a closed listener refusing new
connections) and of several monitors feeding one component (the component shows the worst
of their states). Targets and helpers come from test_70_monitors.
"""

import socket

import pytest

from test_70_monitors import (HttpTarget, TcpTarget, config, http_monitor, monitor_yaml,
                              page_status, statuses, wait_served, wait_status)


@pytest.fixture
def target():
    t = HttpTarget()
    yield t
    t.close()


@pytest.fixture
def tcp_target():
    t = TcpTarget()
    yield t
    t.close()


# ---- tcp ---------------------------------------------------------------------------------

def test_tcp_refused_goes_down(start_daemon, tcp_target):
    addr = "127.0.0.1:%d" % tcp_target.port
    d = start_daemon(config(["db"], [monitor_yaml(
        id="db-port", kind="tcp", address=addr, interval="1s", timeout="500ms",
        components=["db"], conditions=["[CONNECTED] == true"], failure_threshold=2,
        success_threshold=1)]))
    d.wait_for(lambda: tcp_target.accepts >= 1, timeout=10, what="a tcp connect")
    d.wait_for(lambda: "monitor db-port: pending -> up" in d.stderr, timeout=10,
               what="the monitor to be up")
    assert statuses(d)["db"] == "operational"
    tcp_target.close()  # new connections are refused from now on
    wait_status(d, "db", "major_outage")
    line = [l for l in d.stderr.splitlines() if "monitor db-port: up -> down" in l]
    # A transport error explains the failure better than the condition it broke.
    assert line and line[0].endswith('up -> down: connection refused"'), d.stderr
    assert page_status(d) == ("critical", "Major System Outage")


def test_tcp_without_conditions_down_on_refusal(start_daemon):
    # No conditions: a connect error alone means down, with the error as the reason.
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # bound and closed, never listening: refused
    d = start_daemon(config(["db"], [monitor_yaml(
        id="db-refused", kind="tcp", address="127.0.0.1:%d" % port, interval="1s",
        timeout="500ms", components=["db"], failure_threshold=1)]))
    wait_status(d, "db", "major_outage")
    assert "monitor db-refused: pending -> down: " in d.stderr


# ---- several monitors on one component ---------------------------------------------------

def test_worst_of_several_monitors(start_daemon, target):
    for p in ("/a", "/b", "/c"):
        target.set(p)
    fast = dict(conditions=["[STATUS] == 200"], failure_threshold=2, success_threshold=1)
    d = start_daemon(config(["api", "other"], [
        http_monitor("m-healthy", target, "/a", ["api"], **fast),
        http_monitor("m-partial", target, "/b", ["api", "other"], down_status="partial_outage",
                     **fast),
        http_monitor("m-slow", target, "/c", ["api"],
                     degraded_conditions=["[RESPONSE_TIME] < 300"], **fast),
    ]))
    for p in ("/a", "/b", "/c"):
        wait_served(d, target, p, 1)
    assert statuses(d) == {"api": "operational", "other": "operational"}

    target.set("/c", delay=0.6)
    wait_status(d, "api", "degraded_performance")
    target.set("/b", status=500)
    wait_status(d, "api", "partial_outage")  # worse than degraded
    wait_status(d, "other", "partial_outage")
    # /b recovers: the slow monitor still holds api at degraded.
    target.set("/b")
    wait_status(d, "api", "degraded_performance")
    assert statuses(d)["other"] == "operational"
    target.set("/c")
    wait_status(d, "api", "operational")
