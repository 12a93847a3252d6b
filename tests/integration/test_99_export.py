"""The static mirror (issue 17): with `export: {dir, command}` the daemon rewrites the folder
after every change and runs the command; nginx and Caddy, each with the snippet the folder
holds, serve every document byte for byte as the daemon does (pages, JSON with and without
".json", feeds, compressed variants) with the daemon's CORS and cache headers; `tocsin export`
writes the same folder from the store, and refuses while a daemon holds the data folder."""

import gzip
import json
import os
import shutil
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from conftest import free_port, header, run_cli
from test_80_write_api import WRITE_CONFIG, api, make_key

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
CADDY = shutil.which("caddy") or "/usr/bin/caddy"


def url_of(rel):
    """The document path a mirror file stands for."""
    if rel == "index.html":
        return "/"
    if rel.endswith("/index.html"):
        return "/" + rel[: -len("/index.html")]
    return "/" + rel


def fetch(url, headers=None):
    req = urllib.request.Request(url, headers=headers or {})
    with urllib.request.urlopen(req, timeout=5) as r:
        return r.status, r.read(), dict(r.headers)


def wait_served(base):
    for _ in range(100):
        try:
            fetch(base + "/")
            return base
        except OSError:
            time.sleep(0.05)
    return base


@pytest.fixture
def nginx(tmp_path):
    if not os.path.exists(NGINX):
        pytest.skip("nginx is needed")
    procs = []

    def start(root):
        port = free_port()
        conf = tmp_path / ("nginx-%d.conf" % port)
        # The shipped snippet's server block, pointed at this folder and port.
        snippet = (Path(root) / "tocsin-mirror.nginx.conf").read_text()
        server = snippet[snippet.index("server {"):]
        server = server.replace("listen 80;", "listen 127.0.0.1:%d;" % port)
        server = server.replace("root /srv/status;", "root %s;" % root)
        conf.write_text("daemon off; master_process off; pid %s/nginx-%d.pid;\n"
                        "error_log stderr;\nevents {}\nhttp {\n include /etc/nginx/mime.types;\n"
                        " access_log off;\n client_body_temp_path %s;\n%s}\n"
                        % (tmp_path, port, tmp_path, server))
        p = subprocess.Popen([NGINX, "-c", str(conf), "-p", str(tmp_path)],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        procs.append(p)
        return wait_served("http://127.0.0.1:%d" % port)

    yield start
    for p in procs:
        p.terminate()
        p.wait(timeout=10)


@pytest.fixture
def caddy(tmp_path):
    """Like nginx, for the shipped Caddyfile."""
    if not os.path.exists(CADDY):
        pytest.skip("caddy is needed")
    procs = []

    def start(root):
        port = free_port()
        conf = tmp_path / ("Caddyfile-%d" % port)
        site = (Path(root) / "tocsin-mirror.Caddyfile").read_text()
        site = site.replace("status.example.com {", "http://127.0.0.1:%d {" % port)
        site = site.replace("root * /srv/status", "root * %s" % root)
        # No admin endpoint: it would take port 2019, which another test's Caddy may hold.
        conf.write_text("{\n    admin off\n}\n" + site)
        env = dict(os.environ, HOME=str(tmp_path), XDG_DATA_HOME=str(tmp_path),
                   XDG_CONFIG_HOME=str(tmp_path))
        p = subprocess.Popen([CADDY, "run", "--config", str(conf), "--adapter", "caddyfile"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
        procs.append(p)
        return wait_served("http://127.0.0.1:%d" % port)

    yield start
    for p in procs:
        p.terminate()
        p.wait(timeout=10)


@pytest.mark.parametrize("server", ["nginx", "caddy"])
def test_mirror_refreshed_by_the_daemon_served_as_the_daemon(start_daemon, tmp_path, request,
                                                              server):
    serve = request.getfixturevalue(server)
    mirror = tmp_path / "mirror"
    marker = tmp_path / "command-ran"
    d = start_daemon(WRITE_CONFIG + "export:\n  dir: %s\n  command: echo \"$TOCSIN_EXPORT_DIR\""
                     " >> %s\n" % (mirror, marker))
    key = make_key(d)
    status, doc = api(d, "POST", "incidents", key=key, body={"incident": {
        "name": "Mirror me – ünïcode", "status": "investigating", "body": "**Looking.**",
        "components": {"rest": "major_outage"}}})
    assert status == 201, doc
    incident_id = doc["id"]
    d.wait_for(lambda: (mirror / "incidents" / incident_id / "index.html").exists(),
               timeout=10, what="the incident in the mirror")
    d.wait_for(lambda: marker.exists() and str(mirror) in marker.read_text(), timeout=10,
               what="the export command")
    time.sleep(0.5)  # let a refresh in flight finish: the folder is swapped whole
    base = serve(mirror)

    compared = 0
    for f in sorted(mirror.rglob("*")):
        rel = f.relative_to(mirror).as_posix()
        if f.is_dir() or rel.endswith((".gz", ".br")) or rel.startswith("tocsin-mirror"):
            continue
        path = url_of(rel)
        status, hdrs, body = d.raw_request("GET", path)
        assert status == 200, path
        _, got, got_headers = fetch(base + path)
        assert got == body, "%s differs between the daemon and %s" % (path, server)
        # The headers clients act on come from the snippet, as the daemon sends them: other
        # sites' scripts may read every document, and caches keep none for long.
        for name in ("Access-Control-Allow-Origin", "Cache-Control"):
            assert got_headers.get(name) == header(hdrs, name)[0], (path, name, got_headers)
        compared += 1
    assert compared >= 10
    # With the content types a browser and a client need (the snippets keep the server's map).
    for path, ctype in [("/", "text/html"), ("/api/v2/summary.json", "application/json"),
                        ("/history.atom", "application/atom+xml"),
                        ("/history.rss", "application/rss+xml"),
                        ("/badges/status.svg", "image/svg+xml")]:
        status, _, headers = fetch(base + path)
        assert headers["Content-Type"].startswith(ctype), (path, headers["Content-Type"])
    # Statuspage clients ask without ".json": the server finds it as the daemon does.
    assert fetch(base + "/api/v2/summary")[1] == d.raw_request("GET", "/api/v2/summary")[2]
    # The precompressed variant is what gzip_static sends.
    status, body, headers = fetch(base + "/api/v2/summary.json",
                                  {"Accept-Encoding": "gzip"})
    assert headers.get("Content-Encoding") == "gzip"
    assert headers.get("Vary") == "Accept-Encoding"  # so shared caches keep both forms apart
    assert gzip.decompress(body) == d.raw_request("GET", "/api/v2/summary.json")[2]
    summary = json.loads(fetch(base + "/api/v2/summary.json")[1])
    assert summary["incidents"][0]["name"] == "Mirror me – ünïcode"
    assert "Mirror me" in fetch(base + "/incidents/" + incident_id)[1].decode()

    # While the daemon holds the data folder, the command refuses and says what to do.
    p = run_cli("export", "-c", d.config_path, "--data", d.data_dir, tmp_path / "other")
    assert p.returncode == 1 and "export: {dir" in p.stderr
    assert not (tmp_path / "other").exists()


def test_export_command_writes_the_same_folder(start_daemon, tmp_path):
    d = start_daemon(WRITE_CONFIG)
    key = make_key(d)
    status, doc = api(d, "POST", "incidents", key=key, body={"incident": {
        "name": "Exported", "status": "identified"}})
    assert status == 201
    d.wait_for(lambda: b"Exported" in d.raw_request("GET", "/")[2], what="the incident")
    live = {p: d.raw_request("GET", p)[2] for p in ("/", "/api/v2/summary.json",
                                                     "/api/v2/incidents.json", "/history.atom")}
    d.stop()
    out = tmp_path / "static"
    p = run_cli("export", "-c", d.config_path, "--data", d.data_dir, out)
    assert p.returncode == 0, p.stderr
    assert (out / "index.html").read_bytes().count(b"Exported")
    assert json.loads((out / "api/v2/incidents.json").read_bytes())["incidents"][0]["name"] \
        == "Exported"
    assert (out / "api/v2/summary.json.gz").exists()
    assert (out / "tocsin-mirror.Caddyfile").exists()
    # The incidents are the daemon's (the page's updated_at is the export's own time).
    assert json.loads((out / "api/v2/incidents.json").read_bytes())["incidents"] == \
        json.loads(live["/api/v2/incidents.json"])["incidents"]
    # Exporting again replaces the folder whole.
    (out / "stale.txt").write_text("x")
    p = run_cli("export", "-c", d.config_path, "--data", d.data_dir, out)
    assert p.returncode == 0 and not (out / "stale.txt").exists()


def test_export_into_a_path_too_long_is_a_clear_error(start_daemon, tmp_path):
    """A folder whose name leaves no room for the export's temporary sibling: refused with a
    message, never cut short (a cut name could be the mirror itself, removed before the
    swap)."""
    d = start_daemon(WRITE_CONFIG)
    d.stop()
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    (mirror / "keep.txt").write_text("still here")
    # The mirror's own name, padded with "/./" to 4,090 bytes: the same folder, and its
    # temporary sibling "<dir>.new-…" cannot fit in 4,096 bytes.
    name = str(mirror)
    padded = str(tmp_path) + "/." * ((4090 - len(name)) // 2) + "/mirror"
    p = run_cli("export", "-c", d.config_path, "--data", d.data_dir, padded)
    assert p.returncode != 0
    assert "longer than 4095 bytes" in p.stderr, p.stderr
    assert (mirror / "keep.txt").read_text() == "still here"
