"""Black-box tests of the write API (issue 5): Statuspage's manage API v1 under
/v1/pages/{page_id}/, as a script ported from Statuspage sees it. API keys are made with
`tocsin apikey create` while the daemon runs; every bad request must answer 4xx with a JSON
{"error": ...} and change nothing (checked on the API and on the public documents).

The helpers here (api(), make_key(), WRITE_CONFIG ...) are reused by test_81_* to test_83_*.
"""

import json
import time


from conftest import run_cli

PAGE = "testpage"

# The page most write tests use: a group with two children, a top-level component.
WRITE_CONFIG = """\
page:
  id: testpage
  name: Tocsin Test Page
  url: http://status.example.test
  time_zone: Etc/UTC

groups:
  - id: api
    name: API Group

components:
  - id: rest
    name: REST API
    group: api
  - id: websocket
    name: WebSocket API
    group: api
  - id: dash
    name: Dashboard
"""


# ---- helpers -----------------------------------------------------------------------------

def make_key(d, name="ci"):
    """`tocsin apikey create` against the daemon's config and data folder; returns the key
    (printed alone on stdout)."""
    p = run_cli("apikey", "-c", d.config_path, "--data", d.data_dir, "create", "--name", name)
    assert p.returncode == 0, p.stderr
    key = p.stdout.strip()
    assert key and "\n" not in key and " " not in key, p.stdout
    return key


def key_id(d, name):
    """The id `apikey list` shows for the key called @name."""
    p = run_cli("apikey", "-c", d.config_path, "--data", d.data_dir, "list")
    assert p.returncode == 0, p.stderr
    for line in p.stdout.splitlines():
        fields = line.split()
        if len(fields) > 1 and fields[1] == name:
            return fields[0]
    raise AssertionError("no key %r in apikey list:\n%s" % (name, p.stdout))


def api(d, method, path, body=None, key=None, auth="OAuth", raw=None, headers=None):
    """One write-API request to /v1/pages/<PAGE>/<path>; returns (status, parsed JSON).
    @body is sent as JSON, @raw as bytes; @auth is the Authorization scheme, or "query" for
    ?api_key=, or None for no key."""
    url = path if path.startswith("/") else "/v1/pages/%s/%s" % (PAGE, path)
    hdrs = dict(headers or {})
    if key is not None and auth == "query":
        url += ("&" if "?" in url else "?") + "api_key=" + key
    elif key is not None and auth:
        hdrs["Authorization"] = "%s %s" % (auth, key)
    data = raw
    if body is not None:
        data = json.dumps(body).encode()
    if data is not None:
        hdrs.setdefault("Content-Type", "application/json")
    status, resp_headers, payload = d.raw_request(method, url, headers=hdrs, body=data,
                                                  timeout=10)
    ctype = [v for k, v in resp_headers if k.lower() == "content-type"]
    assert ctype and ctype[0].startswith("application/json"), (method, url, status, ctype,
                                                                payload[:300])
    return status, json.loads(payload)


def get_json(d, path):
    status, _, body = d.raw_request("GET", path)
    assert status == 200, (path, status, body[:300])
    return json.loads(body)


def get_text(d, path):
    status, _, body = d.raw_request("GET", path)
    assert status == 200, (path, status, body[:300])
    return body.decode()


def page_text(d, path):
    """The text of @path, or "" while it is not published (for polling)."""
    status, _, body = d.raw_request("GET", path)
    return body.decode() if status == 200 else ""


def statuses(d):
    return {c["id"]: c["status"] for c in get_json(d, "/api/v2/components.json")["components"]}


def indicator(d):
    return get_json(d, "/api/v2/status.json")["status"]["indicator"]


def public_ids(d, path="/api/v2/incidents.json", key="incidents"):
    return [i["id"] for i in get_json(d, path)[key]]


def create(d, key, **fields):
    status, doc = api(d, "POST", "incidents", {"incident": fields}, key=key)
    assert status == 201, (status, doc)
    return doc


def patch(d, key, inc_id, **fields):
    status, doc = api(d, "PATCH", "incidents/" + inc_id, {"incident": fields}, key=key)
    assert status == 200, (status, doc)
    return doc


def wait_until(d, predicate, what, timeout=5.0):
    """Public documents are republished within a second of a write; allow for load."""
    return d.wait_for(predicate, timeout=timeout, interval=0.05, what=what)


def assert_error(status, doc, expected, what):
    assert status == expected, "%s: expected %d, got %d %r" % (what, expected, status, doc)
    assert isinstance(doc, dict) and isinstance(doc.get("error"), str) and doc["error"], (
        what, doc)


# ---- auth --------------------------------------------------------------------------------

def test_auth_required_and_key_forms(start_daemon):
    d = start_daemon(WRITE_CONFIG)
    # No key, or a key nobody made: 401 with a JSON error, and nothing is created.
    status, doc = api(d, "POST", "incidents", {"incident": {"name": "no key"}})
    assert_error(status, doc, 401, "no key")
    status, doc = api(d, "GET", "incidents")
    assert_error(status, doc, 401, "GET without a key")
    status, doc = api(d, "POST", "incidents", {"incident": {"name": "bad key"}},
                      key="tc_" + "0" * 48)
    assert_error(status, doc, 401, "wrong key")
    status, doc = api(d, "POST", "incidents", {"incident": {"name": "bad key"}}, key="",
                      auth="OAuth")
    assert_error(status, doc, 401, "empty key")

    # A key made while the daemon runs works at once, in all three forms.
    key = make_key(d, "deploy-bot")
    names = []
    for form in ("OAuth", "Bearer", "query"):
        name = "made with %s" % form
        status, doc = api(d, "POST", "incidents", {"incident": {"name": name}}, key=key,
                          auth=form)
        assert status == 201, (form, status, doc)
        names.append(name)
    status, doc = api(d, "GET", "incidents", key=key)
    assert status == 200
    assert sorted(i["name"] for i in doc) == sorted(names)
    # The scheme must be OAuth or Bearer, and the key exact.
    status, doc = api(d, "GET", "incidents", key=key, auth="Basic")
    assert_error(status, doc, 401, "Basic scheme")
    status, doc = api(d, "GET", "incidents", key=key[:-1] + ("0" if key[-1] != "0" else "1"))
    assert_error(status, doc, 401, "key with one character changed")

    # The key is stored only as a hash and never logged.
    blob = b"".join(p.read_bytes() for p in d.data_dir.iterdir() if p.is_file())
    assert (d.data_dir / "tocsin.db").exists()
    assert key.encode() not in blob, "the API key is stored in plain text in the data folder"
    assert key not in d.stderr, "the API key appears in the daemon's log"

    # Revoked: 401 from then on, while another key still works.
    other = make_key(d, "other-bot")
    kid = key_id(d, "deploy-bot")
    p = run_cli("apikey", "-c", d.config_path, "--data", d.data_dir, "revoke", kid)
    assert p.returncode == 0, p.stderr
    p = run_cli("apikey", "-c", d.config_path, "--data", d.data_dir, "list")
    line = [ln for ln in p.stdout.splitlines() if ln.startswith(kid)][0]
    assert "revoked" in line, p.stdout
    for form in ("OAuth", "Bearer", "query"):
        status, doc = api(d, "POST", "incidents", {"incident": {"name": "after revoke"}},
                          key=key, auth=form)
        assert_error(status, doc, 401, "revoked key (%s)" % form)
    status, doc = api(d, "GET", "incidents", key=other)
    assert status == 200 and len(doc) == 3, doc
    assert "after revoke" not in [i["name"] for i in doc]
    assert key not in d.stderr and other not in d.stderr
    assert "tc_000" not in d.stderr, "a rejected key appears in the daemon's log"


# ---- every error path: 4xx, a JSON error, nothing changed --------------------------------

def _state(d, key):
    status, doc = api(d, "GET", "incidents", key=key)
    assert status == 200
    return json.dumps(doc, sort_keys=True)


def _public_state(d):
    return (json.dumps(get_json(d, "/api/v2/incidents.json")["incidents"], sort_keys=True),
            statuses(d))


def test_error_paths_change_nothing(start_daemon):
    d = start_daemon(WRITE_CONFIG)
    key = make_key(d)
    inc = create(d, key, name="Existing", body="first", components={"websocket":
                                                                    "degraded_performance"})
    inc_id = inc["id"]
    wait_until(d, lambda: inc_id in public_ids(d), "the incident on incidents.json")
    before = _state(d, key)
    public_before = _public_state(d)
    assert public_before[1]["rest"] == "operational"

    ok = {"name": "valid name", "components": {"rest": "major_outage"}}

    def with_(**kw):
        body = dict(ok)
        body.update(kw)
        return {"incident": body}

    big = {"incident": {"name": "big", "body": "x" * (70 * 1024)}}
    cases = [
        # (what, method, path, body (JSON) or bytes, expected status)
        ("bad JSON", "POST", "incidents", b'{"incident": {"name": "x"', 400),
        ("bad JSON (trailing garbage)", "POST", "incidents", b'{"incident": {}} xx', 400),
        ("non-object body", "POST", "incidents", b'[{"incident": {"name": "x"}}]', 400),
        ("string body", "POST", "incidents", b'"incident"', 400),
        ("missing incident wrapper", "POST", "incidents", ok, 422),
        ("incident is not an object", "POST", "incidents", {"incident": "x"}, 422),
        ("missing name", "POST", "incidents",
         {"incident": {"body": "b", "components": {"rest": "major_outage"}}}, 422),
        ("empty name", "POST", "incidents", with_(name=""), 422),
        ("name not a string", "POST", "incidents", with_(name=5), 422),
        ("unknown field", "POST", "incidents", with_(colour="red"), 422),
        ("bad status", "POST", "incidents", with_(status="exploded"), 422),
        ("maintenance status on an incident", "POST", "incidents",
         with_(status="in_progress"), 422),
        ("bad impact_override", "POST", "incidents", with_(impact_override="catastrophic"),
         422),
        ("unknown component id", "POST", "incidents",
         with_(components={"rest": "major_outage", "nosuch": "major_outage"}), 422),
        ("group id in components", "POST", "incidents",
         with_(components={"api": "major_outage"}), 422),
        ("group id in component_ids", "POST", "incidents", with_(component_ids=["api"]), 422),
        ("unknown id in component_ids", "POST", "incidents", with_(component_ids=["nosuch"]),
         422),
        ("bad component status", "POST", "incidents",
         with_(components={"rest": "on_fire"}), 422),
        ("components not an object", "POST", "incidents", with_(components=["rest"]), 422),
        ("bad time format", "POST", "incidents", with_(created_at="14/11/2024 21:08"), 422),
        ("bad display_at", "POST", "incidents", with_(display_at="yesterday"), 422),
        ("bad boolean", "POST", "incidents", with_(deliver_notifications="yes"), 422),
        ("maintenance without scheduled_until", "POST", "incidents",
         {"incident": {"name": "m", "scheduled_for": "2030-01-01T00:00:00Z",
                       "component_ids": ["rest"]}}, 422),
        ("scheduled_until before scheduled_for", "POST", "incidents",
         {"incident": {"name": "m", "status": "scheduled",
                       "scheduled_for": "2030-01-01T02:00:00Z",
                       "scheduled_until": "2030-01-01T01:00:00Z"}}, 422),
        ("PATCH: bad status with a valid name", "PATCH", "incidents/" + inc_id,
         {"incident": {"name": "renamed", "status": "exploded"}}, 422),
        ("PATCH: unknown component with a valid one", "PATCH", "incidents/" + inc_id,
         {"incident": {"body": "more", "components": {"rest": "major_outage",
                                                       "nosuch": "operational"}}}, 422),
        ("PATCH: missing wrapper", "PATCH", "incidents/" + inc_id, {"name": "renamed"}, 422),
        ("PATCH: bad JSON", "PATCH", "incidents/" + inc_id, b"{name: renamed}", 400),
        ("unknown incident id", "PATCH", "incidents/nosuchincid",
         {"incident": {"status": "resolved"}}, 404),
        ("unknown incident id (GET)", "GET", "incidents/nosuchincid", None, 404),
        ("unknown incident id (DELETE)", "DELETE", "incidents/nosuchincid", None, 404),
        ("unknown update id", "PATCH", "incidents/%s/incident_updates/nosuchupdat" % inc_id,
         {"incident_update": {"body": "edited"}}, 404),
        ("wrong page id", "POST", "/v1/pages/otherpage/incidents", with_(), 404),
        ("wrong page id (GET)", "GET", "/v1/pages/otherpage/incidents", None, 404),
        ("unknown resource", "GET", "widgets", None, 404),
        ("wrong method on incidents", "DELETE", "incidents", None, 405),
        ("wrong method on unresolved", "POST", "incidents/unresolved", with_(), 405),
        ("wrong method on an incident", "POST", "incidents/" + inc_id, with_(), 405),
        ("wrong method on an update", "DELETE",
         "incidents/%s/incident_updates/%s" % (inc_id, inc["incident_updates"][0]["id"]),
         None, 405),
        ("body over 64 KiB", "POST", "incidents", big, 413),
        ("body over 64 KiB (PATCH)", "PATCH", "incidents/" + inc_id,
         {"incident": {"body": "y" * (65 * 1024 + 1)}}, 413),
        ("POST components", "POST", "components",
         {"component": {"name": "New", "status": "operational"}}, 405),
        ("DELETE a component", "DELETE", "components/rest", None, 405),
        ("PATCH a component's name", "PATCH", "components/rest",
         {"component": {"name": "Renamed", "status": "major_outage"}}, 422),
        ("PATCH a component: bad status", "PATCH", "components/rest",
         {"component": {"status": "on_fire"}}, 422),
        ("PATCH a component: no wrapper", "PATCH", "components/rest",
         {"status": "major_outage"}, 422),
        ("PATCH a group's status", "PATCH", "components/api",
         {"component": {"status": "major_outage"}}, 422),
        ("PATCH an unknown component", "PATCH", "components/nosuch",
         {"component": {"status": "major_outage"}}, 404),
        ("postmortem without a body", "PUT", "incidents/%s/postmortem" % inc_id,
         {"postmortem": {}}, 422),
        ("publish a postmortem never written", "PUT",
         "incidents/%s/postmortem/publish" % inc_id, {}, 422),
        ("bad list limit", "GET", "incidents?limit=0", None, 400),
    ]
    for what, method, path, body, expected in cases:
        if isinstance(body, bytes):
            status, doc = api(d, method, path, raw=body, key=key)
        else:
            status, doc = api(d, method, path, body, key=key)
        assert_error(status, doc, expected, what)
        assert _state(d, key) == before, "%s changed the incidents" % what

    # Nothing reached the public documents either (they are republished within a second).
    time.sleep(1.5)
    assert _public_state(d) == public_before
    status, doc = api(d, "GET", "incidents/" + inc_id, key=key)
    assert status == 200 and doc["name"] == "Existing" and len(doc["incident_updates"]) == 1


def test_update_body_edit_wrapped_error_paths(start_daemon):
    """Errors on PATCH incident_updates/{id}: a bad display_at or unknown field is a 422 and
    edits nothing (whatever the wrapping)."""
    d = start_daemon(WRITE_CONFIG)
    key = make_key(d)
    inc = create(d, key, name="Edit me", body="original")
    uid = inc["incident_updates"][0]["id"]
    path = "incidents/%s/incident_updates/%s" % (inc["id"], uid)
    for body in ({"incident_update": {"body": "new", "display_at": "tomorrow"}},
                 {"body": "new", "display_at": "tomorrow"},
                 {"incident_update": {"body": "new", "status": "resolved"}},
                 {"body": "new", "status": "resolved"},
                 {"body": 12}):
        status, doc = api(d, "PATCH", path, body, key=key)
        assert_error(status, doc, 422, "edit update with %r" % body)
    status, doc = api(d, "GET", "incidents/" + inc["id"], key=key)
    assert doc["incident_updates"][0]["body"] == "original"
    assert doc["status"] == "investigating"


# ---- lists --------------------------------------------------------------------------------

def test_incident_lists_q_limit_page(start_daemon):
    d = start_daemon(WRITE_CONFIG)
    key = make_key(d)
    ids = []
    for n in range(5):
        ids.append(create(d, key, name="Outage number %d" % n,
                          body="needle" if n % 2 else "haystack")["id"])
    patch(d, key, ids[0], status="resolved")
    status, doc = api(d, "GET", "incidents", key=key)
    assert status == 200 and sorted(i["id"] for i in doc) == sorted(ids)
    status, doc = api(d, "GET", "incidents/unresolved", key=key)
    assert sorted(i["id"] for i in doc) == sorted(ids[1:])
    status, doc = api(d, "GET", "incidents?q=needle", key=key)
    assert sorted(i["id"] for i in doc) == sorted([ids[1], ids[3]])
    status, doc = api(d, "GET", "incidents?q=NUMBER%202", key=key)
    assert [i["id"] for i in doc] == [ids[2]]
    status, p1 = api(d, "GET", "incidents?limit=2&page=1", key=key)
    status, p2 = api(d, "GET", "incidents?limit=2&page=2", key=key)
    status, p3 = api(d, "GET", "incidents?limit=2&page=3", key=key)
    assert [len(p1), len(p2), len(p3)] == [2, 2, 1]
    assert sorted(i["id"] for i in p1 + p2 + p3) == sorted(ids)
    status, doc = api(d, "GET", "incidents/" + ids[3], key=key)
    assert status == 200 and doc["id"] == ids[3] and doc["page_id"] == PAGE


# ---- components: a status set by hand ----------------------------------------------------

def test_manual_component_status(start_daemon):
    d = start_daemon(WRITE_CONFIG)
    key = make_key(d)
    status, doc = api(d, "GET", "components", key=key)
    assert status == 200
    assert {c["id"] for c in doc} >= {"api", "rest", "websocket", "dash"}

    status, doc = api(d, "PATCH", "components/dash", {"component": {"status": "major_outage"}},
                      key=key)
    assert status == 200, doc
    assert doc["id"] == "dash" and doc["status"] == "major_outage"
    wait_until(d, lambda: statuses(d)["dash"] == "major_outage", "dash major_outage")
    assert statuses(d)["rest"] == "operational"
    wait_until(d, lambda: indicator(d) == "major", "status.json indicator major")
    status, doc = api(d, "GET", "components/dash", key=key)
    assert status == 200 and doc["status"] == "major_outage"

    # PUT works like PATCH; a group's status follows its children.
    status, doc = api(d, "PUT", "components/rest",
                      {"component": {"status": "degraded_performance"}}, key=key)
    assert status == 200 and doc["status"] == "degraded_performance", doc
    wait_until(d, lambda: statuses(d)["api"] == "degraded_performance", "api group rolled up")

    # null releases it.
    for cid in ("dash", "rest"):
        status, doc = api(d, "PATCH", "components/" + cid, {"component": {"status": None}},
                          key=key)
        assert status == 200, doc
        assert doc["status"] == "operational", doc
    wait_until(d, lambda: statuses(d)["dash"] == "operational" and
               statuses(d)["api"] == "operational", "components released")
    wait_until(d, lambda: indicator(d) == "none", "status.json indicator none")


def test_manual_status_wins_over_incident_until_released(start_daemon):
    d = start_daemon(WRITE_CONFIG)
    key = make_key(d)
    status, _ = api(d, "PATCH", "components/rest", {"component": {"status": "under_maintenance"}},
                    key=key)
    assert status == 200
    inc = create(d, key, name="Meanwhile", components={"rest": "major_outage"})
    wait_until(d, lambda: inc["id"] in public_ids(d), "incident published")
    assert statuses(d)["rest"] == "under_maintenance"
    api(d, "PATCH", "components/rest", {"component": {"status": None}}, key=key)
    wait_until(d, lambda: statuses(d)["rest"] == "major_outage", "the incident's status")


# ---- durability --------------------------------------------------------------------------

def test_incident_survives_kill_9(start_daemon):
    d = start_daemon(WRITE_CONFIG)
    key = make_key(d)
    inc = create(d, key, name="Durable", body="written before the answer",
                 components={"rest": "partial_outage"})
    # No grace at all: SIGKILL right after the 201.
    d.kill()
    d.start()
    status, doc = api(d, "GET", "incidents/" + inc["id"], key=key)
    assert status == 200, doc
    assert doc["name"] == "Durable" and doc["status"] == "investigating"
    assert doc["incident_updates"][0]["body"] == "written before the answer"
    assert inc["id"] in public_ids(d, "/api/v2/incidents/unresolved.json")
    assert statuses(d)["rest"] == "partial_outage"
    # And the next write still works (the key survived too).
    patch(d, key, inc["id"], status="resolved")
    wait_until(d, lambda: statuses(d)["rest"] == "operational", "rest back to operational")
