#!/usr/bin/python3
"""Several nodes on one PostgreSQL (issue 14): leader failover and how fast a write on one
node shows on another. Starts a throwaway PostgreSQL (Debian's, initdb into a temporary
folder, on 127.0.0.1, as nobody when run as root), an HTTP target and a webhook sink, and
three nodes a, b, c (east, west, south) of BINARY; everything is stopped on exit.

usage:
  cluster.py BINARY [ROUNDS] [WRITES] [MONITORS]

  failover, ROUNDS times (default 5): the target starts failing for every location at the
      moment the leader gets SIGKILL; measured: kill -> another node says it leads
      (/healthz), and kill -> the down alert reaches the sink (this includes the monitor's
      own detection: failure_threshold 2 at a 1 s interval). Then the target recovers, the
      recovery is alerted and the killed node is started again.
  write -> visible, WRITES times (default 100): an incident update on node a
      (PATCH /v1/...), then node c's /api/v2/incidents/unresolved.json polled every 2 ms
      until it shows the update; measured from a's answer to the first poll that shows it.
  load, with MONITORS > 0 (default 0: skipped): the three nodes again with MONITORS http
      monitors each (interval 60 s), so 3 x MONITORS results a minute; after 75 s (one
      interval and then some) measured over 30 s: results a second written into PostgreSQL
      (rows of `result`), each node's schedule lag p50/p99 (/metrics) and CPU.
Standard library only (with the python3-requests of the test suite for brevity).
"""
import http.server
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid

import requests


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pct(values, p):
    v = sorted(values)
    return v[min(len(v) - 1, max(0, int(round(p / 100 * len(v) + 0.5)) - 1))]


class Postgres:
    def __init__(self):
        bins = sorted(d for d in os.listdir("/usr/lib/postgresql") if d.isdigit())
        self.bin = f"/usr/lib/postgresql/{bins[-1]}/bin"
        self.dir = tempfile.mkdtemp(prefix="tocsin-bench-pg-")
        os.chmod(self.dir, 0o755)
        self.port = free_port()
        self.as_user = []
        if os.geteuid() == 0:
            shutil.chown(self.dir, "nobody")
            self.as_user = ["runuser", "-u", "nobody", "--"]
        data = os.path.join(self.dir, "data")
        subprocess.run(self.as_user + [f"{self.bin}/initdb", "-D", data, "-U", "postgres",
                                       "--auth=trust", "-E", "UTF8"], check=True,
                       capture_output=True)
        subprocess.run(self.as_user + [f"{self.bin}/pg_ctl", "-D", data, "-l",
                                       os.path.join(self.dir, "log"), "-o",
                                       f"-p {self.port} -k {self.dir} "
                                       "-c listen_addresses=127.0.0.1", "-w", "start"],
                       check=True, capture_output=True)
        self.data = data

    def dsn(self):
        return f"host=127.0.0.1 port={self.port} dbname=postgres user=postgres"

    def stop(self):
        subprocess.run(self.as_user + [f"{self.bin}/pg_ctl", "-D", self.data, "-m",
                                       "immediate", "-w", "stop"], capture_output=True)
        shutil.rmtree(self.dir, ignore_errors=True)


def serve(handler):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def psql(pg, sql):
    return subprocess.run([f"{pg.bin}/psql", "-X", "-A", "-t", "-h", "127.0.0.1", "-p",
                           str(pg.port), "-U", "postgres", "-c", sql], capture_output=True,
                          text=True, check=True).stdout.strip()


def metric(text, name):
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[-1])
    return float("nan")


def health_of(port):
    r = requests.get(f"http://127.0.0.1:{port}/healthz", timeout=5)
    return r.json() if r.headers["Content-Type"].startswith("application/json") else {}


def cpu_seconds(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def nginx(work):
    """A Debian nginx answering 200 to every path (the load part's target: Python's HTTP
    server cannot answer 500 fresh connections a second on this machine)."""
    root = os.path.join(work, "nginx")
    os.makedirs(os.path.join(root, "logs"))
    os.chmod(work, 0o755)
    port = free_port()
    with open(os.path.join(root, "nginx.conf"), "w") as f:
        f.write(f"""worker_processes 1;
pid {root}/nginx.pid;
error_log {root}/logs/error.log warn;
events {{ worker_connections 8192; }}
http {{
  access_log off;
  client_body_temp_path {root}/b; proxy_temp_path {root}/p; fastcgi_temp_path {root}/f;
  uwsgi_temp_path {root}/u; scgi_temp_path {root}/s;
  server {{ listen 127.0.0.1:{port} backlog=4096; location / {{ return 200 "ok"; }} }}
}}
""")
    proc = subprocess.Popen(["nginx", "-p", root, "-e", f"{root}/logs/error.log", "-c",
                             f"{root}/nginx.conf", "-g", "daemon off;"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1)
    return proc, port


def load_part(binary, work, pg, monitors, nodes, ports, procs, start):
    """MONITORS monitors on each node; results a second into PostgreSQL, lag, CPU."""
    server, target_port = nginx(work)
    try:
        measure_load(work, pg, target_port, monitors, nodes, ports, procs, start)
    finally:
        server.terminate()
        server.wait()


def measure_load(work, pg, target_port, monitors, nodes, ports, procs, start):
    with open(os.path.join(work, "tocsin.yaml"), "w") as f:
        f.write("page: {id: bench, name: Cluster bench, time_zone: Etc/UTC}\n"
                "components: [{id: api, name: API}]\nmonitors:\n")
        for i in range(monitors):
            f.write(f"  - {{id: m{i}, kind: http, url: 'http://127.0.0.1:{target_port}/{i}',"
                    " interval: 60s, timeout: 10s, conditions: ['[STATUS] == 200'],"
                    " components: [api]}\n")
        f.write(f'storage: {{postgres: {{dsn: "{pg.dsn()}"}}}}\n')
    for n in nodes:
        start(n)
    time.sleep(75)
    rows0, t0 = int(psql(pg, "SELECT COUNT(*) FROM result")), time.monotonic()
    cpu0 = {n: cpu_seconds(procs[n].pid) for n in nodes}
    time.sleep(30)
    rows1, t1 = int(psql(pg, "SELECT COUNT(*) FROM result")), time.monotonic()
    cpu1 = {n: cpu_seconds(procs[n].pid) for n in nodes}
    for n in nodes:
        print(f"   node {n} leads: {health_of(ports[n]).get('is_leader')}")
    print(f"load: {monitors} monitors x 3 locations at 60 s: "
          f"{(rows1 - rows0) / (t1 - t0):.0f} results/s into PostgreSQL "
          f"(expected {3 * monitors / 60:.0f})")
    for n in nodes:
        text = requests.get(f"http://127.0.0.1:{ports[n]}/metrics", timeout=10).text
        p50 = metric(text, 'tocsin_schedule_lag_seconds{quantile="0.5"}') * 1000
        p99 = metric(text, 'tocsin_schedule_lag_seconds{quantile="0.99"}') * 1000
        queued = metric(text, "tocsin_store_results_queued")
        dropped = metric(text, "tocsin_store_results_dropped_total")
        print(f"   node {n}: schedule lag p50 {p50:.0f} ms, p99 {p99:.0f} ms; "
              f"CPU {100 * (cpu1[n] - cpu0[n]) / (t1 - t0):.1f}% of a core; "
              f"results queued {queued:.0f}, dropped {dropped:.0f}")


def main():
    binary = sys.argv[1]
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    writes = int(sys.argv[3]) if len(sys.argv) > 3 else 100
    monitors = int(sys.argv[4]) if len(sys.argv) > 4 else 0
    failing = {"on": False}
    alerts = []

    class Target(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            code = 503 if failing["on"] else 200
            self.send_response(code)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"no" if code == 503 else b"ok")

        def log_message(self, *a):
            pass

    class Sink(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            alerts.append((time.monotonic(), body["type"]))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *a):
            pass

    pg = Postgres()
    target, sink = serve(Target), serve(Sink)
    work = tempfile.mkdtemp(prefix="tocsin-bench-cluster-")
    config = os.path.join(work, "tocsin.yaml")
    with open(config, "w") as f:
        f.write(f"""page: {{id: bench, name: Cluster bench, time_zone: Etc/UTC}}
components: [{{id: api, name: API}}]
channels: [{{id: hook, kind: webhook, url: 'http://127.0.0.1:{sink.server_port}/'}}]
monitors:
  - id: api-health
    kind: http
    url: http://127.0.0.1:{target.server_port}/
    interval: 1s
    timeout: 1s
    conditions: ["[STATUS] == 200"]
    failure_threshold: 2
    success_threshold: 2
    components: [api]
    alerts: [hook]
storage: {{postgres: {{dsn: "{pg.dsn()}"}}}}
""")
    nodes = {"a": "east", "b": "west", "c": "south"}
    ports = {n: free_port() for n in nodes}
    procs = {}

    def start(n):
        log = open(os.path.join(work, f"{n}.log"), "ab")
        procs[n] = subprocess.Popen([binary, "serve", "-c", config, "--listen",
                                     f"127.0.0.1:{ports[n]}", "--data",
                                     os.path.join(work, n), "--node", n, "--location",
                                     nodes[n]], stdout=log, stderr=log)
        # 10,000 monitors take a while: each one's last results are read at start.
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                if requests.get(f"http://127.0.0.1:{ports[n]}/healthz", timeout=1).ok:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.05)
        raise SystemExit(f"node {n} did not start")

    def health(n):
        r = requests.get(f"http://127.0.0.1:{ports[n]}/healthz", timeout=2)
        return r.json() if r.headers["Content-Type"].startswith("application/json") else {}

    def wait(pred, timeout, what):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            v = pred()
            if v:
                return v
            time.sleep(0.005)
        raise SystemExit(f"timed out: {what}")

    try:
        for n in nodes:
            start(n)
        load = open("/proc/loadavg").read().split()[:3]
        print(f"== several nodes (issue 14): 3 nodes, PostgreSQL on 127.0.0.1, load {load} ==")
        lead, alert = [], []
        for _ in range(rounds):
            leader = wait(lambda: next((n for n in procs if procs[n].poll() is None and
                                        health(n).get("is_leader")), None), 20, "a leader")
            wait(lambda: len([1 for n in procs if health(n).get("leader") == leader]) == 3,
                 10, "every node agrees")
            time.sleep(3)  # settled: the monitor is up everywhere
            seen = len(alerts)
            t0 = time.monotonic()
            failing["on"] = True
            procs[leader].send_signal(signal.SIGKILL)
            procs[leader].wait()
            rest = [n for n in procs if n != leader]
            wait(lambda: any(health(n).get("is_leader") for n in rest), 30, "a new leader")
            lead.append(time.monotonic() - t0)
            wait(lambda: any(t == "monitor.down" for _, t in alerts[seen:]), 30, "the alert")
            alert.append(next(at for at, t in alerts[seen:] if t == "monitor.down") - t0)
            failing["on"] = False
            wait(lambda: any(t == "monitor.recovered" for _, t in alerts[seen:]), 30,
                 "the recovery")
            start(leader)
        print(f"failover, {rounds} rounds: kill -9 -> new leader p50 {pct(lead, 50):.3f} s, "
              f"max {max(lead):.3f} s; kill -> down alert delivered p50 "
              f"{pct(alert, 50):.3f} s, max {max(alert):.3f} s")
        print("   leader:", " ".join(f"{x:.3f}" for x in lead))
        print("   alert: ", " ".join(f"{x:.3f}" for x in alert))
        key = subprocess.run([binary, "apikey", "-c", config, "--data", os.path.join(work, "a"),
                              "create", "--name", "bench"], capture_output=True, text=True,
                             check=True).stdout.strip()
        auth = {"Authorization": f"OAuth {key}"}
        base_a, base_c = (f"http://127.0.0.1:{ports[n]}" for n in ("a", "c"))
        r = requests.post(f"{base_a}/v1/pages/bench/incidents", headers=auth, timeout=5,
                          json={"incident": {"name": "Bench", "status": "investigating",
                                             "body": "start"}})
        inc = r.json()["id"]
        visible, answered = [], []
        poll = requests.Session()
        for i in range(writes):
            token = uuid.uuid4().hex
            t0 = time.monotonic()
            r = requests.patch(f"{base_a}/v1/pages/bench/incidents/{inc}", headers=auth,
                               json={"incident": {"body": f"update {token}"}}, timeout=5)
            t1 = time.monotonic()
            answered.append(t1 - t0)
            wait(lambda: token in poll.get(f"{base_c}/api/v2/incidents/unresolved.json",
                                           timeout=5).text, 10, "the update on node c")
            visible.append(time.monotonic() - t1)
            time.sleep(0.05)
        ms = lambda v, p: pct(v, p) * 1000
        print(f"write on a -> visible on c, {writes} writes: p50 {ms(visible, 50):.1f} ms, "
              f"p99 {ms(visible, 99):.1f} ms, max {max(visible) * 1000:.1f} ms "
              f"(the write's own answer on a: p50 {ms(answered, 50):.1f} ms, "
              f"p99 {ms(answered, 99):.1f} ms)")
        if monitors:
            for p in procs.values():
                p.terminate()
            for p in procs.values():
                p.wait(timeout=60)
            load_part(binary, work, pg, monitors, nodes, ports, procs, start)
    finally:
        for p in procs.values():
            if p.poll() is None:
                p.terminate()
        for p in procs.values():
            try:
                p.wait(timeout=60)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        target.shutdown()
        sink.shutdown()
        pg.stop()
        if os.environ.get("BENCH_KEEP"):
            print("kept", work)
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
