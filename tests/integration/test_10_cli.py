"""Command line: version, help, exit codes and config diagnostics (FILE:LINE:COL: message)."""

import re
import subprocess
import time

import pytest

from conftest import (BASIC_CONFIG, TOCSIN_BIN, assert_no_sanitizer_report, dedent, free_port,
                      port_is_listening, run_cli, sanitizer_env)


def test_version():
    p = run_cli("--version")
    assert p.returncode == 0
    assert re.fullmatch(r"tocsin \d+\.\d+\.\d+\n", p.stdout), p.stdout


def test_help():
    p = run_cli("help")
    assert p.returncode == 0
    out = p.stdout + p.stderr
    for cmd in ("serve", "check-config", "help"):
        assert cmd in out


def test_help_serve():
    p = run_cli("help", "serve")
    assert p.returncode == 0
    out = p.stdout + p.stderr
    for opt in ("--config", "--listen", "--data", "SIGHUP"):
        assert opt in out


def test_unknown_command_exits_2():
    p = run_cli("frobnicate")
    assert p.returncode == 2
    assert "frobnicate" in p.stderr


def test_no_command_is_not_success():
    p = run_cli()
    assert p.returncode != 0


def test_check_config_good(tmp_path):
    f = tmp_path / "good.yaml"
    f.write_text(BASIC_CONFIG)
    p = run_cli("check-config", "-c", f)
    assert p.returncode == 0, p.stderr
    assert p.stderr == ""
    assert "ok" in p.stdout


def test_check_config_example_file():
    from conftest import REPO
    p = run_cli("check-config", "-c", REPO / "examples" / "tocsin.yaml")
    assert p.returncode == 0, p.stderr


# (name, config text, expected line, expected column, words the message must contain)
BAD_CONFIGS = [
    ("unknown_key", """\
        page:
          name: X
          colour: red
        """, 3, 3, ["unknown key", "colour"]),
    ("unknown_root_key", """\
        page:
          name: X
        extra:
          a: 1
        """, 3, 1, ["unknown key", "extra"]),
    ("wrong_type_int", """\
        page:
          name: X
        server:
          connection_timeout: abc
        """, 4, 23, ["connection_timeout", "integer"]),
    ("wrong_type_bool", """\
        page:
          name: X
        components:
          - id: a
            name: A
            only_show_if_degraded: maybe
        """, 6, 28, ["only_show_if_degraded", "true or false"]),
    ("wrong_type_list", """\
        page:
          name: X
        components:
          id: a
        """, 4, 3, ["components", "list"]),
    ("duplicate_id", """\
        page:
          name: X
        components:
          - id: a
            name: A
          - id: a
            name: B
        """, 6, 9, ["duplicate id", '"a"']),
    ("duplicate_id_group_component", """\
        page:
          name: X
        groups:
          - id: shared
            name: G
        components:
          - id: shared
            name: C
        """, 7, 9, ["duplicate id", "shared"]),
    ("unknown_group", """\
        page:
          name: X
        components:
          - id: a
            name: A
            group: nope
        """, 6, 12, ["unknown group", "nope"]),
    ("unknown_time_zone", """\
        page:
          name: X
          time_zone: Mars/Olympus
        """, 3, 14, ["time zone", "Mars/Olympus"]),
    ("duplicate_yaml_key", """\
        page:
          name: A
          name: B
        """, 3, 3, ["duplicate key", "name", "line 2"]),
    ("unset_env_var", """\
        page:
          name: ${TOCSIN_TEST_SURELY_UNSET_VAR}
        """, 2, 9, ["TOCSIN_TEST_SURELY_UNSET_VAR", "not set"]),
    ("unset_env_var_quoted", """\
        page:
          name: "Hello ${TOCSIN_TEST_SURELY_UNSET_VAR}"
        """, 2, 16, ["TOCSIN_TEST_SURELY_UNSET_VAR", "not set"]),
    ("bad_id", """\
        page:
          name: X
        components:
          - id: "has space"
            name: A
        """, 4, 9, ["id", "letters"]),
    ("empty_file", "", 1, 1, ["empty"]),
    ("missing_page_name", """\
        page:
          id: abc
        """, 2, 3, ["missing required key", "name"]),
]


@pytest.mark.parametrize("name,text,line,col,words", BAD_CONFIGS,
                         ids=[c[0] for c in BAD_CONFIGS])
def test_check_config_bad(tmp_path, name, text, line, col, words):
    f = tmp_path / f"{name}.yaml"
    f.write_text(dedent(text))
    p = run_cli("check-config", "-c", f)
    assert p.returncode == 2, (p.stdout, p.stderr)
    lines = [l for l in p.stderr.splitlines() if l]
    assert lines, "no diagnostic on stderr"
    first = lines[0]
    prefix = f"{f}:{line}:{col}: "
    assert first.startswith(prefix), f"expected {prefix!r}, got {first!r}"
    for w in words:
        assert w in first, f"{w!r} not in {first!r}"
    for l in lines:
        assert re.match(r"^.+:\d+:\d+: \S", l), f"not FILE:LINE:COL: message: {l!r}"


def test_check_config_reports_every_error(tmp_path):
    f = tmp_path / "many.yaml"
    f.write_text(dedent("""\
        page:
          name: X
          colour: red
        components:
          - id: a
            name: A
            group: nope
        """))
    p = run_cli("check-config", "-c", f)
    assert p.returncode == 2
    assert f"{f}:3:3:" in p.stderr
    assert f"{f}:7:12:" in p.stderr


def test_check_config_missing_file(tmp_path):
    f = tmp_path / "does-not-exist.yaml"
    p = run_cli("check-config", "-c", f)
    assert p.returncode == 2
    assert p.stderr.startswith(f"{f}:1:1: "), p.stderr
    assert "No such file" in p.stderr or "cannot read" in p.stderr


def test_check_config_directory(tmp_path):
    p = run_cli("check-config", "-c", tmp_path)
    assert p.returncode == 2
    assert re.match(rf"^{re.escape(str(tmp_path))}:\d+:\d+: ", p.stderr), p.stderr


def test_check_config_yaml_syntax_error(tmp_path):
    f = tmp_path / "syntax.yaml"
    f.write_text("page:\n  name: [unclosed\n")
    p = run_cli("check-config", "-c", f)
    assert p.returncode == 2
    assert re.match(rf"^{re.escape(str(f))}:\d+:\d+: ", p.stderr), p.stderr


def test_check_config_without_file_is_usage_error():
    p = run_cli("check-config")
    assert p.returncode == 2


def test_serve_unknown_option_exits_2():
    p = run_cli("serve", "--no-such-option")
    assert p.returncode == 2


def test_serve_bad_config_exits_2_and_does_not_listen(tmp_path):
    f = tmp_path / "bad.yaml"
    f.write_text("page:\n  name: X\n  colour: red\n")
    port = free_port()
    proc = subprocess.Popen(
        [TOCSIN_BIN, "serve", "-c", str(f), "--listen", f"127.0.0.1:{port}", "--data",
         str(tmp_path / "data")],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env=sanitizer_env())
    # While it runs (if at all), nothing must accept connections on the port.
    deadline = time.monotonic() + 10
    while proc.poll() is None and time.monotonic() < deadline:
        assert not port_is_listening(port), "serve with a bad config accepted a connection"
        time.sleep(0.02)
    try:
        out, err = proc.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        pytest.fail("serve with a bad config did not exit")
    assert_no_sanitizer_report(err)
    assert proc.returncode == 2, err
    assert f"{f}:3:3: " in err
    assert not port_is_listening(port)


def test_serve_bad_listen_exits_2(tmp_path):
    f = tmp_path / "good.yaml"
    f.write_text(BASIC_CONFIG)
    p = run_cli("serve", "-c", f, "--listen", "nonsense", "--data", tmp_path / "data")
    assert p.returncode == 2


def test_serve_bad_log_level_exits_2(tmp_path):
    f = tmp_path / "good.yaml"
    f.write_text(BASIC_CONFIG)
    p = run_cli("serve", "-c", f, "--log-level", "bogus", "--listen",
                f"127.0.0.1:{free_port()}", "--data", tmp_path / "data")
    assert p.returncode == 2


def test_env_var_default_and_value(tmp_path):
    f = tmp_path / "env.yaml"
    f.write_text("page:\n  name: ${TOCSIN_TEST_PAGE_NAME:-Fallback Name}\n")
    p = run_cli("check-config", "-c", f)
    assert p.returncode == 0, p.stderr
    assert "Fallback Name" in p.stdout
    env = sanitizer_env()
    env["TOCSIN_TEST_PAGE_NAME"] = "From Env"
    p = subprocess.run([TOCSIN_BIN, "check-config", "-c", str(f)], capture_output=True,
                       text=True, env=env, timeout=30)
    assert p.returncode == 0, p.stderr
    assert "From Env" in p.stdout
