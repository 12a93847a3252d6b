"""Black-box tests of the incident lifecycle (issue 5): investigating -> identified ->
monitoring -> resolved -> postmortem through the write API, as the public documents and pages
show it; impact and its override; component statuses returning to their monitors; automatic
incidents opened and resolved by monitors; scheduled maintenance moving by itself.

The maintenance window needs the daemon's 10 s maintenance tick twice (~20 s), so one daemon
is started for it by the first test of this module and checked by the last one; the tests in
between run meanwhile.
"""

import json
import re
import threading
import time

import pytest

from conftest import Daemon, dedent
from test_70_monitors import HttpTarget, http_monitor
from test_80_write_api import (PAGE, WRITE_CONFIG, api, create, get_json, get_text, indicator,
                               make_key, page_text, patch, public_ids, statuses,
                               wait_until)


def iso(ts):
    """A wall-clock time (seconds) as ISO-8601 UTC with milliseconds."""
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ts)) + ".%03dZ" % (
        int(ts * 1000) % 1000)


def labels_on_incident_page(d, inc_id):
    """The update headings of /incidents/<id>, top to bottom."""
    return re.findall(r'<li class="update[^"]*"><h2>([^<]*)</h2>',
                      page_text(d, "/incidents/" + inc_id))


# ---- maintenance: started first, checked last --------------------------------------------

class MaintenanceWatcher:
    """Polls /api/v2/summary.json (components, maintenances and the indicator from one
    snapshot) and active.json in a thread, so the tests in between cannot make the last test
    miss the in_progress window."""

    def __init__(self, d, inc_id):
        self.d, self.inc_id = d, inc_id
        self.seen = []  # (time, maintenance status or None, rest status, indicator, active?)
        self.errors = []
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self.stopping.is_set():
            try:
                summary = get_json(self.d, "/api/v2/summary.json")
                active = public_ids(self.d, "/api/v2/scheduled-maintenances/active.json",
                                    "scheduled_maintenances")
                mine = [m for m in summary["scheduled_maintenances"] if m["id"] == self.inc_id]
                rest = [c["status"] for c in summary["components"] if c["id"] == "rest"][0]
                self.seen.append((time.time(), mine[0]["status"] if mine else None, rest,
                                  summary["status"]["indicator"], self.inc_id in active))
            except Exception as e:  # noqa: BLE001 - reported by the test
                self.errors.append(repr(e))
            self.stopping.wait(0.15)

    def stop(self):
        self.stopping.set()
        self.thread.join(timeout=5)


@pytest.fixture(scope="module")
def maintenance(tmp_path_factory):
    """A daemon with a maintenance on `rest` whose window contains the daemon's second
    maintenance tick (ticks come at start-up and every 10 s after): scheduled_for is 6 s
    after the daemon was launched and scheduled_until 16 s after, so the tick ~10 s after
    start moves it to in_progress and the one ~20 s after to completed, even if start-up
    took a few seconds."""
    d = Daemon(tmp_path_factory.mktemp("maint"), dedent(WRITE_CONFIG))
    launched = time.time()
    d.start()
    watcher = None
    try:
        key = make_key(d)
        inc = create(d, key, name="Database upgrade", status="scheduled",
                     body="We will upgrade the database.", component_ids=["rest"],
                     scheduled_for=iso(launched + 6), scheduled_until=iso(launched + 16),
                     scheduled_auto_transition=True)
        watcher = MaintenanceWatcher(d, inc["id"])
        yield {"d": d, "key": key, "inc": inc, "launched": launched, "watcher": watcher}
    finally:
        if watcher:
            watcher.stop()
        d.stop()


def test_maintenance_scheduled_is_upcoming(maintenance):
    d, inc = maintenance["d"], maintenance["inc"]
    assert time.time() < maintenance["launched"] + 6, "start-up took too long to test this"
    assert inc["status"] == "scheduled" and inc["impact"] == "maintenance"
    assert inc["scheduled_for"] and inc["scheduled_until"]
    wait_until(d, lambda: inc["id"] in public_ids(d, "/api/v2/scheduled-maintenances/upcoming.json",
                                                    "scheduled_maintenances"),
               "the maintenance on upcoming.json")
    assert public_ids(d, "/api/v2/scheduled-maintenances/active.json",
                      "scheduled_maintenances") == []
    assert inc["id"] in public_ids(d, "/api/v2/scheduled-maintenances.json",
                                   "scheduled_maintenances")
    assert inc["id"] not in public_ids(d, "/api/v2/incidents/unresolved.json")
    summary = get_json(d, "/api/v2/summary.json")
    assert [m["id"] for m in summary["scheduled_maintenances"]] == [inc["id"]]
    status, doc = api(d, "GET", "incidents/upcoming", key=maintenance["key"])
    assert status == 200 and [m["id"] for m in doc] == [inc["id"]]
    # Not started: the component is untouched and the home page announces it.
    assert statuses(d)["rest"] == "operational"
    assert indicator(d) == "none"
    assert "Database upgrade" in get_text(d, "/")


# ---- the lifecycle of one incident --------------------------------------------------------

def test_incident_lifecycle(start_daemon):
    d = start_daemon(WRITE_CONFIG)
    key = make_key(d)
    inc = create(d, key, name="Elevated API errors", body="We are investigating.",
                 components={"rest": "partial_outage"})
    inc_id = inc["id"]
    assert inc["status"] == "investigating"
    assert inc["impact"] == "major"
    assert inc["monitoring_at"] is None and inc["resolved_at"] is None
    assert inc["page_id"] == PAGE
    [u] = inc["incident_updates"]
    assert u["status"] == "investigating" and u["body"] == "We are investigating."
    assert u["affected_components"] == [{"code": "rest", "name": "API Group - REST API",
                                         "old_status": "operational",
                                         "new_status": "partial_outage"}]
    assert [c["id"] for c in inc["components"]] == ["rest"]

    # Published within about a second everywhere (3 s allowed for a loaded machine).
    wait_until(d, lambda: inc_id in public_ids(d, "/api/v2/incidents/unresolved.json"),
               "the incident on unresolved.json", timeout=3.0)
    summary = get_json(d, "/api/v2/summary.json")
    assert [i["id"] for i in summary["incidents"]] == [inc_id]
    assert summary["incidents"][0]["impact"] == "major"
    assert indicator(d) == "major"
    st = statuses(d)
    assert st["rest"] == "partial_outage" and st["api"] == "partial_outage", st
    assert st["websocket"] == "operational" and st["dash"] == "operational"
    home = get_text(d, "/")
    assert "Active incidents" in home and "Elevated API errors" in home

    # identified, monitoring, a plain update: appended newest first.
    doc = patch(d, key, inc_id, status="identified", body="A bad deploy; rolling back.")
    assert doc["status"] == "identified" and doc["monitoring_at"] is None
    doc = patch(d, key, inc_id, status="monitoring", body="Rolled back; watching.")
    assert doc["status"] == "monitoring" and doc["monitoring_at"]
    monitoring_at = doc["monitoring_at"]
    doc = patch(d, key, inc_id, body="Error rates are back to normal.")
    assert doc["status"] == "monitoring" and doc["monitoring_at"] == monitoring_at
    assert [u["status"] for u in doc["incident_updates"]] == [
        "monitoring", "monitoring", "identified", "investigating"]
    assert [u["body"] for u in doc["incident_updates"]] == [
        "Error rates are back to normal.", "Rolled back; watching.",
        "A bad deploy; rolling back.", "We are investigating."]
    wait_until(d, lambda: labels_on_incident_page(d, inc_id) == [
        "Update", "Monitoring", "Identified", "Investigating"], "update labels on the page")
    assert statuses(d)["rest"] == "partial_outage"

    # Resolve, setting the component back: impact stays at the worst it reached.
    doc = patch(d, key, inc_id, status="resolved", body="Fixed for good.",
                components={"rest": "operational"})
    assert doc["status"] == "resolved"
    assert doc["resolved_at"] == doc["incident_updates"][0]["display_at"]
    assert doc["monitoring_at"] == monitoring_at
    assert doc["impact"] == "major"
    assert doc["incident_updates"][0]["affected_components"] == [
        {"code": "rest", "name": "API Group - REST API", "old_status": "partial_outage",
         "new_status": "operational"}]
    wait_until(d, lambda: public_ids(d, "/api/v2/incidents/unresolved.json") == [],
               "unresolved.json empty")
    status, lst = api(d, "GET", "incidents/unresolved", key=key)
    assert status == 200 and lst == []
    st = statuses(d)
    assert st["rest"] == "operational" and st["api"] == "operational", st
    assert indicator(d) == "none"
    assert get_json(d, "/api/v2/summary.json")["incidents"] == []
    [pub] = get_json(d, "/api/v2/incidents.json")["incidents"]
    assert pub["id"] == inc_id and pub["status"] == "resolved" and pub["impact"] == "major"
    assert pub["resolved_at"] and len(pub["incident_updates"]) == 5
    assert labels_on_incident_page(d, inc_id) == [
        "Resolved", "Update", "Monitoring", "Identified", "Investigating"]
    hist = get_text(d, "/history")
    assert "Elevated API errors" in hist and "4 previous updates" in hist
    assert "Fixed for good." in hist
    assert "Active incidents" not in get_text(d, "/")


def test_impact_override(start_daemon):
    d = start_daemon(WRITE_CONFIG)
    key = make_key(d)
    inc = create(d, key, name="Slow dashboards", impact_override="critical")
    assert inc["impact"] == "critical"
    doc = patch(d, key, inc["id"], components={"dash": "degraded_performance"})
    assert doc["impact"] == "critical"
    doc = patch(d, key, inc["id"], impact_override="minor",
                components={"dash": "major_outage"})
    assert doc["impact"] == "minor"
    doc = patch(d, key, inc["id"], impact_override=None)
    assert doc["impact"] == "critical"  # computed again: dash reached major_outage
    other = create(d, key, name="Nothing affected")
    assert other["impact"] == "none"
    wait_until(d, lambda: {i["id"]: i["impact"] for i in
                           get_json(d, "/api/v2/incidents.json")["incidents"]} ==
               {inc["id"]: "critical", other["id"]: "none"}, "impacts on incidents.json")


def test_postmortem_and_delete(start_daemon):
    d = start_daemon(WRITE_CONFIG)
    key = make_key(d)
    inc = create(d, key, name="Login failures", body="Investigating.",
                 components={"dash": "major_outage"})
    keep = create(d, key, name="Unrelated", body="Another one.")
    inc_id = inc["id"]
    patch(d, key, inc_id, status="resolved", components={"dash": "operational"})
    status, doc = api(d, "PUT", "incidents/%s/postmortem" % inc_id,
                      {"postmortem": {"body_draft": "## Root cause\n\nAn expired certificate."}},
                      key=key)
    assert status == 200, doc
    assert doc["status"] == "resolved"
    # A draft is not shown.
    time.sleep(1.2)
    assert "expired certificate" not in get_text(d, "/incidents/" + inc_id)
    status, doc = api(d, "PUT", "incidents/%s/postmortem/publish" % inc_id, {}, key=key)
    assert status == 200, doc
    assert doc["status"] == "postmortem"
    assert doc["postmortem_body"].startswith("## Root cause")
    assert doc["postmortem_published_at"]

    def shown():
        page = page_text(d, "/incidents/" + inc_id)
        # Rendered from Markdown, its heading nested under the post-mortem's own heading.
        return "expired certificate" in page and re.search(r"<h[2-6]>Root cause</h[2-6]>",
                                                            page) is not None

    wait_until(d, shown, "the postmortem on /incidents/<id>")
    assert labels_on_incident_page(d, inc_id)[0] == "Postmortem"
    [pub] = [i for i in get_json(d, "/api/v2/incidents.json")["incidents"] if i["id"] == inc_id]
    assert pub["status"] == "postmortem"

    # DELETE: gone from the lists and the pages; the other incident stays.
    status, doc = api(d, "DELETE", "incidents/" + inc_id, key=key)
    assert status == 200, doc
    assert doc["id"] == inc_id
    status, doc = api(d, "GET", "incidents/" + inc_id, key=key)
    assert status == 404
    wait_until(d, lambda: public_ids(d) == [keep["id"]], "the incident gone from incidents.json")
    assert d.raw_request("GET", "/incidents/" + inc_id)[0] == 404
    for path in ("/", "/history", "/history.atom", "/history.rss"):
        text = get_text(d, path)
        assert "Login failures" not in text and inc_id not in text, path
        assert "Unrelated" in text, path
    status, lst = api(d, "GET", "incidents", key=key)
    assert [i["id"] for i in lst] == [keep["id"]]
    # Deleting again: 404.
    status, doc = api(d, "DELETE", "incidents/" + inc_id, key=key)
    assert status == 404 and doc["error"]


def _edit_update(d, key, inc_id, uid, fields):
    """Edit an update the Statuspage way ({"incident_update": {...}}); if the daemon only
    takes the bare form, use that, so tests of the edit's effects do not depend on it."""
    path = "incidents/%s/incident_updates/%s" % (inc_id, uid)
    status, doc = api(d, "PATCH", path, {"incident_update": fields}, key=key)
    if status == 422 and "incident_update" in doc.get("error", ""):
        status, doc = api(d, "PATCH", path, fields, key=key)
    assert status == 200, (status, doc)
    return doc


def test_edit_update_statuspage_wrapper(start_daemon):
    d = start_daemon(WRITE_CONFIG)
    key = make_key(d)
    inc = create(d, key, name="Typo", body="We are investigatng.")
    uid = inc["incident_updates"][0]["id"]
    status, doc = api(d, "PATCH", "incidents/%s/incident_updates/%s" % (inc["id"], uid),
                      {"incident_update": {"body": "We are investigating.",
                                           "display_at": "2024-11-14T20:00:00Z"}}, key=key)
    assert status == 200, doc
    assert doc["incident_updates"][0]["body"] == "We are investigating."
    assert doc["incident_updates"][0]["display_at"].startswith("2024-11-14T20:00:00")


def test_edit_update_body_and_display_at(start_daemon):
    d = start_daemon(WRITE_CONFIG)
    key = make_key(d)
    inc = create(d, key, name="Typo", body="We are investigatng.")
    inc_id = inc["id"]
    patch(d, key, inc_id, status="identified", body="Found it.")
    uid = inc["incident_updates"][0]["id"]
    doc = _edit_update(d, key, inc_id, uid, {"body": "We are *investigating*.",
                                             "display_at": "2024-11-14T20:00:00Z"})
    first = doc["incident_updates"][-1]
    assert first["id"] == uid
    assert first["body"] == "We are *investigating*."
    assert first["display_at"].startswith("2024-11-14T20:00:00")
    assert doc["incident_updates"][0]["body"] == "Found it."
    assert len(doc["incident_updates"]) == 2 and doc["status"] == "identified"

    def shown():
        page = page_text(d, "/incidents/" + inc_id)
        return ("We are <em>investigating</em>." in page and "investigatng" not in page and
                "Nov 14, 2024 - 20:00 UTC" in page)

    wait_until(d, shown, "the edited update on /incidents/<id>")
    status, doc = api(d, "GET", "incidents/" + inc_id, key=key)
    assert doc["incident_updates"][-1]["body"] == "We are *investigating*."


def test_edit_resolving_update_display_at_moves_resolved_time(start_daemon):
    d = start_daemon(WRITE_CONFIG)
    key = make_key(d)
    inc = create(d, key, name="Late resolution", created_at="2024-11-14T19:00:00Z",
                 body="Looking.")
    doc = patch(d, key, inc["id"], status="resolved", display_at="2024-11-14T20:00:00Z")
    assert doc["resolved_at"].startswith("2024-11-14T20:00:00")
    uid = doc["incident_updates"][0]["id"]
    doc = _edit_update(d, key, inc["id"], uid, {"display_at": "2024-11-14T21:08:00Z"})
    assert doc["incident_updates"][0]["display_at"].startswith("2024-11-14T21:08:00")
    wait_until(d, lambda: "Resolved Nov 14 at 09:08pm UTC" in page_text(d, "/history"),
               "the edited resolution time on /history")
    assert doc["resolved_at"].startswith("2024-11-14T21:08:00")


# ---- components with monitors; automatic incidents ---------------------------------------

def _config_with_monitors(target, monitors, extra_components=""):
    text = dedent(WRITE_CONFIG) + extra_components
    return text + "monitors:\n" + "".join(monitors)


def test_resolve_returns_component_to_its_monitor(start_daemon):
    target = HttpTarget()
    try:
        target.set("/db", status=500)
        d = start_daemon(_config_with_monitors(target, [http_monitor(
            "db-check", target, "/db", ["db"], conditions=["[STATUS] == 200"],
            failure_threshold=1, success_threshold=1)],
            "  - id: db\n    name: Database\n"))
        wait_until(d, lambda: statuses(d)["db"] == "major_outage", "db down by its monitor",
                   timeout=10)
        key = make_key(d)
        inc = create(d, key, name="Database slow", components={"db": "degraded_performance"})
        # While the incident is open its status is shown, not the monitor's.
        wait_until(d, lambda: statuses(d)["db"] == "degraded_performance",
                   "the incident's status")
        patch(d, key, inc["id"], status="resolved", components={"db": "operational"})
        # Resolved: back to what the monitor says (still failing).
        wait_until(d, lambda: statuses(d)["db"] == "major_outage", "db back to its monitor")
        target.set("/db")
        wait_until(d, lambda: statuses(d)["db"] == "operational", "db up again", timeout=10)
    finally:
        target.close()


def _incidents_by_name(d):
    return {i["name"]: i for i in get_json(d, "/api/v2/incidents.json")["incidents"]}


def test_auto_incidents_from_a_failing_target(start_daemon):
    target = HttpTarget()
    try:
        for path in ("/rest", "/ws", "/dash"):
            target.set(path)
        common = dict(conditions=["[STATUS] == 200"], failure_threshold=1,
                      success_threshold=1)
        d = start_daemon(_config_with_monitors(target, [
            http_monitor("rest-check", target, "/rest", ["rest"], incident="auto", **common),
            http_monitor("ws-check", target, "/ws", ["websocket"],
                         incident={"title": "{{component}} is degraded",
                                   "body": "{{monitor}} says: {{reason}}"}, **common),
            http_monitor("dash-check", target, "/dash", ["dash"], incident="auto", **common),
        ]))
        key = make_key(d)
        wait_until(d, lambda: target.served("/dash", 200) >= 1, "dash checked", timeout=10)
        # A component under maintenance: its failures open nothing.
        status, _ = api(d, "PATCH", "components/dash",
                        {"component": {"status": "under_maintenance"}}, key=key)
        assert status == 200
        assert public_ids(d) == []

        t0 = time.monotonic()
        for path in ("/rest", "/ws", "/dash"):
            target.set(path, status=500)
        names = ("REST API is failing", "WebSocket API is degraded")
        wait_until(d, lambda: all(n in _incidents_by_name(d) for n in names),
                   "two automatic incidents", timeout=15)
        by_name = _incidents_by_name(d)
        rest, ws = by_name[names[0]], by_name[names[1]]
        for inc, cid in ((rest, "rest"), (ws, "websocket")):
            assert inc["status"] == "investigating"
            assert inc["impact"] == "critical"  # down -> major_outage
            [u] = inc["incident_updates"]
            assert u["affected_components"][0]["code"] == cid
            assert u["affected_components"][0]["new_status"] == "major_outage"
        # Words people read, as stored and served: no condition syntax, no escapes.
        assert rest["incident_updates"][0]["body"] == (
            "REST API is failing: HTTP 500 from /rest (expected 200). We are investigating.")
        assert ws["incident_updates"][0]["body"] == (
            "ws-check says: HTTP 500 from /ws (expected 200)")
        st = statuses(d)
        assert st["rest"] == "major_outage" and st["websocket"] == "major_outage"
        assert set(public_ids(d, "/api/v2/incidents/unresolved.json")) == {rest["id"],
                                                                            ws["id"]}
        # Further failed runs do not open more incidents; the dash monitor failed too but
        # its component is under maintenance.
        wait_until(d, lambda: target.served("/rest", 500, t0) >= 3 and
                   target.served("/dash", 500, t0) >= 3, "more failed runs", timeout=15)
        time.sleep(1.2)
        assert set(_incidents_by_name(d)) == set(names)
        assert statuses(d)["dash"] == "under_maintenance"

        # Back up: resolved with an update, components operational.
        for path in ("/rest", "/ws"):
            target.set(path)

        def resolved():
            got = _incidents_by_name(d)
            return all(got[n]["status"] == "resolved" for n in names) and got

        by_name = wait_until(d, resolved, "the automatic incidents resolved", timeout=15)
        for n in names:
            inc = by_name[n]
            assert inc["resolved_at"]
            assert [u["status"] for u in inc["incident_updates"]] == ["resolved",
                                                                       "investigating"]
            assert inc["incident_updates"][0]["body"]
            assert inc["incident_updates"][0]["affected_components"][0]["new_status"] == \
                "operational"
            assert inc["impact"] == "critical"
        wait_until(d, lambda: statuses(d)["rest"] == "operational" and
                   statuses(d)["websocket"] == "operational", "components operational")
        assert public_ids(d, "/api/v2/incidents/unresolved.json") == []
        assert "REST API is failing" in get_text(d, "/history")
    finally:
        target.close()


# ---- maintenance, continued: in progress, then completed ---------------------------------

def test_maintenance_moves_by_itself(maintenance):
    d, inc_id, launched = maintenance["d"], maintenance["inc"]["id"], maintenance["launched"]
    watcher = maintenance["watcher"]

    def completed():
        got = [x for x in get_json(d, "/api/v2/scheduled-maintenances.json")[
            "scheduled_maintenances"] if x["id"] == inc_id]
        return got and got[0]["status"] == "completed" and got[0]

    m = d.wait_for(completed, timeout=max(1.0, launched + 35 - time.time()), interval=0.1,
                   what="the maintenance to complete")
    wait_until(d, lambda: statuses(d)["rest"] == "operational", "rest back to operational")
    time.sleep(0.5)
    watcher.stop()
    assert not watcher.errors, watcher.errors
    seen = watcher.seen
    # (status, rest, indicator, on active.json) in the order they were seen, repeats folded
    states = []
    for _, status, rest, ind, active in seen:
        if not states or states[-1] != (status, rest, ind, active):
            states.append((status, rest, ind, active))
    in_progress = [s for s in states if s[0] == "in_progress"]
    assert in_progress, "the maintenance was never seen in progress: %r\n%s" % (states,
                                                                             d.stderr)
    # While in progress: the component under maintenance, the page indicator "maintenance",
    # and the maintenance on active.json (that one is fetched separately, so some reading
    # must show it).
    assert ("in_progress", "under_maintenance", "maintenance", True) in states, states
    assert all(s[1] in ("operational", "under_maintenance") for s in in_progress), states
    order = []
    for s in states:
        if not order or order[-1] != s[0]:
            order.append(s[0])
    while order and order[0] is None:  # read before the first render after the POST
        order.pop(0)
    # scheduled, then in progress, then off summary.json or completed; never back.
    assert order[:2] == ["scheduled", "in_progress"], order
    assert all(x in (None, "completed") for x in order[2:]), order
    assert states[-1][1:3] == ("operational", "none"), states
    assert [u["status"] for u in m["incident_updates"]] == ["completed", "in_progress",
                                                            "scheduled"]
    assert m["impact"] == "maintenance"
    assert indicator(d) == "none"
    assert public_ids(d, "/api/v2/scheduled-maintenances/active.json",
                      "scheduled_maintenances") == []
    assert public_ids(d, "/api/v2/scheduled-maintenances/upcoming.json",
                      "scheduled_maintenances") == []
    page = get_text(d, "/incidents/" + inc_id)
    assert "Completed" in page and "In progress" in page and "Scheduled" in page


# ---- storage format ----------------------------------------------------------------------

def test_store_from_an_older_tocsin_is_upgraded(start_daemon):
    """Incidents stored as the write API's JSON (format 0, times in the page's zone) load,
    read the same, and are rewritten in the incident module's own format (version 1)."""
    import sqlite3
    d = start_daemon(WRITE_CONFIG)
    d.stop()
    legacy = {
        "id": "legacy000001", "seq": 99, "name": "Older incident é", "status": "resolved",
        "impact": "minor", "created_at": "2024-11-14T12:30:00.000-08:00",
        "updated_at": "2024-11-14T13:08:00.000-08:00",
        "resolved_at": "2024-11-14T13:08:00.000-08:00", "component_statuses": {},
        "incident_updates": [
            {"id": "lu2", "status": "resolved", "body": "Back to normal.",
             "created_at": "2024-11-14T13:08:00.000-08:00",
             "updated_at": "2024-11-14T13:08:00.000-08:00",
             "display_at": "2024-11-14T13:08:00.000-08:00", "affected_components": None},
            {"id": "lu1", "status": "investigating", "body": "Looking.",
             "created_at": "2024-11-14T12:30:00.000-08:00",
             "updated_at": "2024-11-14T12:30:00.000-08:00",
             "display_at": "2024-11-14T12:30:00.000-08:00", "affected_components": None},
        ],
    }
    db = sqlite3.connect(str(d.data_dir / "tocsin.db"))
    with db:
        db.execute("INSERT INTO incident (id, seq, doc, updated_at) VALUES (?, ?, ?, ?)",
                   ("legacy000001", 99, json.dumps(legacy), 0))
    db.close()
    d.start()
    key = make_key(d)
    status, got = api(d, "GET", "incidents/legacy000001", key=key)
    assert status == 200, got
    assert got["name"] == "Older incident é"
    assert got["resolved_at"].startswith("2024-11-14T21:08:00")  # the page's zone is UTC
    assert [u["body"] for u in got["incident_updates"]] == ["Back to normal.", "Looking."]
    db = sqlite3.connect(str(d.data_dir / "tocsin.db"))
    doc = json.loads(db.execute("SELECT doc FROM incident WHERE id = 'legacy000001'")
                     .fetchone()[0])
    db.close()
    assert doc["v"] == 1 and doc["resolved_at"] == 1731618480000, doc
    assert "rewrote 1 incident(s) in storage format 1" in d.stderr


def test_recurring_maintenance_through_the_api(start_daemon):
    """POST maintenance_schedules makes the next window a scheduled maintenance at its local
    time; GET lists it with the config's own; DELETE stops it; bad bodies say what is wrong."""
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo
    d = start_daemon(WRITE_CONFIG.replace("time_zone: Etc/UTC", "time_zone: Asia/Tokyo") + """\
recurring_maintenance:
  - id: nightly
    name: Nightly backup
    days: [mon, tue, wed, thu, fri, sat, sun]
    at: "23:00"
    duration: 30m
    components: [rest]
""")
    key = make_key(d)
    status, doc = api(d, "GET", "maintenance_schedules", key=key)
    assert status == 200 and [s["id"] for s in doc] == ["nightly"] and doc[0]["from_config"]
    tokyo = ZoneInfo("Asia/Tokyo")
    now = datetime.now(tokyo)
    day = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"][(now + timedelta(days=2)).weekday()]
    status, made = api(d, "POST", "maintenance_schedules", key=key, body={
        "maintenance_schedule": {"name": "Kernel patches – 更新", "days": [day], "at": "04:15",
                                 "duration_minutes": 45, "component_ids": ["rest"]}})
    assert status == 201, made
    assert made["days"] == [day] and made["at"] == "04:15" and made["time_zone"] == "Asia/Tokyo"
    expected = (now + timedelta(days=2)).replace(hour=4, minute=15, second=0, microsecond=0)
    upcoming = d.wait_for(lambda: [m for m in json.loads(d.raw_request(
        "GET", "/api/v2/scheduled-maintenances/upcoming.json")[2])["scheduled_maintenances"]
        if m["name"] == "Kernel patches – 更新"], what="the window")
    assert datetime.fromisoformat(upcoming[0]["scheduled_for"]) == expected
    assert datetime.fromisoformat(upcoming[0]["scheduled_until"]) == \
        expected + timedelta(minutes=45)
    for body, words in [({"maintenance_schedule": {"name": "x", "days": ["tues"], "at": "04:00",
                                                    "duration_minutes": 5,
                                                    "component_ids": ["rest"]}}, "days"),
                        ({"maintenance_schedule": {"name": "x", "days": ["tue"], "at": "4:00",
                                                    "duration_minutes": 5,
                                                    "component_ids": ["rest"]}}, "at is"),
                        ({"maintenance_schedule": {"name": "x", "days": ["tue"], "at": "04:00",
                                                    "duration_minutes": 0,
                                                    "component_ids": ["rest"]}}, "duration"),
                        ({"maintenance_schedule": {"name": "x", "days": ["tue"], "at": "04:00",
                                                    "duration_minutes": 5,
                                                    "component_ids": ["nope"]}}, "unknown"),
                        ({"maintenance_schedule": {"name": "x", "days": ["tue"], "at": "04:00",
                                                    "duration_minutes": 5, "bogus": 1,
                                                    "component_ids": ["rest"]}}, "bogus")]:
        status, err = api(d, "POST", "maintenance_schedules", key=key, body=body)
        assert status == 422 and words in err["error"], (body, err)
    status, err = api(d, "DELETE", "maintenance_schedules/nightly", key=key)
    assert status == 422 and "remove it there" in err["error"]
    status, _ = api(d, "DELETE", "maintenance_schedules/" + made["id"], key=key)
    assert status == 200
    status, doc = api(d, "GET", "maintenance_schedules", key=key)
    assert [s["id"] for s in doc] == ["nightly"]
    status, _ = api(d, "DELETE", "maintenance_schedules/" + made["id"], key=key)
    assert status == 404
