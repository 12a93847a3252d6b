"""Several nodes on one PostgreSQL store (docs/DEPLOY.md): three nodes a, b, c probing from
east, west and south, a target that fails only for the probes whose User-Agent names a
location of a set the test chooses, and a webhook sink that counts deliveries by event id.

- exactly one node leads, and every node's /healthz and /metrics say which;
- each node's probes say where they come from (User-Agent: tocsin/VERSION (LOCATION)) and
  its results are stored with its location;
- kill -9 of the leader: another node leads within 15 s, and the next state change is
  alerted exactly once, as is the recovery after it;
- one location failing is a regional failure: partial_outage with the location named on the
  page, one alert, one incident; two of three failing are a major outage, one alert;
- a write on node a is on node c's page and summary.json within 2 s;
- a probe node never leads and serves no page;
- PostgreSQL away for 20 s: every node still serves its page, says so in /healthz, keeps
  probing, and the results taken meanwhile reach the store when it is back;
- `confirm: true`: a failure alerts only once every location's fresh run confirms it: with
  `quorum: 1` one location failing is not confirmed (no alert); two of three are (one alert,
  one incident).

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

from browser import assert_accessible, shot
from conftest import TOCSIN_BIN, dedent, run_cli, sanitizer_env
from pgserver import Postgres, pg, pg_bindir  # noqa: F401 (pg: the fixture)

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


def cluster_config(dsn, target_url, hook_url, extra=""):
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
        {extra}
        storage:
          postgres:
            dsn: "{dsn}"
        """)


def start_cluster(pg, start_daemon, target, sink, nodes=NODES, extra="", dsn=None):
    db = "n_" + uuid.uuid4().hex[:12]
    if dsn is None:
        pg.sql(f"CREATE DATABASE {db}")
        dsn = pg.dsn(db)
    config = cluster_config(dsn, target.url, sink.url, extra)
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


def component_status(d):
    r = requests.get(d.url("/api/v2/components.json"), timeout=5)
    return {c["id"]: c["status"] for c in r.json()["components"]}["api"]


def unresolved(d):
    return requests.get(d.url("/api/v2/incidents/unresolved.json"), timeout=5).json()["incidents"]


def test_one_location_failing_is_regional_two_are_an_outage(pg, start_daemon, target, sink,
                                                            browser, tmp_path):
    db, daemons = start_cluster(pg, start_daemon, target, sink, extra="    incident: auto")
    agreed_leader(daemons)
    a, c = daemons["a"], daemons["c"]
    a.wait_for(lambda: pg.sql("SELECT state FROM monitor_state", db=db) == "up", timeout=15,
               what="the monitor decided up")

    # West alone fails: after regional_after (3 intervals) a regional failure, named, with the
    # component in partial outage (not major) on every node, one alert, one incident.
    target.fail_from("west")
    c.wait_for(lambda: component_status(c) == "partial_outage", timeout=20,
               what="a partial outage")
    page = requests.get(c.url("/"), timeout=5).text
    assert "Failing from west" in page, page
    assert component_status(a) == "partial_outage"
    # The note reads as the page's other notes do, in both colour schemes.
    assert_accessible(browser, c.url("/"))
    browser.get(c.url("/"))
    shot(browser, tmp_path, "nodes-regional")
    c.wait_for(lambda: len(sink.of_type("monitor.regional")) == 1, timeout=10,
               what="the regional alert")
    [incident] = unresolved(c)
    assert "failing from west" in incident["name"], incident
    assert pg.sql("SELECT failing FROM monitor_state", db=db) == "west"
    time.sleep(3)
    assert sink.of_type("monitor.down") == [] and len(sink.of_type("monitor.regional")) == 1
    assert component_status(c) == "partial_outage"

    # All well again: resolved; then two of three fail at once: a major outage, one new
    # incident, one alert.
    target.fail_from()
    c.wait_for(lambda: unresolved(c) == [] and component_status(c) == "operational",
               timeout=20, what="the recovery")
    before = len(sink.deliveries)
    target.fail_from("east", "west")
    c.wait_for(lambda: component_status(c) == "major_outage", timeout=20,
               what="a major outage")
    time.sleep(4)  # long past regional_after: still one outage, one alert
    assert component_status(c) == "major_outage"
    new = sink.deliveries[before:]
    assert [d["json"]["type"] for d in new] == ["monitor.down"], new
    [incident] = unresolved(a)
    assert "failing from" not in incident["name"]
    assert "Failing from" not in requests.get(c.url("/"), timeout=5).text


def test_a_write_on_one_node_is_on_another_within_2s(pg, start_daemon, target, sink):
    db, daemons = start_cluster(pg, start_daemon, target, sink)
    agreed_leader(daemons)
    a, c = daemons["a"], daemons["c"]
    key = run_cli("apikey", "-c", a.config_path, "create", "--name", "ci").stdout.strip()
    assert key
    seen = []
    for n in range(3):
        name = f"Köln outage {n} — API errors"
        t0 = time.monotonic()
        r = requests.post(a.url("/v1/pages/nodes/incidents"),
                          headers={"Authorization": f"OAuth {key}"},
                          json={"incident": {"name": name, "status": "investigating",
                                             "body": "Looking into it.",
                                             "components": {"api": "major_outage"}}},
                          timeout=5)
        assert r.status_code == 201, r.text

        def on_c():
            page = requests.get(c.url("/"), timeout=5).text
            summary = requests.get(c.url("/api/v2/summary.json"), timeout=5).json()
            return name in page and any(i["name"] == name for i in summary["incidents"])
        c.wait_for(on_c, timeout=5, interval=0.02, what="the incident on node c")
        seen.append(time.monotonic() - t0)
    assert max(seen) < 2.0, seen
    # The component status the incident sets comes back from the leader too.
    c.wait_for(lambda: component_status(c) == "major_outage", timeout=2,
               what="the component's status on node c")


def test_a_probe_node_never_leads_and_serves_no_page(pg, start_daemon, target, sink):
    db = "n_" + uuid.uuid4().hex[:12]
    pg.sql(f"CREATE DATABASE {db}")
    config = cluster_config(pg.dsn(db), target.url, sink.url)
    a = start_daemon(config, name="a", args=["--node", "a", "--location", "east"])
    p = start_daemon(config.replace("storage:", "node:\n  role: probe\nstorage:"), name="p",
                     args=["--node", "p", "--location", "north"])
    assert agreed_leader({"a": a, "p": p}) == "a"
    h = health(p)
    assert h["role"] == "probe" and not h["is_leader"]
    assert requests.get(p.url("/"), timeout=5).status_code == 404
    r = requests.post(p.url("/v1/pages/nodes/incidents"), json={}, timeout=5)
    assert r.status_code == 404 and "only probes" in r.json()["error"]
    p.wait_for(lambda: pg.sql("SELECT COUNT(*) FROM result WHERE location = 'north'",
                              db=db) != "0", timeout=10, what="the probe's results")
    a.kill()
    time.sleep(4)  # the lock is free: a probe still does not take it
    h = health(p)
    assert not h["is_leader"] and h["leader"] is None


def test_postgres_away_for_20s_nodes_serve_and_catch_up(start_daemon, target, sink):
    # A server of its own: this test stops it.
    bindir = pg_bindir()
    if not bindir:
        pytest.skip("PostgreSQL server binaries not installed (Debian postgresql)")
    server = Postgres(bindir)
    try:
        server.init()
        server.start()
        _, daemons = start_cluster(server, start_daemon, target, sink, dsn=server.dsn())
        agreed_leader(daemons)
        per_location = lambda where: dict(
            line.split("|") for line in server.sql(
                f"SELECT location, COUNT(*) FROM result WHERE {where} GROUP BY location"
            ).splitlines())
        daemons["a"].wait_for(lambda: len(per_location("true")) == 3, timeout=10,
                              what="results from every location")
        server.stop()
        down = int(time.time() * 1000)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            for name, d in daemons.items():
                r = requests.get(d.url("/"), timeout=5)
                assert r.status_code == 200 and "Nodes Test" in r.text and "API" in r.text, name
            time.sleep(1)
        for name, d in daemons.items():
            h = health(d)
            assert h["store"] == "unreachable" and h["leader"] is None, h
            assert h["results_buffered"] > 0 and h["results_dropped"] == 0, h
            assert "(kept, will retry)" in d.stderr
        up = int(time.time() * 1000)
        server.start()
        # Every location's results of those 20 s reach the store, and a node leads again.
        daemons["a"].wait_for(
            lambda: (lambda c: len(c) == 3 and min(int(v) for v in c.values()) >= 15)(
                per_location(f"at > {down} AND at < {up}")),
            timeout=30, what="the results taken while the server was away")
        agreed_leader(daemons, timeout=20)
        for d in daemons.values():
            d.wait_for(lambda: health(d)["results_buffered"] == 0, timeout=10,
                       what="an empty buffer")
            d.stop()  # before the server goes: a node stopping saves what it holds
    finally:
        server.cleanup()


def confirming_config(target_url):
    """api-health (majority, alerts, incident: auto) and any-place (quorum 1, no alerts), both
    with confirm: true; lines for cluster_config's `extra` (which dedent shifts by 8)."""
    return "\n".join([
        "    confirm: true",
        "            incident: auto",
        "            regional_after: 1h",  # west alone stays a minority without a word
        "          - id: any-place",
        "            name: Any place",
        "            kind: http",
        f"            url: {target_url}",
        "            interval: 1s",
        "            timeout: 1s",
        "            conditions: [\"[STATUS] == 200\"]",
        "            failure_threshold: 2",
        "            quorum: 1",
        "            confirm: true",
    ])


def test_confirm_from_the_other_locations(pg, start_daemon, target, sink):
    db, daemons = start_cluster(pg, start_daemon, target, sink,
                                extra=confirming_config(target.url))
    leader = daemons[agreed_leader(daemons)]
    state = lambda m: pg.sql(f"SELECT state FROM monitor_state WHERE monitor = '{m}'", db=db)
    leader.wait_for(lambda: state("api-health") == "up" and state("any-place") == "up",
                    timeout=15, what="both monitors decided up")

    # West alone fails. With quorum 1 that would be an outage of any-place, but the fresh
    # runs from east and south pass: not confirmed, no alert, no incident, still up.
    target.fail_from("west")
    leader.wait_for(lambda: "monitor any-place: down not confirmed" in leader.stderr,
                    timeout=20, what="any-place's failure not confirmed")
    assert re.search(r"monitor any-place: would go up -> down \(.*\); confirming from "
                     r"(east|west|south), (east|west|south), (east|west|south)\"",
                     leader.stderr), leader.stderr
    assert re.search(r"any-place: down not confirmed, no alert: fresh runs failed from "
                     r"\[west\], passed from \[(east, south|south, east)\]", leader.stderr)
    time.sleep(2)
    assert state("any-place") == "up" and state("api-health") == "up"
    assert sink.deliveries == [] and unresolved(leader) == []
    metrics = requests.get(leader.url("/metrics"), timeout=5).text
    cleared = re.search(r'tocsin_confirmations_total\{outcome="cleared"\} (\d+)', metrics)
    assert cleared and int(cleared.group(1)) >= 1, metrics

    # East and west fail: confirmed from both, for either quorum: one alert (api-health has
    # the only alert rule), one incident, both monitors down.
    target.fail_from("east", "west")
    leader.wait_for(lambda: len(sink.of_type("monitor.down")) >= 1, timeout=20,
                    what="the down alert")
    assert "monitor api-health: down confirmed" in leader.stderr
    leader.wait_for(lambda: "monitor any-place: down confirmed" in leader.stderr, timeout=10,
                    what="any-place's outage confirmed")
    time.sleep(4)  # time for a second delivery, were there to be one
    assert [d["json"]["type"] for d in sink.deliveries] == ["monitor.down"], sink.deliveries
    assert len(unresolved(leader)) == 1
    assert state("api-health") == "down" and state("any-place") == "down"
    metrics = requests.get(leader.url("/metrics"), timeout=5).text
    confirmed = re.search(r'tocsin_confirmations_total\{outcome="confirmed"\} (\d+)', metrics)
    assert confirmed and int(confirmed.group(1)) == 2, metrics
    assert 'tocsin_confirmations_total{outcome="timeout"} 0' in metrics
