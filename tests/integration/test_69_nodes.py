"""Several nodes on one PostgreSQL store (docs/DEPLOY.md): three nodes a, b, c probing from
east, west and south, a target that fails only for the probes whose User-Agent names a
location of a set the test chooses, and a webhook sink that counts deliveries by event id.

- exactly one node leads, and every node's /healthz and /metrics say which;
- each node's probes say where they come from (User-Agent: tocsin/VERSION (LOCATION)) and
  its results are stored with its location;
- kill -9 of the leader: another node leads within 15 s, and the next state change is
  alerted exactly once, as is the recovery after it.

Needs the PostgreSQL server binaries (Debian postgresql, scripts/install-deps); skipped
without them.
"""
import http.server
import json
import re
import subprocess
import threading
import time
import uuid
from pathlib import Path

import pytest
import requests

from conftest import TOCSIN_BIN, dedent, sanitizer_env
from pgserver import pg  # noqa: F401 (the fixture)

VERSION_RE = r"tocsin/\d+\.\d+\.\d+"
NODES = [("a", "east"), ("b", "west"), ("c", "south")]


class Target:
    """An HTTP target that answers 503 to probes whose User-Agent names a location in
    `failing`, 200 to the others, and remembers every User-Agent it saw."""

    def __init__(self):
        self.failing = set()
        self.agents = set()
        self.lock = threading.Lock()
        target = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                agent = self.headers.get("User-Agent", "")
                with target.lock:
                    target.agents.add(agent)
                    fail = any(f"({loc})" in agent for loc in target.failing)
                body = b"down here" if fail else b"ok"
                self.send_response(503 if fail else 200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_port}/health"

    def fail_from(self, *locations):
        with self.lock:
            self.failing = set(locations)

    def close(self):
        self.server.shutdown()


class Sink:
    """A webhook receiver: every delivery, with its X-Tocsin-Event-Id and payload."""

    def __init__(self):
        self.deliveries = []
        self.lock = threading.Lock()
        sink = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with sink.lock:
                    sink.deliveries.append({"event_id": self.headers.get("X-Tocsin-Event-Id"),
                                            "json": json.loads(body)})
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"

    def of_type(self, kind):
        with self.lock:
            return [d for d in self.deliveries if d["json"]["type"] == kind]

    def close(self):
        self.server.shutdown()


@pytest.fixture
def target():
    t = Target()
    yield t
    t.close()


@pytest.fixture
def sink():
    s = Sink()
    yield s
    s.close()


def cluster_config(dsn, target_url, hook_url):
    return dedent(f"""
        page:
          id: nodes
          name: Nodes Test
          url: http://status.example.test
          time_zone: Etc/UTC
        components:
          - id: api
            name: API
        channels:
          - {{id: hook, kind: webhook, url: '{hook_url}'}}
        monitors:
          - id: api-health
            name: API health
            kind: http
            url: {target_url}
            interval: 1s
            timeout: 1s
            conditions: ["[STATUS] == 200"]
            failure_threshold: 2
            success_threshold: 2
            components: [api]
            alerts: [hook]
        storage:
          postgres:
            dsn: "{dsn}"
        """)


def start_cluster(pg, start_daemon, target, sink, nodes=NODES):
    db = "n_" + uuid.uuid4().hex[:12]
    pg.sql(f"CREATE DATABASE {db}")
    config = cluster_config(pg.dsn(db), target.url, sink.url)
    daemons = {name: start_daemon(config, name=name, args=["--node", name, "--location", loc])
               for name, loc in nodes}
    return db, daemons


def health(d):
    r = requests.get(d.url("/healthz"), timeout=5)
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"].startswith("application/json")
    return r.json()


def agreed_leader(daemons, timeout=15):
    """The node every live daemon names as leader, once exactly one says it leads."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        seen = {name: health(d) for name, d in daemons.items()}
        leaders = [name for name, h in seen.items() if h["is_leader"]]
        named = {h["leader"] for h in seen.values()}
        if len(leaders) == 1 and named == {leaders[0]}:
            return leaders[0]
        last = seen
        time.sleep(0.2)
    raise AssertionError(f"no single agreed leader within {timeout}s: {last}")


def test_cluster_store_unit_tests_on_postgres(pg):
    # Outbox claims between two nodes, location states read since a cursor, the fence.
    binary = Path(TOCSIN_BIN).parent / "unit_store_store_pg_cluster"
    assert binary.exists(), f"{binary} is built with the unit tests (TC_TESTS)"
    db = "u_" + uuid.uuid4().hex[:12]
    pg.sql(f"CREATE DATABASE {db}")
    r = subprocess.run([str(binary)], env={**sanitizer_env(), "TOCSIN_TEST_PG_DSN": pg.dsn(db)},
                       capture_output=True, text=True, timeout=300)
    out = r.stdout + r.stderr
    assert r.returncode == 0, out
    assert "PASSED  ] 4 test(s)" in out and "SKIPPED" not in out, out


def test_three_nodes_one_leader_each_probing_from_its_location(pg, start_daemon, target, sink):
    db, daemons = start_cluster(pg, start_daemon, target, sink)
    leader = agreed_leader(daemons)
    for name, loc in NODES:
        # Each node learns of the others from their heartbeats (every second).
        h = daemons[name].wait_for(
            lambda: (lambda h: h if {n["name"] for n in h["nodes"] if n["alive"]} ==
                     {"a", "b", "c"} else None)(health(daemons[name])),
            timeout=5, what="every node alive")
        assert (h["node"], h["location"], h["role"]) == (name, loc, "full")
        assert h["store"] == "connected" and h["leader"] == leader
        # The engine's part of /metrics is rebuilt every few seconds.
        metrics = daemons[name].wait_for(
            lambda: (lambda t: t if "tocsin_leader{" in t and 'node="c"' in t else None)(
                requests.get(daemons[name].url("/metrics"), timeout=5).text),
            timeout=12, what="the leader in /metrics")
        for other, _ in NODES:
            want = 1 if other == leader else 0
            assert f'tocsin_leader{{node="{other}"}} {want}' in metrics, metrics
        assert f'tocsin_node_leading{{node="{name}",location="{loc}"}} ' \
               f'{1 if name == leader else 0}' in metrics

    # Each node's probes name its location, and its results are stored with it.
    daemons["a"].wait_for(lambda: len(target.agents) >= 3, timeout=10, what="three agents")
    for _, loc in NODES:
        assert any(re.fullmatch(VERSION_RE + rf" \({loc}\)", a) for a in target.agents), \
            target.agents
    daemons["a"].wait_for(
        lambda: pg.sql("SELECT string_agg(DISTINCT location, ',' ORDER BY location)"
                       " FROM result", db=db) == "east,south,west",
        timeout=10, what="results from the three locations")

    # The target fails only for west's probes: west's own state is down (so the User-Agent
    # is what the target told apart), the others stay up, and one place failing of three is
    # not an outage: no alert.
    target.fail_from("west")
    state = lambda loc: pg.sql(
        f"SELECT state FROM location_state WHERE location = '{loc}'", db=db)
    daemons["b"].wait_for(lambda: state("west") == "down", timeout=15, what="west down")
    assert state("east") == "up" and state("south") == "up"
    time.sleep(2)
    assert pg.sql("SELECT state FROM monitor_state WHERE monitor = 'api-health'",
                  db=db) == "up"
    assert sink.of_type("monitor.down") == []
    summary = requests.get(daemons["c"].url("/api/v2/components.json"), timeout=5).json()
    assert summary["components"][0]["status"] == "operational"


def test_leader_killed_another_leads_and_alerts_once(pg, start_daemon, target, sink):
    db, daemons = start_cluster(pg, start_daemon, target, sink)
    first = agreed_leader(daemons)
    daemons[first].wait_for(
        lambda: pg.sql("SELECT state FROM monitor_state WHERE monitor = 'api-health'",
                       db=db) == "up", timeout=15, what="the monitor decided up")

    killed_at = time.monotonic()
    daemons[first].kill()  # SIGKILL: no goodbye, the lock goes with its session
    rest = {n: d for n, d in daemons.items() if n != first}
    second = agreed_leader(rest, timeout=15)
    took = time.monotonic() - killed_at
    assert second != first and took < 15, took

    # Every location fails: the two that are left are a majority of any count of live
    # locations, so the monitor goes down, once, and is alerted once.
    target.fail_from("east", "west", "south")
    rest[second].wait_for(lambda: len(sink.of_type("monitor.down")) >= 1, timeout=20,
                          what="the down alert")
    time.sleep(4)  # time for a second delivery, were there to be one
    down = sink.of_type("monitor.down")
    assert len(down) == 1, down
    assert down[0]["event_id"] == down[0]["json"]["event_id"]
    assert pg.sql("SELECT COUNT(*) FROM outbox WHERE payload LIKE '%monitor.down%'", db=db) == "1"

    target.fail_from()
    rest[second].wait_for(lambda: len(sink.of_type("monitor.recovered")) >= 1, timeout=20,
                          what="the recovery alert")
    time.sleep(4)
    assert len(sink.of_type("monitor.recovered")) == 1
    assert len({d["event_id"] for d in sink.deliveries}) == len(sink.deliveries), sink.deliveries
