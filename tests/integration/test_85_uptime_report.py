"""Black-box tests of the uptime report (issue 18): /uptime and /api/v2/uptime.json over a
store pre-filled with known outages (status log rows written while the daemon is stopped,
past incidents brought in with `tocsin import statuspage`): per component and per month of
the page's zone (Europe/Berlin, so months do not start at UTC midnight), the exact outage
minutes, the uptime with Statuspage's weighting (major 100%, partial 30%, degraded 0%), and
the incidents behind each month, linked; maintenance and other components' incidents are not
listed; components with showcase: false are left out; the page's footer links the report."""

import html
import json
import re
import sqlite3
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from conftest import run_cli
from test_80_write_api import get_json, get_text

ZONE = ZoneInfo("Europe/Berlin")

CONFIG = """\
page:
  id: testpage
  name: Tocsin Test Page
  url: http://status.example.test
  time_zone: Europe/Berlin
groups:
  - id: api
    name: API Group
components:
  - id: rest
    name: REST API
    group: api
  - id: dash
    name: Dashboard
  - id: quiet
    name: Quiet
    showcase: false
"""

MIN = timedelta(minutes=1)


def month_starts(now):
    """Local midnights starting the 12 report months, oldest first, and the next month's."""
    first = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    out = []
    for back in range(11, -2, -1):
        y, m = divmod(first.year * 12 + first.month - 1 - back, 12)
        out.append(datetime(y, m + 1, 1, tzinfo=ZONE))
    return out


def ms(t):
    return int(t.timestamp() * 1000)


def iso(t):
    return t.astimezone(ZoneInfo("UTC")).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def incident(iid, name, start, end, code, maintenance=False, down="major_outage"):
    """A resolved incident (or completed maintenance) whose updates move @code to a major
    outage (under maintenance) and back, as Statuspage records them; the import puts those
    changes into the status log too (the same ones the fixture writes by hand)."""
    status = "completed" if maintenance else "resolved"
    down = "under_maintenance" if maintenance else down
    doc = {
        "id": iid, "name": name, "status": status, "impact": "maintenance" if maintenance
        else "major", "created_at": iso(start), "updated_at": iso(end), "started_at": iso(start),
        "resolved_at": iso(end), "monitoring_at": None, "shortlink": "", "page_id": "testpage",
        "components": [],
        "incident_updates": [
            {"id": iid + "r", "status": status, "body": "Fixed.", "incident_id": iid,
             "created_at": iso(end), "updated_at": iso(end), "display_at": iso(end),
             "affected_components": [{"code": code, "name": code, "old_status": down,
                                      "new_status": "operational"}]},
            {"id": iid + "i", "status": "in_progress" if maintenance else "investigating",
             "body": "Looking.", "incident_id": iid, "created_at": iso(start),
             "updated_at": iso(start), "display_at": iso(start),
             "affected_components": [{"code": code, "name": code, "old_status": "operational",
                                      "new_status": down}]},
        ],
    }
    if maintenance:
        doc["scheduled_for"], doc["scheduled_until"] = iso(start), iso(end)
    return doc


@pytest.fixture
def report(start_daemon, tmp_path):
    """A daemon whose store holds known outages; returns (daemon, month starts, incident
    ids)."""
    d = start_daemon(CONFIG)
    d.stop()
    m = month_starts(datetime.now(ZONE))
    rows = [
        ("rest", m[0], "operational"),
        # Across the boundary of months 8 and 9: 30 minutes before it, 20 after.
        ("rest", m[9] - 30 * MIN, "major_outage"),
        ("rest", m[9] + 20 * MIN, "operational"),
        ("rest", m[9] + timedelta(days=2, hours=10), "major_outage"),
        ("rest", m[9] + timedelta(days=2, hours=10) + 45 * MIN, "operational"),
        ("rest", m[9] + timedelta(days=5, hours=8), "partial_outage"),
        ("rest", m[9] + timedelta(days=5, hours=8) + 100 * MIN, "operational"),
        ("rest", m[9] + timedelta(days=6), "degraded_performance"),
        ("rest", m[9] + timedelta(days=6) + 60 * MIN, "operational"),
        # The dashboard exists from three days into month 3 on.
        ("dash", m[3] + timedelta(days=3), "operational"),
        ("dash", m[10] + timedelta(days=1), "partial_outage"),
        ("dash", m[10] + timedelta(days=1, hours=2), "operational"),
        ("quiet", m[5], "major_outage"),
        ("quiet", m[5] + 60 * MIN, "operational"),
    ]
    db = sqlite3.connect(d.data_dir / "tocsin.db")
    with db:
        db.executemany("INSERT INTO component_status_log (component_id, at, status)"
                       " VALUES (?, ?, ?)",
                       [(c, ms(t), s) for c, t, s in rows])
    db.close()
    incidents = [
        incident("night0000001", "Night outage", m[9] - 30 * MIN, m[9] + 20 * MIN, "rest"),
        incident("failover0001", "Database failover", m[9] + timedelta(days=2, hours=10),
                 m[9] + timedelta(days=2, hours=10) + 45 * MIN, "rest"),
        incident("upgrade00001", "Planned upgrade", m[9] + timedelta(days=8),
                 m[9] + timedelta(days=8, hours=1), "rest", maintenance=True),
        incident("dashslow0001", "Dashboard <slow>", m[10] + timedelta(days=1),
                 m[10] + timedelta(days=1, hours=2), "dash", down="partial_outage"),
    ]
    path = tmp_path / "incidents.json"
    path.write_text(json.dumps(incidents))
    p = run_cli("import", "-c", d.config_path, "--data", d.data_dir, "statuspage", path)
    assert p.returncode == 0, p.stderr
    d.start()
    return d, m


def minutes(a, b):
    return (b.timestamp() - a.timestamp()) / 60


def test_uptime_json_exact_figures(report):
    d, m = report
    doc = get_json(d, "/api/v2/uptime.json")
    assert doc["page"]["id"] == "testpage"
    assert doc["weights"] == {"major_outage": 1.0, "partial_outage": 0.3,
                              "degraded_performance": 0.0, "under_maintenance": 0.0}
    by_id = {c["id"]: c for c in doc["components"]}
    assert list(by_id) == ["rest", "dash"]  # display order; "quiet" is not showcased
    rest = by_id["rest"]
    assert rest["name"] == "REST API" and rest["group_id"] == "api"
    months = rest["months"]
    assert [x["month"] for x in months] == [t.strftime("%Y-%m") for t in m[:12]]
    for k in range(12):
        x = months[k]
        assert x["starts_at"] == m[k].isoformat(timespec="milliseconds")
        assert x["ends_at"] == m[k + 1].isoformat(timespec="milliseconds")
    expect = {8: (30, 0, 0), 9: (65, 100, 60)}  # major, partial, degraded minutes
    for k in range(11):  # complete months
        major, partial, degraded = expect.get(k, (0, 0, 0))
        x = months[k]
        observed = minutes(m[k], m[k + 1])
        down = major + 0.3 * partial
        assert x["major_outage_minutes"] == major, k
        assert x["partial_outage_minutes"] == partial, k
        assert x["degraded_performance_minutes"] == degraded, k
        # The imported maintenance: its updates put rest under maintenance for 1 h.
        assert x["under_maintenance_minutes"] == (60 if k == 9 else 0), k
        assert x["downtime_minutes"] == pytest.approx(down, abs=1e-9), k
        assert x["observed_minutes"] == observed, k
        assert x["uptime_percentage"] == pytest.approx((observed - down) / observed * 100,
                                                       abs=0.00006), k
    assert months[9]["downtime_minutes"] == 95
    assert months[11]["uptime_percentage"] == 100 and months[11]["downtime_minutes"] == 0
    # The incidents behind each month: the night outage in both of its months; never the
    # maintenance, nor the dashboard's incident.
    names = [[i["name"] for i in x["incidents"]] for x in months]
    assert names[8] == ["Night outage"]
    assert names[9] == ["Night outage", "Database failover"]
    assert sum(names, []) == ["Night outage", "Night outage", "Database failover"]
    night = months[8]["incidents"][0]
    assert night == {"id": "night0000001", "name": "Night outage", "impact": "major",
                     "shortlink": "http://status.example.test/incidents/night0000001"}

    dash = by_id["dash"]["months"]
    assert [x["uptime_percentage"] for x in dash[:3]] == [None, None, None]
    assert dash[3]["observed_minutes"] == minutes(m[3] + timedelta(days=3), m[4])
    assert dash[10]["partial_outage_minutes"] == 120
    assert dash[10]["downtime_minutes"] == 36
    assert [i["name"] for i in dash[10]["incidents"]] == ["Dashboard <slow>"]


def row_cells(page, component, month):
    """The cells of @month's row in @component's table, as text with links kept."""
    table = re.search(r'<h[23] id="u-%s">.*?</table>' % component, page, re.S).group(0)
    row = re.search(r'<tr><th scope="row">%s</th>(.*?)</tr>' % month, table, re.S).group(1)
    return re.findall(r"<td>(.*?)</td>", row, re.S)


def test_uptime_page(report):
    d, m = report
    page = get_text(d, "/uptime")
    assert "<title>Uptime - Tocsin Test Page Status</title>" in page
    assert "<h1>Uptime</h1>" in page and "Europe/Berlin" in page
    assert '<h2 class="report-group">API Group</h2>' in page
    assert 'id="u-quiet"' not in page and "Quiet" not in page
    observed = minutes(m[9], m[10])
    pct = (observed - 95) / observed * 100
    cells = row_cells(page, "rest", m[9].strftime("%b %Y"))
    assert cells[0] == "%.2f%%" % pct
    assert cells[1] == ("1 h 35 min<small>major outage 1 h 05 min, partial outage 1 h 40 min"
                        "</small>")
    assert cells[2] == ('<a href="/incidents/night0000001">Night outage</a><br>'
                        '<a href="/incidents/failover0001">Database failover</a>')
    cells = row_cells(page, "rest", m[8].strftime("%b %Y"))
    assert cells[1] == "30 min<small>major outage 30 min, partial outage none</small>"
    cells = row_cells(page, "rest", m[7].strftime("%b %Y"))
    assert cells == ["100.00%", "none", "&mdash;"]
    cells = row_cells(page, "dash", m[10].strftime("%b %Y"))
    assert cells[1] == "36 min<small>major outage none, partial outage 2 h 00 min</small>"
    assert html.unescape(re.sub("<[^>]+>", "", cells[2])) == "Dashboard <slow>"
    assert "Dashboard &lt;slow&gt;" in cells[2]
    assert row_cells(page, "dash", m[0].strftime("%b %Y")) == ["no data", "&mdash;", "&mdash;"]
    # Linked from the page's footer.
    assert '<a href="/uptime">Uptime</a>' in get_text(d, "/")
