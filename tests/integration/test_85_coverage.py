"""What the probes missed (issue 15): for incidents people opened, `tocsin report coverage`,
`GET /v1/pages/<id>/coverage` and the console say whether a monitor feeding the incident's
components failed first (and how long before), only after it began, or not at all, and list
the components no monitor feeds. The store is built by hand: incidents imported, monitor
results written as the engine writes them."""

import json
import re
import sqlite3
from datetime import datetime, timedelta, timezone

import requests

from conftest import Daemon, dedent, run_cli
from test_80_write_api import api, make_key
from test_95_console import add_user, console_session

CONFIG = """\
page:
  id: cov
  name: Coverage Test
  time_zone: Etc/UTC
components:
  - {id: api, name: Public API}
  - {id: vendor, name: Speech vendor}
monitors:
  - id: api-health
    kind: http
    url: http://127.0.0.1:9/health
    interval: 1h
    components: [api]
"""

# Two days ago: within the 7 days raw results are kept (older ones are rolled up by hour).
T0 = (datetime.now(timezone.utc) - timedelta(days=2)).replace(minute=0, second=0,
                                                              microsecond=0)


def incident(iid, name, start, minutes, component):
    end = start + timedelta(minutes=minutes)
    iso = lambda t: t.isoformat().replace("+00:00", "Z")
    return {"id": iid, "name": name, "status": "resolved", "impact": "major",
            "created_at": iso(start), "started_at": iso(start), "updated_at": iso(end),
            "resolved_at": iso(end), "components": [{"id": component, "name": component,
                                                     "status": "operational"}],
            "incident_updates": [
                {"id": iid + "r", "status": "resolved", "body": "Fixed.", "created_at": iso(end),
                 "display_at": iso(end), "affected_components": [
                     {"code": component, "name": component, "old_status": "major_outage",
                      "new_status": "operational"}]},
                {"id": iid + "i", "status": "investigating", "body": "Looking.",
                 "created_at": iso(start), "display_at": iso(start),
                 "affected_components": [
                     {"code": component, "name": component, "old_status": "operational",
                      "new_status": "major_outage"}]}]}


def test_coverage_verdicts(tmp_path):
    d = Daemon(tmp_path, dedent(CONFIG))
    history = tmp_path / "history.json"
    history.write_text(json.dumps({"incidents": [
        incident("covfirst0001", "Seen first", T0, 30, "api"),
        incident("covafter0001", "Seen late", T0 + timedelta(hours=3), 30, "api"),
        incident("covmissd0001", "Not seen", T0 + timedelta(hours=6), 30, "api"),
        incident("covblind0001", "Vendor down", T0 + timedelta(hours=9), 30, "vendor"),
    ]}))
    p = run_cli("import", "-c", d.config_path, "--data", d.data_dir, "statuspage", history)
    assert p.returncode == 0, p.stderr
    # The monitor failed 2 minutes before the first incident, and 5 minutes into the second.
    db = sqlite3.connect(d.data_dir / "tocsin.db")
    db.execute("INSERT INTO monitor (name) VALUES ('api-health')")
    ms = lambda t: int(t.timestamp() * 1000)
    for at, verdict in [(T0 - timedelta(minutes=10), 0), (T0 - timedelta(minutes=2), 2),
                        (T0 + timedelta(hours=3, minutes=5), 2),
                        (T0 + timedelta(hours=6, minutes=10), 0)]:
        db.execute("INSERT INTO result (monitor, at, verdict, latency_us, reason) VALUES"
                   " ((SELECT id FROM monitor WHERE name = 'api-health'), ?, ?, 1000, 'x')",
                   (ms(at), verdict))
    db.commit()
    db.close()

    p = run_cli("report", "-c", d.config_path, "--data", d.data_dir, "coverage", "--since",
                "3650d")
    assert p.returncode == 0, p.stderr
    lines = {re.split(r"\s{2,}", ln)[2]: ln for ln in p.stdout.splitlines()[1:5]}
    assert "detected first" in lines["Seen first"] and "2 min before by api-health" in \
        lines["Seen first"]
    assert "detected after" in lines["Seen late"] and "5 min after by api-health" in \
        lines["Seen late"]
    assert "missed" in lines["Not seen"] and "no monitor of its components failed" in \
        lines["Not seen"]
    assert "missed" in lines["Vendor down"] and "no monitor feeds" in lines["Vendor down"]
    assert "Components no monitor feeds: Speech vendor" in p.stdout
    assert "4 incidents" in p.stdout and "1 detected first, 1 detected after, 2 missed" \
        in p.stdout

    d.start()
    try:
        key = make_key(d)
        status, doc = api(d, "GET", "/v1/pages/cov/coverage?since_days=3650", key=key)
        assert status == 200, doc
        by = {i["name"]: i for i in doc["incidents"]}
        assert by["Seen first"]["verdict"] == "detected first"
        assert by["Seen first"]["lead_seconds"] == 120
        assert by["Seen late"]["lag_seconds"] == 300
        assert by["Not seen"]["verdict"] == "missed" and not by["Not seen"]["unmonitored"]
        assert by["Vendor down"]["unmonitored"]
        assert doc["unmonitored_components"] == ["vendor"]
        assert doc["summary"] == {"detected_first": 1, "detected_after": 1, "missed": 2}
        status, err = api(d, "GET", "/v1/pages/cov/coverage?since_days=x", key=key)
        assert status == 400 and "since_days" in err["error"]
        add_user(d, "olga")
        s, _ = console_session(d, "olga")
        page = s.get(d.url("/admin/coverage?days=3650")).text
        assert "Seen first" in page and "2 min before, by api-health" in page
        assert "Speech vendor" in page.split("Blind spots")[1]
    finally:
        d.stop()
