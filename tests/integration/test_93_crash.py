"""Crash tests (issue 12): kill -9 in the middle of a stream of writes loses no acknowledged
write and leaves a sound database; two daemons never share one data folder.
"""

import sqlite3
import threading
import subprocess
import time

from conftest import Daemon, TOCSIN_BIN, free_port, sanitizer_env
from test_80_write_api import WRITE_CONFIG, api, make_key

ROUNDS = 3          # kill -9 this many times
WRITERS = 3         # concurrent clients
RUN_SECONDS = 1.5   # writes per round before the kill


def writer(d, key, stop, acked, wid):
    """Create incidents and post updates until @stop; record what was acknowledged."""
    n = 0
    while not stop.is_set():
        n += 1
        name = "w%d-%d ü" % (wid, n)
        try:
            status, inc = api(d, "POST", "incidents", key=key, body={"incident": {
                "name": name, "status": "investigating", "body": "first " + name,
                "components": {"rest": "degraded_performance"}}})
        except (OSError, ValueError, AssertionError):
            return  # the daemon died under us: only answered writes count
        if status != 201:
            continue
        acked.append(("create", inc["id"], name))
        try:
            status, upd = api(d, "PATCH", "incidents/" + inc["id"], key=key, body={
                "incident": {"status": "identified", "body": "second " + name}})
        except (OSError, ValueError, AssertionError):
            return
        if status == 200:
            acked.append(("update", inc["id"], "second " + name))


def test_kill_9_during_writes_loses_nothing_acknowledged(start_daemon):
    d = start_daemon(WRITE_CONFIG)
    key = make_key(d)
    acked = []
    for _ in range(ROUNDS):
        stop = threading.Event()
        threads = [threading.Thread(target=writer, args=(d, key, stop, acked, w))
                   for w in range(WRITERS)]
        for t in threads:
            t.start()
        time.sleep(RUN_SECONDS)
        d.kill()          # SIGKILL while requests are in flight
        stop.set()
        for t in threads:
            t.join(timeout=20)
        d.start()
    creates = [a for a in acked if a[0] == "create"]
    assert len(creates) >= 10, "too few writes to mean anything: %d" % len(creates)
    stored = {}
    page = 1
    while True:
        status, lst = api(d, "GET", "incidents?limit=100&page=%d" % page, key=key)
        assert status == 200, lst
        if not lst:
            break
        for inc in lst:
            stored[inc["id"]] = inc
        page += 1
    for kind, iid, text in acked:
        assert iid in stored, "acknowledged %s of %s lost" % (kind, iid)
        inc = stored[iid]
        if kind == "create":
            assert inc["name"] == text
        else:
            bodies = [u["body"] for u in inc["incident_updates"]]
            assert text in bodies, (text, bodies)
    d.stop()
    db = sqlite3.connect(str(d.data_dir / "tocsin.db"))
    try:
        assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    finally:
        db.close()


def test_second_daemon_on_the_same_data_folder_exits(start_daemon, tmp_path):
    first = start_daemon(WRITE_CONFIG)
    # Same data folder, another port: refused before it touches the store.
    proc = subprocess.run(
        [TOCSIN_BIN, "serve", "-c", str(first.config_path), "--listen", "127.0.0.1:%d" % free_port(),
         "--data", str(first.data_dir)],
        stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=20,
        env=sanitizer_env())
    assert proc.returncode == 1, (proc.returncode, proc.stderr)
    assert "in use by another tocsin" in proc.stderr, proc.stderr
    assert "pid %d" % first.proc.pid in proc.stderr, proc.stderr
    # The first daemon is untouched and keeps serving.
    status, _, _ = first.raw_request("GET", "/healthz")
    assert status == 200
    # Command-line tools still work beside it (they do not take the lock).
    assert make_key(first)
    # Once it stops, the folder is free again.
    first.stop()
    second = Daemon(tmp_path, "", name="again")
    second.config_path = first.config_path
    second.data_dir = first.data_dir
    second.start()
    second.stop()
