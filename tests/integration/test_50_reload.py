"""SIGHUP reload and the logfmt log."""

import re
import signal

import requests

from conftest import BASIC_CONFIG, dedent

LOGFMT_RE = re.compile(
    r'^ts=\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z level=(debug|info|warn|error) '
    r'module=[a-z_]+ msg="(?:[^"\\]|\\.)*"$')

NEW_COMPONENT = """\
  - id: search
    name: Search Service
    group: api
    description: Full-text search.
"""

# BASIC_CONFIG with an unknown key at line 2, column 3.
BROKEN_CONFIG = BASIC_CONFIG.replace("page:\n", "page:\n  colour: red\n", 1)
assert BROKEN_CONFIG.splitlines()[1] == "  colour: red"


def component_ids(d):
    r = requests.get(d.url("/api/v2/components.json"), timeout=5)
    assert r.status_code == 200
    return [c["id"] for c in r.json()["components"]]


def components(d):
    r = requests.get(d.url("/api/v2/components.json"), timeout=5)
    assert r.status_code == 200
    return {c["id"]: c for c in r.json()["components"]}


def reload_with(d, text):
    d.config_path.write_text(dedent(text))
    d.signal(signal.SIGHUP)


def assert_logfmt(text):
    lines = [l for l in text.splitlines() if l.strip()]
    assert lines, "no log lines"
    for l in lines:
        assert LOGFMT_RE.match(l), f"not a logfmt line: {l!r}"


def test_reload_adds_component(daemon):
    before = components(daemon)
    etag = requests.get(daemon.url("/api/v2/components.json"), timeout=5).headers["ETag"]
    assert "search" not in before
    reload_with(daemon, BASIC_CONFIG + NEW_COMPONENT)
    daemon.wait_for(lambda: "search" in component_ids(daemon), timeout=5,
                    what="new component after SIGHUP")
    after = components(daemon)
    assert after["search"]["group_id"] == "api"
    assert after["search"]["description"] == "Full-text search."
    assert after["search"]["position"] == 3
    assert after["api"]["components"] == ["rest", "websocket", "search"]
    # Existing rows keep their identity and creation time.
    for cid, c in before.items():
        assert after[cid]["created_at"] == c["created_at"], cid
    # The new document has a new ETag; the page shows the new component too.
    r = requests.get(daemon.url("/api/v2/components.json"), timeout=5)
    assert r.headers["ETag"] != etag
    page = requests.get(daemon.url("/"), timeout=5).text
    assert "Search Service" in page
    summary = requests.get(daemon.url("/api/v2/summary.json"), timeout=5).json()
    assert "search" in [c["id"] for c in summary["components"]]
    assert "level=info" in daemon.stderr and "reload" in daemon.stderr


def test_reload_removes_and_renames(daemon):
    text = BASIC_CONFIG.replace("name: Dashboard", "name: Control Panel")
    text = text.replace("  - id: deepgram\n    name: Deepgram\n    group: vendors\n", "")
    reload_with(daemon, text)
    daemon.wait_for(lambda: "deepgram" not in component_ids(daemon), timeout=5,
                    what="component removed after SIGHUP")
    after = components(daemon)
    assert after["dashboard"]["name"] == "Control Panel"
    assert after["vendors"]["components"] == []
    page = requests.get(daemon.url("/"), timeout=5).text
    assert "Control Panel" in page and "Deepgram" not in page


def test_reload_changes_time_zone(daemon):
    reload_with(daemon, BASIC_CONFIG.replace("Etc/UTC", "Asia/Kolkata"))
    daemon.wait_for(
        lambda: requests.get(daemon.url("/api/v2/status.json"), timeout=5)
        .json()["page"]["time_zone"] == "Asia/Kolkata", timeout=5, what="new time zone")
    body = requests.get(daemon.url("/api/v2/summary.json"), timeout=5).json()
    assert body["page"]["updated_at"].endswith("+05:30")
    for c in body["components"]:
        assert c["created_at"].endswith("+05:30"), c["created_at"]
    assert "Asia/Kolkata" in requests.get(daemon.url("/"), timeout=5).text


def test_reload_broken_file_keeps_running_config(daemon):
    reload_with(daemon, BASIC_CONFIG + NEW_COMPONENT)
    daemon.wait_for(lambda: "search" in component_ids(daemon), timeout=5,
                    what="first reload")
    good = components(daemon)

    reload_with(daemon, BROKEN_CONFIG)
    where = f"{daemon.config_path}:2:3"
    line = daemon.wait_for(
        lambda: next((l for l in daemon.stderr.splitlines()
                      if "level=error" in l and where in l), None),
        timeout=5, what="error log line for the broken file")
    assert "colour" in line
    assert LOGFMT_RE.match(line), line
    # Still serving the previous generation.
    assert components(daemon) == good
    assert requests.get(daemon.url("/healthz"), timeout=5).status_code == 200
    assert "Search Service" in requests.get(daemon.url("/"), timeout=5).text

    # Fixing the file and reloading again works.
    reload_with(daemon, BASIC_CONFIG)
    daemon.wait_for(lambda: "search" not in component_ids(daemon), timeout=5,
                    what="reload after fixing the file")


def test_reload_missing_file_keeps_running_config(daemon):
    before = components(daemon)
    daemon.config_path.rename(daemon.config_path.with_suffix(".moved"))
    daemon.signal(signal.SIGHUP)
    where = f"{daemon.config_path}:1:1"
    daemon.wait_for(lambda: any("level=error" in l and where in l
                                for l in daemon.stderr.splitlines()),
                    timeout=5, what="error log line for the missing file")
    assert components(daemon) == before
    daemon.config_path.with_suffix(".moved").rename(daemon.config_path)


def test_reload_every_error_logged(daemon):
    text = BROKEN_CONFIG + "  - id: orphan\n    name: Orphan\n    group: nosuchgroup\n"
    reload_with(daemon, text)

    def error_lines():
        found = [l for l in daemon.stderr.splitlines()
                 if "level=error" in l and str(daemon.config_path) in l]
        return found if len(found) >= 2 else None

    joined = "\n".join(daemon.wait_for(error_lines, timeout=5, what="two error lines"))
    assert f"{daemon.config_path}:2:3" in joined
    assert "nosuchgroup" in joined
    assert "orphan" not in component_ids(daemon)


def test_many_reloads(daemon):
    for i in range(5):
        extra = f"  - id: extra{i}\n    name: Extra {i}\n"
        reload_with(daemon, BASIC_CONFIG + extra)
        daemon.wait_for(lambda: f"extra{i}" in component_ids(daemon), timeout=5,
                        what=f"reload {i}")
    ids = component_ids(daemon)
    assert "extra4" in ids and "extra0" not in ids


def test_logs_are_logfmt(daemon):
    reload_with(daemon, BROKEN_CONFIG)
    daemon.wait_for(lambda: "level=error" in daemon.stderr, timeout=5, what="error line")
    reload_with(daemon, BASIC_CONFIG + NEW_COMPONENT)
    daemon.wait_for(lambda: "search" in component_ids(daemon), timeout=5, what="reload")
    daemon.stop()
    text = daemon.stderr
    assert_logfmt(text)
    levels = set(re.findall(r" level=(\w+) ", text))
    assert {"info", "error"} <= levels
    assert re.search(r'^ts=\S+ level=info module=\w+ msg=".*serving', text, re.M)
    assert re.search(r'^ts=\S+ level=info module=\w+ msg="stopped"', text, re.M)
