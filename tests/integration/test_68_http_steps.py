"""Black-box tests of the http-steps kind (synthetic transaction): `tocsin probe` against a
local items API started here (create -> read -> delete). The read step can be switched to
return a wrong value or to hang; the monitor must name that step in its reason, and the
cleanup step (always: true) must still run, which the server counts.

Run with /usr/bin/python3 -m pytest tests/integration/test_68_http_steps.py.
"""
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from conftest import dedent, run_cli


class ItemsApi:
    """create: POST /items -> 201 {"id": N} + Location; read: GET /items/N; delete: DELETE."""

    def __init__(self):
        self.read_mode = "ok"      # ok | wrong | hang
        self.next_id = 7
        self.deletes = []
        self.creates = 0
        self.seen_auth = []
        self.get_paths = []
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def reply(self, status, obj=None, headers=()):
                data = json.dumps(obj).encode() if obj is not None else b""
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for k, v in headers:
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                body = json.loads(self.rfile.read(length) or b"{}")
                if self.path != "/items":
                    return self.reply(404, {"error": "no route"})
                api.creates += 1
                item = api.next_id
                api.next_id += 1
                self.reply(201, {"id": item, "name": body.get("name"), "token": "t-%d" % item},
                           [("Location", "/items/%d" % item)])

            def do_GET(self):
                api.seen_auth.append(self.headers.get("Authorization"))
                api.get_paths.append(self.path)
                item = self.path.split("?")[0].rsplit("/", 1)[-1]
                if api.read_mode == "hang":
                    time.sleep(3)
                if api.read_mode == "wrong":
                    return self.reply(200, {"id": int(item) + 1})
                self.reply(200, {"id": int(item), "tags": ["a b", "c"]})

            def do_DELETE(self):
                api.deletes.append(self.path)
                self.reply(204)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def api():
    a = ItemsApi()
    yield a
    a.close()


def config(port, monitor_keys=""):
    """The create/read/delete transaction; @monitor_keys are extra lines for the monitor."""
    return dedent("""
        page:
          name: Steps
        components:
          - id: checkout
            name: Checkout
        monitors:
          - id: tx
            kind: http-steps
            timeout: 5s
            {monitor_keys}
            components: [checkout]
            conditions:
              - "[RESPONSE_TIME] < 4000"
              - "[STEP_TIME].create < 4000"
            steps:
              - name: create
                url: http://127.0.0.1:{port}/items
                method: POST
                headers:
                  Content-Type: application/json
                body: '{{"name": "probe"}}'
                conditions:
                  - "[STATUS] == 201"
                store:
                  id: "[BODY].id"
                  token: "[BODY].token"
                  where: "[HEADER].Location"
              - name: read
                url: http://127.0.0.1:{port}/items/[CONTEXT].id
                timeout: 500ms
                headers:
                  Authorization: Bearer [CONTEXT].token
                conditions:
                  - "[STATUS] == 200"
                  - "[BODY].id == [CONTEXT].id"
              - name: delete
                url: http://127.0.0.1:{port}[CONTEXT].where
                method: DELETE
                always: true
                conditions:
                  - "[STATUS] == 204"
        """).format(port=port, monitor_keys=monitor_keys)


def probe(tmp_path, text, monitor="tx"):
    path = tmp_path / "tocsin.yaml"
    path.write_text(text)
    return run_cli("probe", "-c", path, monitor)


def test_all_steps_pass(tmp_path, api):
    r = probe(tmp_path, config(api.port))
    assert r.returncode == 0, r.stdout + r.stderr
    out = r.stdout
    assert "step 1    'create' POST 201" in out
    assert "step 2    'read' GET 200" in out
    assert "step 3    'delete' DELETE 204" in out
    assert "STORE [CONTEXT].id = 7" in out
    assert "PASS [BODY].id (7) == [CONTEXT].id (7)" in out
    assert "verdict    up" in out
    assert api.deletes == ["/items/7"]
    assert api.seen_auth == ["Bearer t-7"]


def test_wrong_value_names_the_step_and_cleanup_runs(tmp_path, api):
    api.read_mode = "wrong"
    r = probe(tmp_path, config(api.port))
    assert r.returncode == 1, r.stdout + r.stderr
    assert "verdict    down: step 2 'read': [BODY].id (8) == [CONTEXT].id (7)" in r.stdout
    assert "step 3    'delete' DELETE 204" in r.stdout
    assert api.deletes == ["/items/7"]


def test_hang_times_out_and_cleanup_runs(tmp_path, api):
    api.read_mode = "hang"
    r = probe(tmp_path, config(api.port))
    assert r.returncode == 1, r.stdout + r.stderr
    # The read answers after 3 s, within the monitor's 5 s: only the step's own 500 ms
    # timeout makes it time out (no wall-clock bound, which a busy machine would break).
    assert "verdict    down: step 2 'read': timed out" in r.stdout
    assert api.deletes == ["/items/7"]


def test_failed_first_step_skips_the_rest_but_not_cleanup(tmp_path, api):
    text = config(api.port).replace("/items\n", "/nowhere\n", 1)
    r = probe(tmp_path, text)
    assert r.returncode == 1
    assert "step 1 'create': [STATUS] (404) == 201" in r.stdout
    assert "'read'" not in r.stdout.split("conditions")[0].replace("verdict", "")
    # The cleanup step needs [CONTEXT].where, which was never stored: it fails, unsent.
    assert "step 3    'delete' not sent" in r.stdout
    assert api.deletes == []


def test_context_is_url_encoded_in_the_url(tmp_path, api):
    text = config(api.port).replace('token: "[BODY].token"', 'token: "[BODY].name"')
    text = text.replace('{"name": "probe"}', '{"name": "a b&c=d/e"}')
    text = text.replace("/items/[CONTEXT].id", "/items/[CONTEXT].id?tag=[CONTEXT].token")
    r = probe(tmp_path, text)
    assert r.returncode == 0, r.stdout
    assert api.get_paths == ["/items/7?tag=a%20b%26c%3Dd/e"]
    assert api.seen_auth == ["Bearer a b&c=d/e"]  # headers get the value as it is
    assert api.deletes == ["/items/7"]


@pytest.mark.parametrize("bad,message", [
    ('- "[STATUS] = 200"', "condition: expected an operator after [STATUS]"),
    ('- "[ROWS] == 1"', "a step offers"),
    ('- "[STATUS] == 2O4"', "condition: 2O4 is not a number"),  # issue 12 item 12
])
def test_step_conditions_are_checked_at_load(tmp_path, api, bad, message):
    text = config(api.port).replace('- "[STATUS] == 204"', bad)
    r = probe(tmp_path, text)
    assert r.returncode == 2
    assert message in r.stderr
    assert ":" in r.stderr.split(message)[0]  # FILE:LINE:COL prefix


def test_unknown_context_is_a_config_error(tmp_path, api):
    text = config(api.port).replace("/items/[CONTEXT].id", "/items/[CONTEXT].nope")
    r = probe(tmp_path, text)
    assert r.returncode == 2
    assert "[CONTEXT].nope is not stored by an earlier step" in r.stderr


def test_store_must_be_a_placeholder(tmp_path, api):
    text = config(api.port).replace('id: "[BODY].id"', 'id: "[BODY].id == 1"')
    r = probe(tmp_path, text)
    assert r.returncode == 2
    assert "store: expected one placeholder" in r.stderr


def test_daemon_reports_the_failing_step(start_daemon, api):
    api.read_mode = "wrong"
    d = start_daemon(config(api.port, "interval: 5s\n    failure_threshold: 1\n"
                                      "    incident: auto"))

    def down():
        _, _, data = d.raw_request("GET", "/api/v2/incidents/unresolved.json")
        incidents = json.loads(data)["incidents"]
        return incidents and incidents[0]
    inc = d.wait_for(down, timeout=15, what="an auto-incident")
    assert "step 2 'read'" in inc["incident_updates"][0]["body"]
    assert len(api.deletes) >= 1
