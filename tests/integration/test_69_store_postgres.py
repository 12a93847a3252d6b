"""The PostgreSQL store (storage: {postgres: {dsn: ...}}) against a real server started here
(pgserver.py): the store's own unit tests on it, a representative part of the suite run again
with every daemon on PostgreSQL (write API and incidents, subscribers and outbox delivery,
monitors writing results, the console's users), a restart that keeps everything, and
`tocsin migrate` from a SQLite store holding the seed history, which must give a PostgreSQL
node the same /api/v2/incidents.json.

Run with /usr/bin/python3 -m pytest tests/integration/test_69_store_postgres.py; the binary is
$TOCSIN_BIN (default build-san/tocsin), and the unit tests' binary is beside it.
"""
import http.server
import os
import re
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest
import requests

from conftest import BASIC_CONFIG, REPO, TOCSIN_BIN, dedent, free_port, run_cli, sanitizer_env
from pgserver import Postgres, pg, pg_bindir  # noqa: F401 (pg: the fixture)

HISTORY = REPO / "examples" / "history.json"

# The part of the suite run again on PostgreSQL, less the tests that open the SQLite file
# itself (they check what SQLite keeps on disk, which PostgreSQL does not have) and the
# console's accessibility check in a browser (markup, the same whatever the store).
SUITE_ON_POSTGRES = ["test_80_write_api.py", "test_81_incident_lifecycle.py",
                     "test_91_subscribers.py", "test_70_monitors.py", "test_95_console.py"]
SQLITE_ONLY = ["test_auth_required_and_key_forms", "test_store_from_an_older_tocsin_is_upgraded",
               "test_user_commands_and_session_end", "test_console_pages_are_accessible"]


def new_database(pg):
    name = "m_" + uuid.uuid4().hex[:16]
    pg.sql(f"CREATE DATABASE {name}")
    return name


def with_postgres(config_text, dsn):
    return dedent(config_text) + f'storage:\n  postgres:\n    dsn: "{dsn}"\n'


def test_every_store_function_has_both_backends():
    # store.c dispatches every store.h function that takes a store to tc_sqlite_X or tc_pg_X;
    # a function added to store.h and SQLite only would reach SQLite's code with a
    # PostgreSQL handle.
    header = (REPO / "src" / "store" / "store.h").read_text()
    names = set(re.findall(r"^(?:int|void) tc_store_(\w+)\(tc_store_t \*s\b", header, re.M))
    assert {"begin", "add_results", "outbox_due", "user_add"} <= names
    symbols = subprocess.run(["nm", "--defined-only", TOCSIN_BIN], capture_output=True,
                             text=True, check=True).stdout
    defined = set(re.findall(r" T (tc_\w+)$", symbols, re.M))
    missing = [f"{prefix}{n}" for n in sorted(names) for prefix in ("tc_sqlite_", "tc_pg_")
               if f"{prefix}{n}" not in defined]
    assert not missing, f"store functions without a backend: {missing}"


def test_store_unit_tests_on_postgres(pg):
    binary = Path(TOCSIN_BIN).parent / "unit_store_store_pg"
    assert binary.exists(), f"{binary} is built with the unit tests (TC_TESTS)"
    dsn = pg.dsn(new_database(pg))
    r = subprocess.run([str(binary)], env={**sanitizer_env(), "TOCSIN_TEST_PG_DSN": dsn},
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    out = r.stdout + r.stderr
    assert "PASSED  ] 8 test(s)" in out and "SKIPPED" not in out, out


def test_part_of_the_suite_on_postgres(pg):
    here = Path(__file__).parent
    env = {**os.environ, "TOCSIN_TEST_PG_DSN": f"host=127.0.0.1 port={pg.port} user=postgres",
           "TOCSIN_TEST_PSQL": os.path.join(pg.bindir, "psql"), "TOCSIN_BIN": TOCSIN_BIN}
    r = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                        *SUITE_ON_POSTGRES, "-k", " and ".join(f"not {t}" for t in SQLITE_ONLY)],
                       cwd=here, env=env, capture_output=True, text=True, timeout=1200)
    summary = r.stdout.strip().splitlines()[-1] if r.stdout.strip() else ""
    assert r.returncode == 0, r.stdout[-20000:] + r.stderr[-5000:]
    assert re.search(r"\d+ passed", summary) and "failed" not in summary, summary
    # Not vacuous: those daemons really ran on PostgreSQL.
    databases = pg.sql("SELECT COUNT(*) FROM pg_database WHERE datname LIKE 't\\_%'")
    assert int(databases) >= 20, databases


def test_a_postgres_node_keeps_everything_across_a_restart(pg, start_daemon):
    db = new_database(pg)
    config = with_postgres(BASIC_CONFIG, pg.dsn(db)) + dedent("""
        monitors:
          - id: self
            kind: http
            url: http://127.0.0.1:1/never
            interval: 1s
            timeout: 1s
            components: [dashboard]
        """)
    d = start_daemon(config)
    d.wait_for(lambda: "postgresql store schema v" in d.stderr, what="the start line")
    key = run_cli("apikey", "-c", d.config_path, "create", "--name", "ci").stdout.strip()
    assert key
    r = requests.post(d.url("/v1/pages/testpage/incidents"),
                      headers={"Authorization": f"OAuth {key}"},
                      json={"incident": {"name": "Köln — API errors", "status": "investigating",
                                         "body": "Looking into it.",
                                         "components": {"rest": "major_outage"}}}, timeout=5)
    assert r.status_code == 201, r.text
    p = run_cli("user", "-c", d.config_path, "add", "ana", "--role", "admin",
                input_text="correct horse battery\n")
    assert p.returncode == 0, p.stderr
    # The monitor writes results (connection refused: down) into PostgreSQL.
    d.wait_for(lambda: int(pg.sql("SELECT COUNT(*) FROM result", db=db)) >= 2, timeout=10,
               what="results in PostgreSQL")
    before = requests.get(d.url("/api/v2/incidents.json"), timeout=5).json()["incidents"]
    d.stop()

    d2 = start_daemon(config, name="again")
    after = requests.get(d2.url("/api/v2/incidents.json"), timeout=5).json()["incidents"]
    assert after == before and after[0]["name"] == "Köln — API errors"
    comps = requests.get(d2.url("/api/v2/components.json"), timeout=5).json()["components"]
    assert {c["id"]: c["status"] for c in comps}["rest"] == "major_outage"
    s = requests.Session()
    s.headers["Origin"] = d2.base
    r = s.post(d2.url("/admin/login"), data={"name": "ana", "password": "correct horse battery"},
               allow_redirects=False, timeout=5)
    assert r.status_code == 303, r.text
    assert "Log out" in s.get(d2.url("/admin/"), timeout=5).text
    p = run_cli("apikey", "-c", d2.config_path, "list")
    assert p.returncode == 0 and " ci " in f" {p.stdout} ", p.stdout


def test_migrate_seed_history_gives_the_same_incidents(pg, start_daemon, tmp_path):
    # The seed history in a SQLite store, served by a SQLite node once (so components, their
    # status log and settings exist too).
    lite = start_daemon(BASIC_CONFIG, name="sqlite")
    lite.stop()
    p = run_cli("import", "-c", lite.config_path, "--data", lite.data_dir, "statuspage",
                HISTORY)
    assert p.returncode == 0, p.stderr
    lite.start()
    want = requests.get(lite.url("/api/v2/incidents.json"), timeout=5).json()
    assert len(want["incidents"]) >= 10
    lite.stop()

    db = new_database(pg)
    p = run_cli("migrate", "--from", lite.data_dir, "--to", pg.dsn(db), timeout=120)
    assert p.returncode == 0, p.stdout + p.stderr
    assert re.search(r"incident\s+%d rows" % len(want["incidents"]), p.stdout), p.stdout

    # Every SQLite table's rows are in PostgreSQL.
    con = sqlite3.connect(str(lite.data_dir / "tocsin.db"))
    tables = [r[0] for r in con.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        " AND name <> 'schema_migration'")]
    for t in tables:
        n = con.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
        assert int(pg.sql(f"SELECT COUNT(*) FROM {t}", db=db)) == n, t
    con.close()

    node = start_daemon(with_postgres(BASIC_CONFIG, pg.dsn(db)), name="pg")
    got = requests.get(node.url("/api/v2/incidents.json"), timeout=5).json()
    assert got["incidents"] == want["incidents"]
    # page.updated_at is the latest change or the node's start, whichever is later.
    for doc in (got, want):
        del doc["page"]["updated_at"]
    assert got == want
    assert requests.get(node.url("/history"), timeout=5).status_code == 200


def test_migrate_refuses_without_copying_anything(pg, start_daemon, tmp_path):
    lite = start_daemon(BASIC_CONFIG, name="sqlite")
    # A daemon on the folder: refused (the copy would not be one point in time).
    db = new_database(pg)
    p = run_cli("migrate", "--from", lite.data_dir, "--to", pg.dsn(db))
    assert p.returncode == 1 and "stop the daemon" in p.stderr, p.stderr
    lite.stop()
    # Into a database that holds a store: refused, and nothing changes there.
    p = run_cli("migrate", "--from", lite.data_dir, "--to", pg.dsn(db))
    assert p.returncode == 0, p.stderr
    rows = pg.sql("SELECT COUNT(*) FROM component", db=db)
    p = run_cli("migrate", "--from", lite.data_dir, "--to", pg.dsn(db))
    assert p.returncode == 2 and "already holds a store" in p.stderr, p.stderr
    assert "nothing was copied" in p.stderr
    assert pg.sql("SELECT COUNT(*) FROM component", db=db) == rows
    # A folder without a store, a server that is not there, a missing option.
    p = run_cli("migrate", "--from", tmp_path / "nothing", "--to", pg.dsn(db))
    assert p.returncode == 2 and "holds no store" in p.stderr, p.stderr
    p = run_cli("migrate", "--from", lite.data_dir, "--to",
                "host=127.0.0.1 port=1 dbname=x user=postgres connect_timeout=2")
    assert p.returncode == 1 and "cannot connect to PostgreSQL" in p.stderr, p.stderr
    p = run_cli("migrate", "--from", lite.data_dir)
    assert p.returncode == 2 and "--to DSN" in p.stderr


def test_a_database_that_is_not_there_stops_the_start_with_a_reason(tmp_path):
    cfg = tmp_path / "tocsin.yaml"
    cfg.write_text(with_postgres(BASIC_CONFIG, "host=127.0.0.1 port=1 dbname=x user=postgres"
                                 " connect_timeout=2 password=s3cret-value"))
    r = subprocess.run([TOCSIN_BIN, "serve", "-c", str(cfg), "--listen", f"127.0.0.1:{free_port()}",
                        "--data", str(tmp_path / "data")], capture_output=True, text=True,
                       timeout=30, env=sanitizer_env())
    assert r.returncode == 1
    assert "cannot open store: cannot connect to PostgreSQL" in r.stderr, r.stderr
    assert "s3cret" not in r.stdout + r.stderr
    p = run_cli("check-config", "-c", cfg)
    assert p.returncode == 0, p.stderr
    cfg.write_text(dedent(BASIC_CONFIG) + "storage:\n  postgres:\n    dsn: \"\"\n    port: 5\n")
    p = run_cli("check-config", "-c", cfg)
    assert p.returncode == 2
    assert re.search(r"tocsin.yaml:\d+:\d+: .*port", p.stderr), p.stderr
    assert re.search(r"tocsin.yaml:\d+:\d+: storage.postgres: \"dsn\" must not be empty",
                     p.stderr), p.stderr


def test_backup_and_restore_point_to_the_database_tools(pg, tmp_path):
    cfg = tmp_path / "tocsin.yaml"
    cfg.write_text(with_postgres(BASIC_CONFIG, pg.dsn(new_database(pg))))
    p = run_cli("backup", "-c", cfg, tmp_path / "b.db")
    assert p.returncode == 2 and "pg_dump" in p.stderr, p.stderr
    assert not (tmp_path / "b.db").exists()
    p = run_cli("restore", "-c", cfg, tmp_path / "b.db")
    assert p.returncode == 2 and "PostgreSQL" in p.stderr, p.stderr


class Ok(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


def test_results_taken_while_postgres_is_away_are_saved_when_it_returns(start_daemon):
    # A server of its own: this test stops it. The results writer keeps what the monitor
    # measures meanwhile and saves it once the server is back; the page is served all along.
    bindir = pg_bindir()
    if not bindir:
        pytest.skip("PostgreSQL server binaries not installed (Debian postgresql)")
    server = Postgres(bindir)
    target = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Ok)
    threading.Thread(target=target.serve_forever, daemon=True).start()
    try:
        server.init()
        server.start()
        d = start_daemon(with_postgres(BASIC_CONFIG, server.dsn()) + dedent(f"""
            monitors:
              - id: web
                kind: http
                url: http://127.0.0.1:{target.server_port}/
                interval: 1s
                timeout: 1s
                components: [dashboard]
            """))
        count = lambda where="true": int(server.sql(f"SELECT COUNT(*) FROM result WHERE {where}"))
        d.wait_for(lambda: count() >= 2, timeout=15, what="results in PostgreSQL")
        server.stop()
        down = int(time.time() * 1000)
        time.sleep(4)
        for path in ("/", "/api/v2/summary.json"):
            assert requests.get(d.url(path), timeout=5).status_code == 200, path
        up = int(time.time() * 1000)
        server.start()
        d.wait_for(lambda: count(f"at > {down} AND at < {up}") >= 3, timeout=30,
                   what="the results taken while the server was away")
        metrics = requests.get(d.url("/metrics"), timeout=5).text
        assert "tocsin_store_results_dropped_total 0" in metrics, metrics
        assert "(kept, will retry)" in d.stderr and "saving results again" in d.stderr
    finally:
        target.shutdown()
        server.cleanup()
