"""Black-box tests of the postgres probe kind against a real PostgreSQL started here: Debian's
initdb into a temporary directory, the server on 127.0.0.1 at a free high port with its unix
socket in that directory, run as `nobody` when the tests run as root (postgres refuses root).
Each case runs `tocsin probe` (exit 0 up, 1 down, 3 degraded) or a daemon, and checks what it
prints or publishes. The module is skipped only when the PostgreSQL server binaries are not
installed (Debian postgresql).

Run with /usr/bin/python3 -m pytest tests/integration/test_66_postgres.py; the binary is
$TOCSIN_BIN (default build-san/tocsin).
"""
import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time

import pytest
import requests

from conftest import BASIC_CONFIG, dedent, free_port, run_cli


def pg_bindir():
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                   key=lambda p: int(p.split("/")[4]) if p.split("/")[4].isdigit() else 0)
    return os.path.dirname(found[-1]) if found else None


class Postgres:
    """One throwaway cluster; trust authentication on loopback and the socket only."""

    def __init__(self, bindir):
        self.bindir = bindir
        # Not under pytest's tmp_path: its parents are private to root, and the server runs
        # as nobody.
        self.dir = tempfile.mkdtemp(prefix="tocsin-pg-")
        os.chmod(self.dir, 0o755)
        self.data = os.path.join(self.dir, "data")
        self.log = os.path.join(self.dir, "server.log")
        self.port = free_port()
        self.as_user = []
        if os.geteuid() == 0:
            shutil.chown(self.dir, "nobody")
            self.as_user = ["runuser", "-u", "nobody", "--"]

    def _run(self, *args, **kw):
        return subprocess.run(self.as_user + [os.path.join(self.bindir, args[0]), *args[1:]],
                              cwd=self.dir, capture_output=True, text=True, timeout=120, **kw)

    def init(self):
        r = self._run("initdb", "-D", self.data, "-U", "postgres", "--auth=trust", "-E", "UTF8",
                      "--no-sync")
        assert r.returncode == 0, r.stdout + r.stderr

    def start(self):
        opts = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        r = self._run("pg_ctl", "-D", self.data, "-l", self.log, "-o", opts, "-w", "-t", "60",
                      "start")
        assert r.returncode == 0, r.stdout + r.stderr + self.server_log()

    def stop(self):
        self._run("pg_ctl", "-D", self.data, "-m", "immediate", "-w", "stop")

    def server_log(self):
        try:
            with open(self.log) as f:
                return f.read()
        except OSError:
            return ""

    def sql(self, statement, db="postgres"):
        """Run @statement with psql (as any user: it is a client over TCP)."""
        r = subprocess.run([os.path.join(self.bindir, "psql"), "-X", "-q", "-A", "-t",
                            "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", str(self.port),
                            "-U", "postgres", "-d", db, "-c", statement],
                           capture_output=True, text=True, timeout=30)
        assert r.returncode == 0, r.stderr
        return r.stdout.strip()

    def dsn(self, db="postgres"):
        return f"host=127.0.0.1 port={self.port} dbname={db} user=postgres"

    def cleanup(self):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture(scope="module")
def pg():
    bindir = pg_bindir()
    if not bindir or not os.path.exists(os.path.join(bindir, "pg_ctl")):
        pytest.skip("PostgreSQL server binaries not installed (Debian postgresql)")
    server = Postgres(bindir)
    try:
        server.init()
        server.start()
        yield server
    finally:
        server.cleanup()


def probe(tmp_path, monitor_yaml):
    """`tocsin probe` of one monitor with id "db"; returns (exit code, stdout)."""
    path = tmp_path / "tocsin.yaml"
    path.write_text(dedent(BASIC_CONFIG) + "monitors:\n" + dedent(monitor_yaml))
    r = run_cli("probe", "-c", path, "db")
    return r.returncode, r.stdout + r.stderr


def test_healthy_probe_shows_the_details(pg, tmp_path):
    code, out = probe(tmp_path, f"""
        - id: db
          kind: postgres
          dsn: "{pg.dsn()}"
          conditions: ["[CONNECTED] == true", "[ROWS] == 1", "[READ_ONLY] == false",
                       "[IN_RECOVERY] == false", "[CONNECT_TIME] < 5000", "[QUERY_TIME] < 5000"]
        """)
    assert code == 0, out
    assert "verdict    up" in out
    assert "connected  yes  ip 127.0.0.1" in out
    assert "PASS up       [ROWS] (1) == 1" in out
    assert "PASS up       [READ_ONLY] (false) == false" in out
    assert "PASS up       [IN_RECOVERY] (false) == false" in out
    assert f"127.0.0.1:{pg.port}/postgres" in out


def test_password_from_the_environment_is_never_shown(pg, tmp_path, monkeypatch):
    # trust authentication ignores the password, so the run is up; the password must not
    # appear in anything tocsin prints.
    monkeypatch.setenv("TC_TEST_PGPASSWORD", "s3cr3t-pw-value")
    code, out = probe(tmp_path, f"""
        - id: db
          kind: postgres
          dsn: "{pg.dsn()} password=${{TC_TEST_PGPASSWORD}}"
          query: SELECT 1 AS one
        """)
    assert code == 0, out
    assert "s3cr3t" not in out


def test_result_column(pg, tmp_path):
    code, out = probe(tmp_path, f"""
        - id: db
          kind: postgres
          dsn: "{pg.dsn()}"
          query: "SELECT 42 AS x, 'hello' AS word, true AS ok, NULL AS nothing"
          conditions: ["[RESULT].x == 42", "[RESULT].word == hello", "[RESULT].ok == true",
                       "[RESULT].nothing != 1", "[ROWS] == 1"]
        """)
    assert code == 0, out
    assert "PASS up       [RESULT].x (42) == 42" in out
    code, out = probe(tmp_path, f"""
        - id: db
          kind: postgres
          dsn: "{pg.dsn()}"
          query: "SELECT 41 AS x"
          conditions: ["[RESULT].x == 42"]
        """)
    assert code == 1, out
    assert "FAIL up       [RESULT].x (41) == 42" in out


def test_rows_of_a_multi_row_query(pg, tmp_path):
    code, out = probe(tmp_path, f"""
        - id: db
          kind: postgres
          dsn: "{pg.dsn()}"
          query: "SELECT generate_series(1, 5) AS n"
          conditions: ["[ROWS] == 5", "[RESULT].n == 1"]
        """)
    assert code == 0, out


def test_read_only_database_fails_the_write(pg, tmp_path):
    pg.sql("CREATE DATABASE ro_test")
    pg.sql("CREATE TABLE heartbeat (id int PRIMARY KEY, at timestamptz)", db="ro_test")
    upsert = ("INSERT INTO heartbeat VALUES (1, now()) "
              "ON CONFLICT (id) DO UPDATE SET at = excluded.at")
    monitor = f"""
        - id: db
          kind: postgres
          dsn: "{pg.dsn('ro_test')}"
          write_query: "{upsert}"
          conditions: ["[CONNECTED] == true"]
        """
    code, out = probe(tmp_path, monitor)
    assert code == 0, out
    assert pg.sql("SELECT count(*) FROM heartbeat", db="ro_test") == "1"

    pg.sql("ALTER DATABASE ro_test SET default_transaction_read_only = on")
    code, out = probe(tmp_path, monitor)
    assert code == 1, out
    assert "25006: cannot execute INSERT in a read-only transaction" in out
    assert "verdict    down: 25006" in out
    assert "read_only true" in out

    # Without write_query, [READ_ONLY] tells the same story.
    code, out = probe(tmp_path, f"""
        - id: db
          kind: postgres
          dsn: "{pg.dsn('ro_test')}"
          conditions: ["[READ_ONLY] == false"]
        """)
    assert code == 1, out
    assert "FAIL up       [READ_ONLY] (true) == false" in out


def test_slow_query_is_degraded(pg, tmp_path):
    code, out = probe(tmp_path, f"""
        - id: db
          kind: postgres
          dsn: "{pg.dsn()}"
          query: SELECT pg_sleep(0.6)
          degraded_conditions: ["[QUERY_TIME] < 300"]
        """)
    assert code == 3, out
    assert "verdict    degraded: [QUERY_TIME] (" in out


def test_statement_timeout(pg, tmp_path):
    started = time.monotonic()
    code, out = probe(tmp_path, f"""
        - id: db
          kind: postgres
          dsn: "{pg.dsn()}"
          timeout: 5s
          statement_timeout: 300ms
          query: SELECT pg_sleep(3)
        """)
    assert code == 1, out
    assert "57014: canceling statement due to statement timeout" in out
    assert time.monotonic() - started < 3


def test_monitor_timeout_while_the_query_sleeps(pg, tmp_path):
    started = time.monotonic()
    code, out = probe(tmp_path, f"""
        - id: db
          kind: postgres
          dsn: "{pg.dsn()}"
          timeout: 500ms
          statement_timeout: 10s
          query: SELECT pg_sleep(3)
        """)
    assert code == 1, out
    assert "timed out after 500 ms running the query" in out
    assert time.monotonic() - started < 2.5


def test_sql_error_carries_sqlstate(pg, tmp_path):
    code, out = probe(tmp_path, f"""
        - id: db
          kind: postgres
          dsn: "{pg.dsn()}"
          query: SELECT * FROM no_such_table
          conditions: ["[CONNECTED] == true"]
        """)
    assert code == 1, out
    assert 'verdict    down: 42P01: relation "no_such_table" does not exist' in out


def test_unix_socket_and_uri(pg, tmp_path):
    code, out = probe(tmp_path, f"""
        - id: db
          kind: postgres
          dsn: "host={pg.dir} port={pg.port} user=postgres"
        """)
    assert code == 0, out
    code, out = probe(tmp_path, f"""
        - id: db
          kind: postgres
          dsn: "postgresql://postgres@localhost:{pg.port}/postgres?application_name=t"
        """)
    assert code == 0, out


def test_bad_dsn_is_a_config_error(tmp_path):
    path = tmp_path / "tocsin.yaml"
    path.write_text(dedent(BASIC_CONFIG) + dedent("""
        monitors:
          - id: db
            kind: postgres
            dsn: "postgresql://u:hunter2@[::1/db"
        """))
    r = run_cli("check-config", "-c", path)
    assert r.returncode != 0
    assert "dsn is not a libpq connection string" in r.stderr
    assert "hunter2" not in r.stderr


def test_daemon_feeds_the_component(pg, start_daemon):
    d = start_daemon(BASIC_CONFIG + dedent(f"""
        monitors:
          - id: db
            kind: postgres
            interval: 1s
            dsn: "{pg.dsn()}"
            query: SELECT 42 AS x
            conditions: ["[RESULT].x == 42"]
            success_threshold: 1
            failure_threshold: 1
            components: [rest]
        """))

    def state():
        text = requests.get(d.url("/metrics"), timeout=5).text
        return 'tocsin_monitor_state{monitor="db",state="up"} 1' in text
    d.wait_for(state, timeout=10, what="monitor db up")
    comps = requests.get(d.url("/api/v2/components.json"), timeout=5).json()["components"]
    assert [c["status"] for c in comps if c["name"] == "REST API"] == ["operational"]


def test_server_stopped_is_down(pg, tmp_path):
    pg.stop()
    try:
        code, out = probe(tmp_path, f"""
            - id: db
              kind: postgres
              dsn: "{pg.dsn()}"
              conditions: ["[CONNECTED] == true"]
            """)
        assert code == 1, out
        assert "connected  no" in out
        assert f'connection to server at "127.0.0.1", port {pg.port} failed' in out
        assert "verdict    down" in out
    finally:
        pg.start()


def test_sigterm_while_a_query_sleeps(pg, start_daemon):
    d = start_daemon(BASIC_CONFIG + dedent(f"""
        monitors:
          - id: db
            kind: postgres
            interval: 30s
            timeout: 20s
            dsn: "{pg.dsn()}"
            query: SELECT pg_sleep(15)
            components: [rest]
        """))

    def sleeping():
        return pg.sql("SELECT count(*) FROM pg_stat_activity "
                      "WHERE query = 'SELECT pg_sleep(15)' AND state = 'active'") == "1"
    d.wait_for(sleeping, timeout=10, what="the probe's query running")
    started = time.monotonic()
    d.stop()  # SIGTERM; asserts exit 0 and no sanitizer report
    assert time.monotonic() - started < 5


@pytest.fixture
def silent_port():
    """A port that accepts TCP connections (the kernel does) but never says a word: the
    startup packet goes unanswered, so a probe hangs while connecting."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(16)
    yield s.getsockname()[1]
    s.close()


def test_timeout_while_connecting(tmp_path, silent_port):
    code, out = probe(tmp_path, f"""
        - id: db
          kind: postgres
          dsn: "host=127.0.0.1 port={silent_port} user=postgres"
          timeout: 500ms
        """)
    assert code == 1, out
    assert "connected  no" in out
    assert "timed out after 500 ms connecting" in out


def test_sigterm_while_connecting(start_daemon, silent_port):
    d = start_daemon(BASIC_CONFIG + dedent(f"""
        monitors:
          - id: db
            kind: postgres
            interval: 30s
            timeout: 20s
            dsn: "host=localhost port={silent_port} user=postgres"
        """))
    time.sleep(1.0)
    d.stop()
