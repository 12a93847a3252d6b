"""`tocsin backup` and `tocsin restore` (issue 17): a copy taken while the daemon runs and
writes are in flight holds every write acknowledged before it started, restores into an empty
data folder, and a daemon started there serves it; wrong uses are refused with words."""

import sqlite3
import threading

from conftest import Daemon, dedent, run_cli
from test_80_write_api import WRITE_CONFIG, api, make_key


def test_backup_while_writing_then_restore(start_daemon, tmp_path):
    d = start_daemon(WRITE_CONFIG)
    key = make_key(d)
    acked, stop = [], threading.Event()

    def writer():
        n = 0
        while not stop.is_set():
            status, doc = api(d, "POST", "incidents", key=key, body={"incident": {
                "name": "Write %d – ü" % n, "status": "investigating"}})
            assert status == 201, doc
            acked.append(doc["id"])
            n += 1

    t = threading.Thread(target=writer)
    t.start()
    d.wait_for(lambda: len(acked) >= 5, timeout=20, what="some writes")
    before = list(acked)
    backup = tmp_path / "backup.db"
    p = run_cli("backup", "-c", d.config_path, "--data", d.data_dir, backup)
    stop.set()
    t.join()
    assert p.returncode == 0, p.stderr
    # Never over an existing file.
    p = run_cli("backup", "-c", d.config_path, "--data", d.data_dir, backup)
    assert p.returncode == 1 and "cannot create" in p.stderr
    db = sqlite3.connect(backup)
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    stored = {r[0] for r in db.execute("SELECT id FROM incident")}
    db.close()
    assert set(before) <= stored, set(before) - stored

    # Into an empty folder; then a daemon serves it.
    fresh = tmp_path / "restored" / "data"
    p = run_cli("restore", "-c", d.config_path, "--data", fresh, backup)
    assert p.returncode == 0, p.stderr
    p = run_cli("restore", "-c", d.config_path, "--data", fresh, backup)
    assert p.returncode == 2 and "holds a store already" in p.stderr
    # Not over a running daemon's folder either, and not from a file that is no store.
    p = run_cli("restore", "-c", d.config_path, "--data", d.data_dir, backup)
    assert p.returncode == 2, p.stderr
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database" * 100)
    p = run_cli("restore", "-c", d.config_path, "--data", tmp_path / "other", junk)
    assert p.returncode == 2 and "not" in p.stderr

    r = Daemon(tmp_path, dedent(WRITE_CONFIG), name="restored")
    assert r.data_dir == fresh
    r.start()
    try:
        rkey = make_key(r)
        for n, incident_id in enumerate(before):
            status, doc = api(r, "GET", "incidents/" + incident_id, key=rkey)
            assert status == 200 and doc["name"] == "Write %d – ü" % n, doc
        # The restored store is written to as usual.
        status, doc = api(r, "POST", "incidents", key=rkey, body={"incident": {
            "name": "After the restore", "status": "investigating"}})
        assert status == 201, doc
    finally:
        r.stop()
