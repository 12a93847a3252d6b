"""`make run`'s demo is alive (issue 17): the example config's monitors watch the daemon
itself and its push monitor is fed by scripts/demo-run's heartbeat, so every monitor is up
within a minute without the internet; `import --shift-to-now` moves the seed's history to
recent weeks (keeping weekdays and times of day) so the page shows it; the page says the
history is demo data."""

import json
import os
import shutil
import signal
import subprocess
import time
import urllib.request
from datetime import datetime, timedelta, timezone

from conftest import REPO, TOCSIN_BIN, assert_no_sanitizer_report, free_port, run_cli, \
    sanitizer_env


def get(url):
    with urllib.request.urlopen(url, timeout=5) as r:
        return r.read().decode()


def test_demo_history_and_live_monitors(tmp_path):
    config = tmp_path / "tocsin.yaml"
    shutil.copy(REPO / "examples" / "tocsin.yaml", config)
    original = json.loads((REPO / "examples" / "history.json").read_text())["incidents"]
    p = run_cli("import", "--shift-to-now", "-c", config, "statuspage",
                REPO / "examples" / "history.json")
    assert p.returncode == 0 and "11 added" in p.stdout, p.stdout + p.stderr

    port = free_port()
    env = dict(sanitizer_env(), TOCSIN_LISTEN="127.0.0.1:%d" % port)
    log = open(tmp_path / "demo.log", "wb")
    proc = subprocess.Popen(["bash", str(REPO / "scripts" / "demo-run"), TOCSIN_BIN,
                             str(config)], env=env, stdout=log, stderr=log,
                            start_new_session=True)
    base = "http://127.0.0.1:%d" % port
    try:
        deadline = time.monotonic() + 60
        states = {}
        while time.monotonic() < deadline:
            try:
                metrics = get(base + "/metrics")
                states = {line.split('monitor="')[1].split('"')[0]:
                          line.split('state="')[1].split('"')[0]
                          for line in metrics.splitlines()
                          if line.startswith("tocsin_monitor_state{") and line.endswith(" 1")}
                if len(states) == 4 and set(states.values()) == {"up"}:
                    break
            except OSError:
                pass
            time.sleep(1)
        assert states == {"status-api": "up", "page": "up", "port": "up",
                          "webhook-worker": "up"}, states

        # The history moved by whole weeks: the latest incident about a day ago, weekday
        # and time of day as in the file.
        doc = json.loads(get(base + "/api/v2/incidents.json"))["incidents"]
        assert len(doc) == 11
        by_id = {i["id"]: i for i in doc}
        newest = max(doc, key=lambda i: datetime.fromisoformat(i["created_at"]))
        latest = datetime.fromisoformat(newest["created_at"])
        now = datetime.now(timezone.utc)
        assert now - timedelta(days=7) <= latest < now
        for src in original:
            a = datetime.fromisoformat(src["created_at"])
            b = datetime.fromisoformat(by_id[src["id"]]["created_at"])
            assert (b - a) % timedelta(days=7) == timedelta(0), (src["id"], a, b)
        page = get(base + "/")
        assert "Demo data" in page
        # The newest imported incident is among the page's past incidents.
        past = page.split("Past incidents", 1)[1]
        assert newest["name"] in past, newest["name"]
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=15)
        log.close()
    text = (tmp_path / "demo.log").read_text(errors="replace")
    assert_no_sanitizer_report(text)
