"""Black-box tests of the postgres probe kind against a real PostgreSQL started here
(pgserver.py: Debian's initdb into a temporary directory, the server on 127.0.0.1, run as
`nobody` when the tests run as root). Each case runs `tocsin probe` (exit 0 up, 1 down, 3 degraded) or a daemon, and checks what it
prints or publishes. The module is skipped only when the PostgreSQL server binaries are not
installed (Debian postgresql).

Run with /usr/bin/python3 -m pytest tests/integration/test_66_postgres.py; the binary is
$TOCSIN_BIN (default build-san/tocsin).
"""
import socket
import time

import pytest
import requests

from conftest import BASIC_CONFIG, dedent, run_cli
from pgserver import pg  # noqa: F401 (the fixture)


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
          timeout: 60s
          statement_timeout: 300ms
          query: SELECT pg_sleep(60)
        """)
    assert code == 1, out
    assert "57014: canceling statement due to statement timeout" in out
    # Far below the 60 s the query and the monitor would take, however busy the machine.
    assert time.monotonic() - started < 30


def test_monitor_timeout_while_the_query_sleeps(pg, tmp_path):
    started = time.monotonic()
    code, out = probe(tmp_path, f"""
        - id: db
          kind: postgres
          dsn: "{pg.dsn()}"
          timeout: 500ms
          statement_timeout: 60s
          query: SELECT pg_sleep(60)
        """)
    assert code == 1, out
    assert "timed out after 500 ms running the query" in out
    # Not left waiting for the 60 s query, however busy the machine.
    assert time.monotonic() - started < 30


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
            interval: 120s
            timeout: 90s
            dsn: "{pg.dsn()}"
            query: SELECT pg_sleep(60)
            components: [rest]
        """))

    def sleeping():
        return pg.sql("SELECT count(*) FROM pg_stat_activity "
                      "WHERE query = 'SELECT pg_sleep(60)' AND state = 'active'") == "1"
    d.wait_for(sleeping, timeout=10, what="the probe's query running")
    # SIGTERM; asserts exit 0 and no sanitizer report, and fails after conftest's
    # STOP_TIMEOUT (10 s), far below the 60 s the query would take: the stop does not wait
    # for it, however busy the machine.
    d.stop()


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
