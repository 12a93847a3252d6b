"""Statuspage v2 API shapes (reference: statuspage.md §1)."""

import re
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
import requests

from conftest import BASIC_CONFIG

TS_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}(Z|[+-]\d{2}:\d{2})$")

PAGE_KEYS = {"id", "name", "url", "time_zone", "updated_at"}
COMPONENT_KEYS = {"id", "name", "status", "created_at", "updated_at", "position", "description",
                  "showcase", "start_date", "group_id", "page_id", "group",
                  "only_show_if_degraded"}
GROUP_KEYS = COMPONENT_KEYS | {"components"}
TOP_KEYS = {
    "/api/v2/summary.json": {"page", "components", "incidents", "scheduled_maintenances",
                             "status"},
    "/api/v2/status.json": {"page", "status"},
    "/api/v2/components.json": {"page", "components"},
}

LA_CONFIG = BASIC_CONFIG.replace("time_zone: Etc/UTC", "time_zone: America/Los_Angeles")


def get_json(d, path):
    r = requests.get(d.url(path), timeout=5)
    assert r.status_code == 200, r.text
    return r, r.json()


def expected_offset(zone, when=None):
    """The ISO-8601 offset suffix the daemon should use for @zone at @when (default now)."""
    if zone == "Etc/UTC":
        return "Z"
    when = when or datetime.now(timezone.utc)
    off = when.astimezone(ZoneInfo(zone)).utcoffset()
    minutes = int(off.total_seconds() // 60)
    sign = "-" if minutes < 0 else "+"
    minutes = abs(minutes)
    return f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def check_timestamp(ts, zone):
    assert isinstance(ts, str), ts
    assert TS_RE.match(ts), f"not ISO-8601 with milliseconds: {ts!r}"
    parsed = datetime.fromisoformat(ts.replace("Z", "+00:00"))
    # The offset is the page zone's offset at that instant (-08:00 in November, -07:00 in
    # summer for America/Los_Angeles; Z for Etc/UTC).
    want = expected_offset(zone, parsed)
    assert ts.endswith(want), f"{ts!r} should end with {want!r} for {zone}"
    # Fresh data folder: timestamps are about now.
    now = datetime.now(timezone.utc)
    assert abs(now - parsed) < timedelta(minutes=10), f"{ts!r} is far from now ({now})"
    return parsed


@pytest.mark.parametrize("path", sorted(TOP_KEYS))
def test_endpoint_headers_and_top_level_keys(shared_daemon, path):
    r, body = get_json(shared_daemon, path)
    assert r.headers["Content-Type"].split(";")[0].strip() == "application/json"
    assert r.headers.get("Access-Control-Allow-Origin") == "*"
    assert set(body) == TOP_KEYS[path]


@pytest.mark.parametrize("path", sorted(TOP_KEYS))
def test_page_object(shared_daemon, path):
    _, body = get_json(shared_daemon, path)
    page = body["page"]
    assert set(page) == PAGE_KEYS
    assert page["id"] == "testpage"
    assert page["name"] == "Tocsin Test Page"
    assert page["url"] == "http://status.example.test"
    assert page["time_zone"] == "Etc/UTC"
    check_timestamp(page["updated_at"], "Etc/UTC")


@pytest.mark.parametrize("path", ["/api/v2/summary.json", "/api/v2/status.json"])
def test_status_all_operational(shared_daemon, path):
    _, body = get_json(shared_daemon, path)
    assert body["status"] == {"indicator": "none", "description": "All Systems Operational"}


def test_summary_incidents_and_maintenances_empty(shared_daemon):
    _, body = get_json(shared_daemon, "/api/v2/summary.json")
    assert body["incidents"] == []
    assert body["scheduled_maintenances"] == []


@pytest.mark.parametrize("path", ["/api/v2/summary.json", "/api/v2/components.json"])
def test_component_objects(shared_daemon, path):
    _, body = get_json(shared_daemon, path)
    comps = body["components"]
    by_id = {c["id"]: c for c in comps}
    assert len(by_id) == len(comps), "duplicate ids"
    assert set(by_id) == {"api", "vendors", "rest", "websocket", "deepgram", "dashboard",
                          "webhooks"}
    for c in comps:
        want = GROUP_KEYS if c["group"] else COMPONENT_KEYS
        assert set(c) == want, f"{c['id']}: keys {sorted(c)}"
        assert c["status"] == "operational"
        assert c["page_id"] == "testpage"
        assert isinstance(c["position"], int) and c["position"] >= 1
        assert isinstance(c["showcase"], bool)
        assert isinstance(c["only_show_if_degraded"], bool)
        check_timestamp(c["created_at"], "Etc/UTC")
        check_timestamp(c["updated_at"], "Etc/UTC")
        assert c["start_date"] is None or re.fullmatch(r"\d{4}-\d{2}-\d{2}", c["start_date"])

    # Groups: group:true, group_id null, the children's ids in order.
    assert by_id["api"]["group"] is True
    assert by_id["api"]["group_id"] is None
    assert by_id["api"]["components"] == ["rest", "websocket"]
    assert by_id["vendors"]["group"] is True
    assert by_id["vendors"]["components"] == ["deepgram"]
    # Children point to their group.
    assert by_id["rest"]["group_id"] == "api"
    assert by_id["websocket"]["group_id"] == "api"
    assert by_id["deepgram"]["group_id"] == "vendors"
    for cid in ("dashboard", "webhooks"):
        assert by_id[cid]["group"] is False
        assert by_id[cid]["group_id"] is None

    # Names and descriptions; description is null when absent.
    assert by_id["api"]["name"] == "API Group"
    assert by_id["api"]["description"] == "Public endpoints."
    assert by_id["vendors"]["description"] is None
    assert by_id["rest"]["name"] == "REST API"
    assert by_id["rest"]["description"] is None
    assert by_id["websocket"]["description"] == "Streaming over WebSocket."

    # Positions: order within the parent, from 1.
    assert by_id["rest"]["position"] == 1
    assert by_id["websocket"]["position"] == 2
    assert by_id["deepgram"]["position"] == 1
    top = sorted((c for c in comps if c["group_id"] is None), key=lambda c: c["position"])
    assert [c["id"] for c in top] == ["api", "vendors", "dashboard", "webhooks"]
    assert len({c["position"] for c in top}) == len(top), "top-level positions collide"

    # only_show_if_degraded is reported as configured.
    assert by_id["webhooks"]["only_show_if_degraded"] is True
    assert by_id["dashboard"]["only_show_if_degraded"] is False


def test_components_in_display_order(shared_daemon):
    """Groups are followed by their children, as on real Statuspage payloads."""
    _, body = get_json(shared_daemon, "/api/v2/components.json")
    ids = [c["id"] for c in body["components"]]
    assert ids == ["api", "rest", "websocket", "vendors", "deepgram", "dashboard", "webhooks"]


def test_summary_and_components_agree(shared_daemon):
    _, s = get_json(shared_daemon, "/api/v2/summary.json")
    _, c = get_json(shared_daemon, "/api/v2/components.json")
    assert s["components"] == c["components"]
    assert s["page"] == c["page"]


@pytest.mark.parametrize("path", ["/api/v2/summary", "/api/v2/status", "/api/v2/components"])
def test_suffixless_paths(shared_daemon, path):
    r, body = get_json(shared_daemon, path)
    assert r.headers["Content-Type"].startswith("application/json")
    _, with_suffix = get_json(shared_daemon, path + ".json")
    assert body == with_suffix


def test_explicit_position(start_daemon):
    d = start_daemon("""\
        page:
          name: Positions
        groups:
          - id: g
            name: G
            position: 3
        components:
          - id: a
            name: A
            group: g
            position: 2
          - id: b
            name: B
            group: g
            position: 1
          - id: c
            name: C
            position: 1
        """)
    _, body = get_json(d, "/api/v2/components.json")
    by_id = {c["id"]: c for c in body["components"]}
    assert by_id["a"]["position"] == 2
    assert by_id["b"]["position"] == 1
    assert by_id["g"]["position"] == 3
    assert by_id["g"]["components"] == ["b", "a"]
    assert [c["id"] for c in body["components"]] == ["c", "g", "b", "a"]


def test_los_angeles_offsets(start_daemon):
    d = start_daemon(LA_CONFIG)
    _, body = get_json(d, "/api/v2/summary.json")
    assert body["page"]["time_zone"] == "America/Los_Angeles"
    want = expected_offset("America/Los_Angeles")
    assert want in ("-08:00", "-07:00")
    assert body["page"]["updated_at"].endswith(want), body["page"]["updated_at"]
    check_timestamp(body["page"]["updated_at"], "America/Los_Angeles")
    for c in body["components"]:
        check_timestamp(c["created_at"], "America/Los_Angeles")
        check_timestamp(c["updated_at"], "America/Los_Angeles")
        assert not c["created_at"].endswith("Z")


def test_utc_offsets_use_z(shared_daemon):
    _, body = get_json(shared_daemon, "/api/v2/summary.json")
    assert body["page"]["updated_at"].endswith("Z")
    for c in body["components"]:
        assert c["created_at"].endswith("Z") and c["updated_at"].endswith("Z")


def test_default_page_id_and_time_zone(start_daemon):
    d = start_daemon("""\
        page:
          name: Minimal
        components:
          - id: only
            name: Only
        """)
    _, body = get_json(d, "/api/v2/summary.json")
    assert set(body["page"]) == PAGE_KEYS
    assert body["page"]["time_zone"] == "Etc/UTC"
    assert isinstance(body["page"]["id"], str) and body["page"]["id"]
    assert body["components"][0]["page_id"] == body["page"]["id"]
    assert body["status"] == {"indicator": "none", "description": "All Systems Operational"}


def test_no_components(start_daemon):
    d = start_daemon("page:\n  name: Empty\n")
    _, body = get_json(d, "/api/v2/summary.json")
    assert body["components"] == []
    assert body["status"] == {"indicator": "none", "description": "All Systems Operational"}


def test_created_at_kept_across_restart(start_daemon, tmp_path):
    d = start_daemon()
    _, first = get_json(d, "/api/v2/components.json")
    created = {c["id"]: c["created_at"] for c in first["components"]}
    d.stop()
    d.start()  # same config file, same data folder
    _, second = get_json(d, "/api/v2/components.json")
    assert {c["id"]: c["created_at"] for c in second["components"]} == created
